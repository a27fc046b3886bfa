"""What an import reads (Jira objects, parsed and checked) and what it reports (counts and problems).

Parsed values stay in Jira's terms ("jira space": status names, Jira user ids, Jira sprint ids, issue keys);
tracker/importer/translate.py turns them into tracklake ids once the metadata exists.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from tracker.importer.bundle import Origin

# The issue fields an import rebuilds, by their tracklake history names (tracker/issues/models.py FIELDS), in the
# order a creation lists them, plus the agile Sprint field.
FIELDS = (
    "summary",
    "issuetype",
    "priority",
    "status",
    "resolution",
    "reporter",
    "assignee",
    "description",
    "labels",
    "duedate",
    "Story Points",
    "parent",
    "Sprint",
)
CUSTOM_FIELDS = frozenset({"Story Points", "Sprint"})
# Multi-valued system fields whose changelog items add or remove one value each (as tracklake's own history does):
# values in Jira space are tuples of names.
SET_FIELDS = ("Fix Version", "Version", "Component")
LINK_FIELD = "Link"
COMMENT_FIELD = "comment"

# A field value in Jira space: text, a tuple of labels, a frozenset of Jira sprint ids, or None.
Value = Any


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the import could not take as it is: `error` rejects the item, `warning` only reports."""

    path: str
    message: str
    level: Literal["error", "warning"] = "error"

    def view(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message, "level": self.level}


@dataclass
class ImportSummary:
    """Counts of what was created, reused, updated or rejected, and every problem found."""

    source: str
    dry_run: bool = False
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    def view(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "seconds": round(self.seconds, 3),
            "counts": dict(sorted(self.counts.items())),
            "problems": [p.view() for p in self.problems],
        }


@dataclass(slots=True)
class JiraUser:
    external_id: str  # accountId, else key, else name: what Jira's changelog uses for the user
    username: str  # the login name we would like in tracklake (normalized later)
    display_name: str
    email: str | None = None
    active: bool = True


@dataclass(slots=True)
class JiraStatus:
    name: str
    category: str  # tracklake's: todo / in_progress / done
    # where a status only changelogs name was first named (`issues[0].changelog`): its category is a guess
    changelog_only: str | None = None


@dataclass(slots=True)
class JiraIssueType:
    name: str
    subtask: bool = False
    hierarchy_level: int = 0


@dataclass(slots=True)
class JiraProject:
    origin: Origin | None
    external_id: str
    key: str
    name: str
    description: str = ""
    lead: str | None = None  # JiraUser.external_id
    issue_types: list[str] = field(default_factory=list)  # names
    # gathered from the project's issues and boards: what the inferred workflow must allow
    statuses: dict[str, None] = field(default_factory=dict)  # status names (lower) in first-seen order
    moves: set[tuple[str, str]] = field(default_factory=set)
    initial: Counter[str] = field(default_factory=Counter)
    versions: dict[str, JiraVersion] = field(default_factory=dict)  # lowercase name → version
    components: dict[str, str] = field(default_factory=dict)  # lowercase name → name


@dataclass(slots=True)
class JiraVersion:
    name: str
    released: bool = False
    release_date: str | None = None  # ISO date
    archived: bool = False
    description: str = ""
    listed: bool = False  # seen in the project or on an issue, not only in a changelog


@dataclass(slots=True)
class JiraCustomField:
    """A Jira custom field the import brings over as a typed tracklake custom field (`kind`), or reports."""

    id: str  # customfield_10050
    name: str
    schema: str  # Jira's schema.custom
    kind: str | None  # the tracklake field type, None when Jira's type has no counterpart
    options: dict[str, str] = field(default_factory=dict)  # select kinds: lowercase value → value, in seen order
    used: bool = False  # some issue holds a value or a change of it


@dataclass(slots=True)
class JiraLink:
    """`source` <outward> `target` (A blocks B), as one issue of the pair lists it; `suffix` is where."""

    type_name: str
    outward: str
    inward: str
    source: str  # issue keys
    target: str
    suffix: str


@dataclass(slots=True)
class JiraComment:
    external_id: str
    author: str | None  # JiraUser.external_id
    body: str
    created: datetime
    updated: datetime


@dataclass(slots=True)
class JiraColumn:
    name: str
    statuses: list[str]  # status names (lower)
    min: int | None = None
    max: int | None = None


@dataclass(slots=True)
class JiraBoard:
    origin: Origin
    external_id: str
    name: str
    type: str  # scrum / kanban
    project_key: str
    columns: list[JiraColumn]
    estimation: str  # story_points / issue_count
    jql: str | None = None


@dataclass(slots=True)
class JiraSprint:
    origin: Origin
    external_id: str
    name: str
    state: str  # future / active / closed
    board_id: str
    goal: str
    start: datetime | None
    end: datetime | None
    activated: datetime | None
    completed: datetime | None
    created: datetime | None


@dataclass(slots=True)
class Item:
    """One changed field of a history entry, values in Jira space (None for fields kept as text only)."""

    field: str
    field_type: str
    before: Value
    after: Value
    before_string: str | None = None
    after_string: str | None = None
    mapped: bool = True


@dataclass(slots=True)
class History:
    external_id: str
    created: datetime
    author: str | None  # JiraUser.external_id
    items: list[Item]


@dataclass(slots=True)
class ParsedIssue:
    origin: Origin
    external_id: str
    key: str
    project_key: str
    number: int
    created: datetime
    updated: datetime
    resolved: datetime | None
    current: dict[str, Value]
    initial: dict[str, Value]
    histories: list[History]
    rank: str | None = None
    comments: list[JiraComment] = field(default_factory=list)
    links: list[JiraLink] = field(default_factory=list)
