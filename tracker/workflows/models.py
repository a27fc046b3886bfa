"""A workflow as the engine sees it: statuses, transitions and the rules on each transition."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.workflows.rules.base import Condition, PostFunction, Validator

DONE = "done"


@dataclass(frozen=True, slots=True)
class Status:
    id: int
    name: str
    category: str  # 'todo' | 'in_progress' | 'done'

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "category": self.category}


@dataclass(frozen=True, slots=True)
class ScreenField:
    """A field a user may (or must) fill in while running a transition."""

    field: str  # a system field name ("resolution", "assignee", ...) or "customfield_N"
    required: bool = False

    def config(self) -> dict[str, Any]:
        return {"field": self.field, "required": self.required}


@dataclass(frozen=True)
class Transition:
    """A move to `to_status_id` from any of `from_status_ids` (or from every status when global)."""

    id: int | None
    name: str
    to_status_id: int
    from_status_ids: tuple[int, ...] = ()
    is_global: bool = False
    description: str = ""
    conditions: tuple[Condition, ...] = ()
    validators: tuple[Validator, ...] = ()
    post_functions: tuple[PostFunction, ...] = ()
    screen: tuple[ScreenField, ...] = ()
    auto_resolution: bool = True
    position: int = 0

    def starts_from(self, status_id: int) -> bool:
        """Whether the transition may be taken from `status_id` (a transition to itself is never offered)."""
        return self.to_status_id != status_id and (self.is_global or status_id in self.from_status_ids)

    def config(self) -> dict[str, Any]:
        """The stored definition (ids for statuses)."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "from": list(self.from_status_ids),
            "global": self.is_global,
            "to": self.to_status_id,
            "conditions": [c.config() for c in self.conditions],
            "validators": [v.config() for v in self.validators],
            "post_functions": [p.config() for p in self.post_functions],
            "screen": [s.config() for s in self.screen],
            "auto_resolution": self.auto_resolution,
        }


@dataclass(frozen=True)
class Workflow:
    """A published (or draft) workflow definition."""

    id: int | None
    name: str
    initial_status_id: int
    statuses: tuple[Status, ...]
    transitions: tuple[Transition, ...]
    description: str = ""
    version: int = 1
    revision: uuid.UUID | None = None
    _by_id: dict[int, Status] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({s.id: s for s in self.statuses})

    def status(self, status_id: int) -> Status | None:
        return self._by_id.get(status_id)

    def status_name(self, status_id: int) -> str:
        s = self._by_id.get(status_id)
        return s.name if s else str(status_id)

    def transitions_from(self, status_id: int) -> list[Transition]:
        """Transitions that may start in `status_id`, in their configured order."""
        return [t for t in self.transitions if t.starts_from(status_id)]

    def transition(self, transition_id: int) -> Transition | None:
        return next((t for t in self.transitions if t.id == transition_id), None)

    def definition(self) -> dict[str, Any]:
        """The stored form of the definition (drafts and earlier versions)."""
        return {
            "name": self.name,
            "description": self.description,
            "statuses": [s.id for s in self.statuses],
            "initial_status": self.initial_status_id,
            "transitions": [t.config() for t in self.transitions],
        }

    def view(self) -> dict[str, Any]:
        """The API representation, statuses spelled out."""

        def status(sid: int) -> dict[str, Any]:
            s = self.status(sid)
            return s.view() if s else {"id": sid, "name": None, "category": None}

        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "version": self.version,
            "initial_status": status(self.initial_status_id),
            "statuses": [s.view() for s in self.statuses],
            "transitions": [
                t.config() | {"from": [status(s) for s in t.from_status_ids], "to": status(t.to_status_id)}
                for t in self.transitions
            ],
        }
