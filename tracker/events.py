"""Versioned event models and the transactional outbox writer."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from psycopg.types.json import Jsonb
from pydantic import BaseModel, ConfigDict, Field

from tracker.db import Conn

if TYPE_CHECKING:
    from tracker.accounts.models import Actor

EventType = Literal[
    "issue.created",
    "issue.updated",
    "issue.deleted",
    "issue.transitioned",
    "issue.assigned",
    "comment.added",
    "comment.updated",
    "comment.deleted",
    "watcher.added",
    "watcher.removed",
    "project.updated",
    "user.updated",
    "sprint.created",
    "sprint.started",
    "sprint.closed",
]


class Change(BaseModel):
    """One changed field, as Jira's changelog item: raw value and display string on each side."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    field: str
    field_type: Literal["jira", "custom"] = "jira"
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    from_string: str | None = None
    to_string: str | None = None

    @classmethod
    def of(
        cls,
        field: str,
        before: str | None,
        after: str | None,
        *,
        before_string: str | None = None,
        after_string: str | None = None,
        field_type: Literal["jira", "custom"] = "jira",
    ) -> Change:
        """A change of `field` from `before` to `after` (display strings default to the values)."""
        return cls.model_validate(
            {
                "field": field,
                "field_type": field_type,
                "from": before,
                "to": after,
                "from_string": before_string,
                "to_string": after_string,
            }
        )


class Event(BaseModel):
    """An event as published on `tracklake.events` (schema_version 1)."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    schema_version: Literal[1] = 1
    event_id: uuid.UUID
    type: str
    occurred_at: datetime
    actor: str | None
    actor_id: int | None
    issue_id: int | None = None
    issue_key: str | None = None
    project_key: str | None = None
    version: int | None = None
    changes: list[Change] = []
    issue: dict[str, Any] | None = None
    data: dict[str, Any] = {}

    @classmethod
    def new(cls, event_type: str, *, actor: Actor | None, at: datetime, **fields: Any) -> Event:
        """A new event made by `actor` at `at`; `fields` are its other fields (issue, project, changes, data)."""
        return cls(
            event_id=uuid.uuid4(),
            type=event_type,
            occurred_at=at,
            actor=actor.username if actor else None,
            actor_id=actor.id if actor else None,
            **fields,
        )

    @classmethod
    def about_issue(
        cls, event_type: str, row: Mapping[str, Any], /, *, actor: Actor | None, at: datetime, **fields: Any
    ) -> Event:
        """A new event about an issue `row` (its id, key, project_key and version), made by `actor` at `at`;
        `fields` are the event's other fields (changes, the issue snapshot, data)."""
        return cls.new(
            event_type,
            actor=actor,
            at=at,
            issue_id=row["id"],
            issue_key=row["key"],
            project_key=row["project_key"],
            version=row["version"],
            **fields,
        )

    @property
    def imported(self) -> bool:
        """Whether the event replays history brought in by an import (people are not told about the past)."""
        return bool(self.data.get("imported_from"))

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict with `from` spelled as in the contract."""
        return self.model_dump(mode="json", by_alias=True)


INSERT_OUTBOX = """
INSERT INTO outbox (event_id, event_type, issue_id, issue_key, project_key, occurred_at, payload)
VALUES (%(event_id)s, %(event_type)s, %(issue_id)s, %(issue_key)s, %(project_key)s, %(occurred_at)s,
        %(payload)s)
"""


async def record_event(conn: Conn, event: Event, statement: str = INSERT_OUTBOX) -> None:
    """Write the event to the outbox inside the caller's transaction; the relay publishes after commit.

    `statement` takes the parameters of INSERT_OUTBOX (a variant may fill some of them in from the database).
    """
    await conn.execute(
        statement,
        {
            "event_id": event.event_id,
            "event_type": event.type,
            "issue_id": event.issue_id,
            "issue_key": event.issue_key,
            "project_key": event.project_key,
            "occurred_at": event.occurred_at,
            "payload": Jsonb(event.to_json()),
        },
    )
