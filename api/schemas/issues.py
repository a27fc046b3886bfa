"""Issue request bodies. Types are checked here; the tracker checks meaning (names, sizes, rules)."""

from __future__ import annotations

from typing import Any

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
    custom_fields: dict[StrictStr, Any] | None = Field(
        default=None,
        description='custom field values by field id, e.g. {"customfield_10001": "High"}; null clears a value',
    )


class IssueCreate(IssueFields):
    project: StrictStr = Field(description="project key")
    type: StrictStr = Field(description="issue type name or id, e.g. Task")
    summary: StrictStr = Field(description="1-255 characters")
    sprint: StrictInt | StrictStr | None = Field(default=None, description="id of a future or active sprint")
    fix_versions: list[StrictStr | StrictInt] | None = Field(default=None, description="version names or ids")
    affects_versions: list[StrictStr | StrictInt] | None = Field(default=None, description="version names or ids")
    components: list[StrictStr | StrictInt] | None = Field(default=None, description="component names or ids")


class IssueUpdate(IssueFields):
    """Only the fields present are changed; null clears an optional field."""


class Assign(Strict):
    assignee: StrictStr | None


class CommentBody(Strict):
    body: StrictStr


class TransitionRef(Strict):
    id: StrictStr | StrictInt | None = None
    name: StrictStr | None = None


class TransitionRequest(Strict):
    transition: StrictStr | StrictInt | TransitionRef = Field(
        description='transition id or name, or {"id": ...} / {"name": ...}'
    )
    resolution: StrictStr | None = Field(default=None, description="resolution name or id (same as fields.resolution)")
    fields: dict[StrictStr, Any] | None = Field(
        default=None,
        description="values for the transition's screen: system fields by name, custom fields by id",
    )
    comment: StrictStr | None = None

    def transition_ref(self) -> str | int:
        ref = self.transition
        if isinstance(ref, TransitionRef):
            found = ref.id if ref.id is not None else ref.name
            return "" if found is None else found
        return ref
