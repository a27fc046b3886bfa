"""Rules on transitions: conditions (may the actor run it?), validators (is the issue ready?) and
post-functions (what else happens). Each kind is a small pydantic model registered with `@register`; its
fields are its settings, so a stored rule is `{"type": kind, **settings}` and parsing validates it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from psycopg.rows import DictRow
from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticError

from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_all, fetch_one
from tracker.events import Change
from tracker.permissions import ProjectGrants

if TYPE_CHECKING:
    from tracker.workflows.models import Transition, Workflow


class RuleConfigError(Exception):
    """A rule's settings are invalid; `path` points into the workflow definition."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


SELECT_GROUPS = (
    "SELECT g.id, lower(g.name) AS name FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = %(u)s"
)
SELECT_ROLES = """
SELECT DISTINCT r.id, lower(r.name) AS name FROM project_role_actors a JOIN project_roles r ON r.id = a.role_id
WHERE a.project_id = %(p)s
  AND (a.user_id = %(u)s OR a.group_id IN (SELECT group_id FROM group_members WHERE user_id = %(u)s))
"""
SELECT_CHILDREN = """
SELECT i.id, i.key, s.name AS status_name, s.category AS status_category
FROM issues i JOIN statuses s ON s.id = i.status_id WHERE i.parent_id = %(id)s ORDER BY i.id
"""
SELECT_PARENT = """
SELECT i.id, i.key, i.status_id, s.name AS status_name, s.category AS status_category
FROM issues i JOIN statuses s ON s.id = i.status_id WHERE i.id = %(id)s
"""


@dataclass
class Facts:
    """Reads rules share while one request evaluates one issue's transitions (each read at most once)."""

    conn: Conn
    actor: Actor
    issue: Mapping[str, Any]
    cache: dict[str, Any] = field(default_factory=dict)

    async def groups(self) -> set[str]:
        """Lower-cased names of the actor's groups."""
        if "groups" not in self.cache:
            rows = await fetch_all(self.conn, SELECT_GROUPS, {"u": self.actor.id})
            self.cache["groups"] = {r["name"] for r in rows}
        result: set[str] = self.cache["groups"]
        return result

    async def roles(self) -> set[str]:
        """Ids (as text) and lower-cased names of the actor's roles in the issue's project."""
        if "roles" not in self.cache:
            rows = await fetch_all(self.conn, SELECT_ROLES, {"p": self.issue["project_id"], "u": self.actor.id})
            self.cache["roles"] = {str(r["id"]) for r in rows} | {r["name"] for r in rows}
        result: set[str] = self.cache["roles"]
        return result

    async def children(self) -> list[DictRow]:
        """The issue's sub-issues with their status category."""
        if "children" not in self.cache:
            self.cache["children"] = await fetch_all(self.conn, SELECT_CHILDREN, {"id": self.issue["id"]})
        result: list[DictRow] = self.cache["children"]
        return result

    async def parent(self) -> DictRow | None:
        """The issue's parent, if any."""
        if self.issue.get("parent_id") is None:
            return None
        if "parent" not in self.cache:
            self.cache["parent"] = await fetch_one(self.conn, SELECT_PARENT, {"id": self.issue["parent_id"]})
        result: DictRow | None = self.cache["parent"]
        return result


@dataclass
class TransitionContext:
    """One run (or one availability check) of a transition on an issue."""

    conn: Conn
    actor: Actor
    issue: Mapping[str, Any]  # the issue before the transition
    grants: ProjectGrants
    workflow: Workflow
    transition: Transition
    facts: Facts
    values: dict[str, Any] = field(default_factory=dict)  # pending column values (with display names)
    custom: dict[str, Any] | None = None  # the pending custom_fields document; None: unchanged
    custom_changes: list[Change] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)  # added after the change, by post-functions
    events: list[str] = field(default_factory=list)  # extra events fired after the change

    def after(self) -> dict[str, Any]:
        """The issue as it will be once the pending changes are written."""
        state = dict(self.issue) | self.values
        if self.custom is not None:
            state["custom_fields"] = self.custom
        return state


class Rule(BaseModel):
    """A configured rule; subclasses declare `kind`, `family` and their settings as fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ClassVar[str]
    family: ClassVar[str]

    def config(self) -> dict[str, Any]:
        """The stored form: {"type": kind, **settings}."""
        return {"type": self.kind, **self.model_dump(mode="json", exclude_unset=True)}

    def referenced_fields(self) -> list[str]:
        """Field names this rule reads or writes (checked when the workflow is saved)."""
        name = getattr(self, "field", None)
        return [name] if isinstance(name, str) else []


class Condition(Rule):
    """Decides whether the actor may see and run a transition (evaluated on the issue before it)."""

    family: ClassVar[str] = "condition"

    async def check(self, ctx: TransitionContext) -> str | None:
        """None when the condition holds, else why not, phrased for the user."""
        raise NotImplementedError


class Validator(Rule):
    """Checks the issue as the transition would leave it (screen input included) before anything is written."""

    family: ClassVar[str] = "validator"

    async def verify(self, ctx: TransitionContext) -> dict[str, str]:
        """Errors by field name (empty when valid), each saying what to fix."""
        raise NotImplementedError


class PostFunction(Rule):
    """Changes the pending values or queues an effect; runs after the status change, in order."""

    family: ClassVar[str] = "post_function"

    async def apply(self, ctx: TransitionContext) -> None:
        raise NotImplementedError


FAMILIES = ("condition", "validator", "post_function")
_REGISTRY: dict[str, dict[str, type[Rule]]] = {f: {} for f in FAMILIES}


R = TypeVar("R", bound=type[Rule])


def register(cls: R) -> R:
    """Class decorator: make a rule kind available to workflow definitions."""
    family = _REGISTRY[cls.family]
    if cls.kind in family and family[cls.kind] is not cls:
        raise RuntimeError(f"two {cls.family} kinds are called {cls.kind!r}")
    family[cls.kind] = cls
    return cls


def kinds(family: str) -> dict[str, type[Rule]]:
    """Registered kinds of one family."""
    from tracker.workflows import rules  # noqa: F401  # importing the package registers every module

    return dict(_REGISTRY[family])


def parse_rule(family: str, raw: Any, path: str) -> Rule:
    """A rule from its stored form, or RuleConfigError naming what is wrong."""
    available = kinds(family)
    if not isinstance(raw, Mapping) or not isinstance(raw.get("type"), str):
        raise RuleConfigError(path, 'must be an object with a "type"')
    cls = available.get(raw["type"])
    if cls is None:
        raise RuleConfigError(
            f"{path}.type",
            f"unknown {family.replace('_', '-')} '{raw['type']}' (one of: {', '.join(sorted(available))})",
        )
    try:
        return cls.model_validate({k: v for k, v in raw.items() if k != "type"})
    except PydanticError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise RuleConfigError(f"{path}.{where}" if where else path, first.get("msg", "invalid")) from None
