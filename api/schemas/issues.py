"""Issue request bodies. Types are checked here; the tracker checks meaning (names, sizes, rules)."""

from __future__ import annotations

from pydantic import Field, StrictFloat, StrictInt, StrictStr

from api.schemas.common import Strict

Number = StrictFloat  # strict: accepts ints and floats, never strings or booleans


class IssueFields(Strict):
    type: StrictStr | None = Field(default=None, description="issue type name or id, e.g. Task")
    summary: StrictStr | None = Field(default=None, description="1-255 characters")
    description: StrictStr | None = None
    priority: StrictStr | None = Field(default=None, description="priority name or id; default Medium")
    assignee: StrictStr | None = Field(default=None, description="user name, or null for unassigned")
    reporter: StrictStr | None = Field(default=None, description="user name; default the caller")
    labels: list[StrictStr] | None = None
    due_date: StrictStr | None = Field(default=None, description="ISO date, e.g. 2026-12-31")
    story_points: Number | None = None
    parent: StrictStr | None = Field(default=None, description="key of the parent issue")


class IssueCreate(IssueFields):
    project: StrictStr = Field(description="project key")
    type: StrictStr = Field(description="issue type name or id, e.g. Task")
    summary: StrictStr = Field(description="1-255 characters")


class IssueUpdate(IssueFields):
    """Only the fields present are changed; null clears an optional field."""


class Assign(Strict):
    assignee: StrictStr | None


class CommentBody(Strict):
    body: StrictStr


class TransitionRequest(Strict):
    transition: StrictStr | StrictInt = Field(description="transition id or name")
    resolution: StrictStr | None = None
    comment: StrictStr | None = None
