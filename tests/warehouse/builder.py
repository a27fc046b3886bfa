"""Hand-made warehouse datasets: PostgreSQL-shaped snapshot tables and issue_history rows, written as the
exporters would write them (or landed as events), for model and report tests that need no PostgreSQL."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tracker.events import Change, Event
from warehouse.build import BuildResult, build
from warehouse.landing import LandingZone
from warehouse.layout import Layout, new_generation, write_atomic

TODO, IN_PROGRESS, DONE = 1, 3, 10001
REVIEW = 10150  # an extra in-progress status added by `Dataset()`
TYPES = {"Task": 10001, "Bug": 10002, "Story": 10003, "Epic": 10004, "Sub-task": 10005}
STATUS_NAMES = {TODO: "To Do", IN_PROGRESS: "In Progress", DONE: "Done", REVIEW: "In Review"}
RESOLUTION_DONE = 10000


def t(text: str) -> datetime:
    """'2024-03-04 09:00' (or with seconds) as a UTC instant."""
    fmt = "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M"
    if len(text) == 10:
        fmt = "%Y-%m-%d"
    return datetime.strptime(text, fmt).replace(tzinfo=UTC)


def _schema(columns: dict[str, pa.DataType]) -> pa.Schema:
    return pa.schema([pa.field(k, v) for k, v in columns.items()])


TS = pa.timestamp("us", tz="UTC")
SCHEMAS: dict[str, pa.Schema] = {
    "projects": _schema({"id": pa.int64(), "key": pa.string(), "name": pa.string(), "lead_id": pa.int64()}),
    "statuses": _schema({"id": pa.int64(), "name": pa.string(), "category": pa.string()}),
    "issue_types": _schema(
        {"id": pa.int64(), "name": pa.string(), "subtask": pa.bool_(), "hierarchy_level": pa.int32()}
    ),
    "priorities": _schema({"id": pa.int64(), "name": pa.string(), "sequence": pa.int32()}),
    "resolutions": _schema({"id": pa.int64(), "name": pa.string()}),
    "users": _schema({"id": pa.int64(), "username": pa.string(), "display_name": pa.string()}),
    "saved_filters": _schema(
        {"id": pa.int64(), "owner_id": pa.int64(), "name": pa.string(), "jql": pa.string(), "shared": pa.bool_()}
    ),
    # migrations/0008_agile.sql's boards, plus the time zone and working weekdays the adapter reads when present
    "boards": _schema(
        {
            "id": pa.int64(),
            "name": pa.string(),
            "type": pa.string(),
            "project_id": pa.int64(),
            "filter_id": pa.int64(),
            "estimation": pa.string(),
            "deleted_at": TS,
            "timezone": pa.string(),
            "working_weekdays": pa.list_(pa.int32()),
        }
    ),
    "board_columns": _schema(
        {
            "id": pa.int64(),
            "board_id": pa.int64(),
            "name": pa.string(),
            "position": pa.int32(),
            "status_ids": pa.list_(pa.int64()),
        }
    ),
    "board_non_working_days": _schema({"board_id": pa.int64(), "day": pa.date32()}),
    "sprints": _schema(
        {
            "id": pa.int64(),
            "board_id": pa.int64(),
            "name": pa.string(),
            "state": pa.string(),
            "goal": pa.string(),
            "start_date": TS,
            "end_date": TS,
            "activated_date": TS,
            "complete_date": TS,
        }
    ),
    "issues": _schema(
        {
            "id": pa.int64(),
            "project_id": pa.int64(),
            "number": pa.int32(),
            "key": pa.string(),
            "issue_type_id": pa.int64(),
            "priority_id": pa.int64(),
            "status_id": pa.int64(),
            "resolution_id": pa.int64(),
            "summary": pa.string(),
            "description": pa.string(),
            "assignee_id": pa.int64(),
            "reporter_id": pa.int64(),
            "labels": pa.list_(pa.string()),
            "due_date": pa.date32(),
            "story_points": pa.decimal128(10, 2),
            "parent_id": pa.int64(),
            "custom_fields": pa.string(),
            "created_at": TS,
            "updated_at": TS,
            "resolved_at": TS,
            "version": pa.int32(),
        }
    ),
}
HISTORY_SCHEMA = _schema(
    {
        "id": pa.int64(),
        "issue_id": pa.int64(),
        "issue_key": pa.string(),
        "project_id": pa.int64(),
        "change_id": pa.string(),
        "actor_id": pa.int64(),
        "occurred_at": TS,
        "field": pa.string(),
        "field_type": pa.string(),
        "from_value": pa.string(),
        "from_string": pa.string(),
        "to_value": pa.string(),
        "to_string": pa.string(),
        "is_create": pa.bool_(),
    }
)

# A field name in history → the issue attribute it sets.
ATTRS = {
    "status": "status_id",
    "Story Points": "story_points",
    "Sprint": "sprint",
    "resolution": "resolution_id",
    "issuetype": "issue_type_id",
    "priority": "priority_id",
    "assignee": "assignee_id",
    "labels": "labels",
    "parent": "parent_id",
    "summary": "summary",
}


@dataclass
class Issue:
    id: int
    key: str
    project_id: int
    created: datetime
    values: dict[str, Any] = field(default_factory=dict)
    updated: datetime | None = None
    resolved: datetime | None = None
    version: int = 1
    deleted: bool = False


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value) if value else None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Dataset:
    """A small tracker: projects, statuses, boards, sprints and issues with their change history."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.history: list[dict[str, Any]] = []
        self.issues: dict[int, Issue] = {}
        self._history_id = 0
        self._column_id = 0
        self.rows["statuses"] = [
            {"id": TODO, "name": "To Do", "category": "todo"},
            {"id": IN_PROGRESS, "name": "In Progress", "category": "in_progress"},
            {"id": REVIEW, "name": "In Review", "category": "in_progress"},
            {"id": DONE, "name": "Done", "category": "done"},
        ]
        self.rows["issue_types"] = [
            {"id": v, "name": k, "subtask": k == "Sub-task", "hierarchy_level": -1 if k == "Sub-task" else 0}
            for k, v in TYPES.items()
        ]
        self.rows["priorities"] = [{"id": 3, "name": "Medium", "sequence": 3}]
        self.rows["resolutions"] = [{"id": RESOLUTION_DONE, "name": "Done"}]
        self.rows["users"] = [{"id": 1, "username": "alice", "display_name": "Alice"}]

    # --- dimensions ----------------------------------------------------------------------------

    def project(self, project_id: int, key: str) -> Dataset:
        self.rows["projects"].append({"id": project_id, "key": key, "name": f"Project {key}", "lead_id": 1})
        return self

    def board(
        self,
        board_id: int,
        project_id: int,
        columns: list[tuple[str, list[int]]] | None = None,
        *,
        filter_jql: str | None = None,
        timezone: str = "UTC",
        working_weekdays: list[int] | None = None,
        non_working: list[date] | None = None,
        board_type: str = "scrum",
    ) -> Dataset:
        """A board; columns default to To Do | In Progress (+ In Review) | Done."""
        columns = columns or [("To Do", [TODO]), ("In Progress", [IN_PROGRESS, REVIEW]), ("Done", [DONE])]
        filter_id = None
        if filter_jql is not None:
            filter_id = 900 + board_id
            self.rows["saved_filters"].append(
                {"id": filter_id, "owner_id": 1, "name": f"Filter {board_id}", "jql": filter_jql, "shared": True}
            )
        self.rows["boards"].append(
            {
                "id": board_id,
                "name": f"Board {board_id}",
                "type": board_type,
                "project_id": project_id,
                "filter_id": filter_id,
                "estimation": "story_points",
                "deleted_at": None,
                "timezone": timezone,
                "working_weekdays": working_weekdays or [1, 2, 3, 4, 5],
            }
        )
        for position, (name, statuses) in enumerate(columns):
            self._column_id += 1
            self.rows["board_columns"].append(
                {
                    "id": board_id * 100 + self._column_id,
                    "board_id": board_id,
                    "name": name,
                    "position": position,
                    "status_ids": statuses,
                }
            )
        for day in non_working or []:
            self.rows["board_non_working_days"].append({"board_id": board_id, "day": day})
        return self

    def sprint(
        self,
        sprint_id: int,
        board_id: int,
        start: datetime | None,
        end: datetime | None,
        complete: datetime | None = None,
        *,
        name: str | None = None,
    ) -> Dataset:
        state = "closed" if complete else ("active" if start else "future")
        self.rows["sprints"].append(
            {
                "id": sprint_id,
                "board_id": board_id,
                "name": name or f"Sprint {sprint_id}",
                "state": state,
                "goal": None,
                "start_date": start,
                "end_date": end,
                "activated_date": start,
                "complete_date": complete,
            }
        )
        return self

    # --- issues and history --------------------------------------------------------------------

    def issue(
        self,
        issue_id: int,
        key: str,
        project_id: int,
        created: datetime,
        *,
        type: str = "Story",
        status: int = TODO,
        points: float | None = None,
        sprint: list[int] | None = None,
        parent: int | None = None,
        labels: list[str] | None = None,
        priority: int = 3,
    ) -> Dataset:
        """An issue with its creation history rows (one per initially set field, as the tracker writes them)."""
        issue = Issue(issue_id, key, project_id, created)
        self.issues[issue_id] = issue
        initial: dict[str, Any] = {
            "issuetype": TYPES[type],
            "status": status,
            "priority": priority,
            "summary": f"Issue {key}",
        }
        if points is not None:
            initial["Story Points"] = points
        if sprint:
            initial["Sprint"] = list(sprint)
        if parent is not None:
            initial["parent"] = parent
        if labels:
            initial["labels"] = " ".join(labels)
        change_id = str(uuid.uuid4())
        for name, value in initial.items():
            self._row(issue, created, name, None, value, change_id, is_create=True)
        issue.updated = created
        return self

    def _row(
        self, issue: Issue, at: datetime, name: str, before: Any, after: Any, change_id: str, *, is_create: bool
    ) -> None:
        self._history_id += 1
        self.history.append(
            {
                "id": self._history_id,
                "issue_id": issue.id,
                "issue_key": issue.key,
                "project_id": issue.project_id,
                "change_id": change_id,
                "actor_id": 1,
                "occurred_at": at,
                "field": name,
                "field_type": "custom" if name == "Story Points" else "jira",
                "from_value": _text(before),
                "from_string": _text(before),
                "to_value": _text(after),
                "to_string": STATUS_NAMES.get(after, _text(after)) if name == "status" else _text(after),
                "is_create": is_create,
            }
        )
        issue.values[name] = after

    def change(self, issue_id: int, at: datetime, **fields: Any) -> Dataset:
        """One write changing fields (keyword names: status, points, sprint, resolution, type, parent, deleted)."""
        issue = self.issues[issue_id]
        names = {"points": "Story Points", "sprint": "Sprint", "type": "issuetype"}
        change_id = str(uuid.uuid4())
        for key, value in fields.items():
            name = names.get(key, key)
            if name == "issuetype" and isinstance(value, str):
                value = TYPES[value]
            if name == "Sprint":
                value = list(value)
            before = issue.values.get(name)
            self._row(issue, at, name, before, value, change_id, is_create=False)
            if name == "resolution":
                issue.resolved = at if value is not None else None
            if name == "deleted":
                issue.deleted = True
        issue.updated = at
        issue.version += 1
        return self

    def status(self, issue_id: int, at: datetime, status: int) -> Dataset:
        return self.change(issue_id, at, status=status)

    def points(self, issue_id: int, at: datetime, points: float | None) -> Dataset:
        return self.change(issue_id, at, points=points)

    def sprints(self, issue_id: int, at: datetime, sprint_ids: list[int]) -> Dataset:
        return self.change(issue_id, at, sprint=sprint_ids)

    # --- output --------------------------------------------------------------------------------

    def issue_rows(self) -> list[dict[str, Any]]:
        out = []
        for i in self.issues.values():
            if i.deleted:
                continue
            v = i.values
            number = int(i.key.split("-")[1])
            points = v.get("Story Points")
            labels = v.get("labels")
            out.append(
                {
                    "id": i.id,
                    "project_id": i.project_id,
                    "number": number,
                    "key": i.key,
                    "issue_type_id": v.get("issuetype"),
                    "priority_id": v.get("priority"),
                    "status_id": v.get("status"),
                    "resolution_id": v.get("resolution"),
                    "summary": v.get("summary"),
                    "description": None,
                    "assignee_id": v.get("assignee"),
                    "reporter_id": 1,
                    "labels": labels.split(" ") if labels else [],
                    "due_date": None,
                    "story_points": None if points is None else __import__("decimal").Decimal(str(points)),
                    "parent_id": v.get("parent"),
                    "custom_fields": "{}",
                    "created_at": i.created,
                    "updated_at": i.updated,
                    "resolved_at": i.resolved,
                    "version": i.version,
                }
            )
        return out

    def write_snapshot(self, layout: Layout) -> str:
        gen = new_generation()
        directory = layout.snapshot_dir(gen)
        directory.mkdir(parents=True, exist_ok=True)
        tables = dict(self.rows)
        tables["issues"] = self.issue_rows()
        for name, schema in SCHEMAS.items():
            rows = tables.get(name, [])
            table = pa.Table.from_pylist(rows, schema=schema)
            if name == "issues":
                # custom_fields is JSON in PostgreSQL; a JSON-typed column in the snapshot.
                pass
            pq.write_table(table, directory / f"{name}.parquet")
        write_atomic(directory / "_DONE", b"{}")
        return gen

    def write_history(self, layout: Layout) -> str:
        gen = new_generation()
        directory = layout.history_dir(gen)
        directory.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(self.history, schema=HISTORY_SCHEMA), directory / "part-0.parquet")
        write_atomic(directory / "_DONE", b"{}")
        return gen

    def events(self) -> list[Event]:
        """The history as the events the tracker would have emitted (one per change id, in time order)."""
        keys = {r["id"]: r["key"] for r in self.rows["projects"]}
        by_change: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in self.history:
            by_change[row["change_id"]].append(row)
        versions: dict[int, int] = defaultdict(int)
        events = []
        for change_id, rows in sorted(by_change.items(), key=lambda kv: (kv[1][0]["occurred_at"], kv[1][0]["id"])):
            first = rows[0]
            versions[first["issue_id"]] += 1
            events.append(
                Event(
                    event_id=uuid.UUID(change_id),
                    type="issue.created" if first["is_create"] else "issue.updated",
                    occurred_at=first["occurred_at"],
                    actor="alice",
                    actor_id=first["actor_id"],
                    issue_id=first["issue_id"],
                    issue_key=first["issue_key"],
                    project_key=keys[first["project_id"]],
                    version=versions[first["issue_id"]],
                    changes=[
                        Change.of(
                            r["field"],
                            r["from_value"],
                            r["to_value"],
                            before_string=r["from_string"],
                            after_string=r["to_string"],
                            field_type=r["field_type"],
                        )
                        for r in rows
                    ],
                )
            )
        return events

    def land(self, layout: Layout, events: list[Event] | None = None) -> None:
        """Land events (default: all) as one batch in the landing zone."""
        LandingZone(layout.landing).write_batch(events if events is not None else self.events())

    def build(self, root: Path, *, via: str = "history") -> tuple[Layout, BuildResult]:
        """Write the snapshot and the change log (as a history export, or landed as events) and build fully."""
        layout = Layout(root)
        snapshot = self.write_snapshot(layout)
        history = None
        if via == "history":
            history = self.write_history(layout)
        else:
            self.land(layout)
        return layout, build(layout, snapshot=snapshot, history=history, mode="full")


def day(text: str) -> date:
    return date.fromisoformat(text)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
