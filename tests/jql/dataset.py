"""A generated tracker dataset (issues with consistent change history) and the catalog describing it.

Used by the differential test (PostgreSQL vs DuckDB) and the Elasticsearch document tests. The side
tables (sprints, versions, components, watchers, links) are test tables named `jqltest_*`, described to
the compiler only through catalog entries, as the real ones will be.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from jql.catalog import (
    ComponentInfo,
    FieldType,
    LinkStorage,
    LinkTypeInfo,
    Lookup,
    OptionInfo,
    ProjectInfo,
    SprintInfo,
    StatusInfo,
    UserInfo,
    VersionInfo,
)
from jql.fields import custom_field, join_table_field, system_fields
from jql.testing import SEED_STATUSES, InMemoryCatalog

NOW = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)
WORDS = (
    "login crash screen export report payment invoice search filter dashboard button layout mobile "
    "timeout cache database migration upgrade sprint backlog email notification upload avatar profile "
    "settings permission audit billing checkout cart render slow fast broken flaky retry queue"
).split()
LABELS = ["backend", "ui", "perf", "o'brien", "a\\b", "Urgent", "urgent", "tech-debt"]
USERS = [
    UserInfo(1, "alice", "Alice Archer"),
    UserInfo(2, "bob", "Bob Baker"),
    UserInfo(3, "carol", "Carol Cole"),
    UserInfo(4, "dave", "Dave Dunn"),
    UserInfo(5, "erin", "Erin Eve"),
    UserInfo(6, "frank", "Frank Fox"),
]
PROJECTS = [ProjectInfo(1, "ABC", "Alpha Build", lead_id=1), ProjectInfo(2, "XYZ", "Xylophone", lead_id=2)]
EXTRA_STATUS = StatusInfo(10150, "QA Check", "in_progress")
SPRINTS = [
    SprintInfo(1, "Sprint 1", "closed"),
    SprintInfo(2, "Sprint 2", "closed"),
    SprintInfo(3, "Sprint 3", "active"),
    SprintInfo(4, "Sprint 4", "future"),
]
VERSIONS = [
    VersionInfo(1, "1.0", 1, 1, released=True),
    VersionInfo(2, "1.1", 1, 2, released=True),
    VersionInfo(3, "2.0", 1, 3),
    VersionInfo(4, "3.0", 1, 4),
    VersionInfo(5, "1.0", 2, 1, released=True),
    VersionInfo(6, "2.0", 2, 2),
]
COMPONENTS = [
    ComponentInfo(1, "Backend", 1, lead_id=2),
    ComponentInfo(2, "Frontend", 1, lead_id=3),
    ComponentInfo(3, "Backend", 2, lead_id=2),
]
LINK_TYPES = [
    LinkTypeInfo(1, "Blocks", "blocks", "is blocked by"),
    LinkTypeInfo(2, "Relates", "relates to", "relates to"),
]
TEAM = [OptionInfo(101, "Red"), OptionInfo(102, "Blue"), OptionInfo(103, "Green")]
PLATFORMS = [OptionInfo(201, "Linux"), OptionInfo(202, "Mac"), OptionInfo(203, "Windows")]
TRANSITIONS = {1: [3, 10150], 3: [10001, 1, 10150], 10150: [10001, 3], 10001: [1]}
STATUS_NAMES = {s.id: s.name for s in [*SEED_STATUSES, EXTRA_STATUS]}

# Test tables: name → (PostgreSQL DDL, DuckDB DDL).
TEST_TABLES: dict[str, tuple[str, str]] = {
    "jqltest_sprints": ("id bigint PRIMARY KEY, name text NOT NULL", "id BIGINT, name VARCHAR"),
    "jqltest_versions": (
        "id bigint PRIMARY KEY, name text NOT NULL, sequence int NOT NULL",
        "id BIGINT, name VARCHAR, sequence INT",
    ),
    "jqltest_components": ("id bigint PRIMARY KEY, name text NOT NULL", "id BIGINT, name VARCHAR"),
    "jqltest_issue_sprints": (
        "issue_id bigint NOT NULL, sprint_id bigint NOT NULL",
        "issue_id BIGINT, sprint_id BIGINT",
    ),
    "jqltest_issue_fix_versions": (
        "issue_id bigint NOT NULL, version_id bigint NOT NULL",
        "issue_id BIGINT, version_id BIGINT",
    ),
    "jqltest_issue_components": (
        "issue_id bigint NOT NULL, component_id bigint NOT NULL",
        "issue_id BIGINT, component_id BIGINT",
    ),
    "jqltest_issue_watchers": ("issue_id bigint NOT NULL, user_id bigint NOT NULL", "issue_id BIGINT, user_id BIGINT"),
    "jqltest_issue_links": (
        "source_issue_id bigint NOT NULL, target_issue_id bigint NOT NULL, link_type_id bigint NOT NULL",
        "source_issue_id BIGINT, target_issue_id BIGINT, link_type_id BIGINT",
    ),
}


def diff_catalog() -> InMemoryCatalog:
    """The catalog describing the generated dataset and its test tables."""
    t = FieldType
    fields = [
        *system_fields(),
        join_table_field(
            "sprint",
            ("sprint",),
            t.SPRINT,
            "jqltest_issue_sprints",
            "sprint_id",
            es_field="sprint_ids",
            lookup=Lookup("jqltest_sprints", "name"),
            es_sort="sprint_names",
        ),
        join_table_field(
            "fixVersion",
            ("fixVersion",),
            t.VERSION,
            "jqltest_issue_fix_versions",
            "version_id",
            es_field="fix_version_ids",
            history="Fix Version",
            lookup=Lookup("jqltest_versions", "sequence"),
            es_sort="fix_version_sequences",
        ),
        join_table_field(
            "component",
            ("component",),
            t.COMPONENT,
            "jqltest_issue_components",
            "component_id",
            es_field="component_ids",
            lookup=Lookup("jqltest_components", "name"),
            es_sort="component_names",
        ),
        join_table_field("watcher", ("watcher",), t.USER, "jqltest_issue_watchers", "user_id", es_field="watcher_ids"),
        custom_field(10001, "Team", t.SELECT),
        custom_field(10002, "Severity Score", t.NUMBER),
        custom_field(10003, "Environment", t.TEXT),
        custom_field(10004, "Platforms", t.MULTI_SELECT),
        custom_field(10005, "Go Live", t.DATE),
        custom_field(10006, "Customer", t.STRING),
        custom_field(10007, "Reviewer", t.USER),
    ]
    return InMemoryCatalog(
        field_specs=fields,
        project_list=list(PROJECTS),
        status_list=[*SEED_STATUSES, EXTRA_STATUS],
        user_list=list(USERS),
        groups={"developers": [1, 2, 3], "qa": [4, 5]},
        sprint_list=list(SPRINTS),
        version_list=list(VERSIONS),
        component_list=list(COMPONENTS),
        field_options={"customfield_10001": list(TEAM), "customfield_10004": list(PLATFORMS)},
        link_type_list=list(LINK_TYPES),
        links=LinkStorage("jqltest_issue_links", "source_issue_id", "target_issue_id", "link_type_id"),
        viewed={1: [3, 5, 8, 13, 21]},
    )


@dataclass
class Dataset:
    issues: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)  # test tables


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.data = Dataset(rows={name: [] for name in TEST_TABLES})
        self.history_id = 0

    def words(self, lo: int, hi: int) -> str:
        return " ".join(self.rnd.choice(WORDS) for _ in range(self.rnd.randint(lo, hi)))

    def record(
        self,
        issue: dict[str, Any],
        at: datetime,
        actor: int | None,
        changes: list[tuple[str, Any, Any]],
        create: bool = False,
    ) -> None:
        change_id = uuid.UUID(int=self.rnd.getrandbits(128))
        for name, old, new in changes:
            self.history_id += 1
            self.data.history.append(
                {
                    "id": self.history_id,
                    "issue_id": issue["id"],
                    "issue_key": issue["key"],
                    "project_id": issue["project_id"],
                    "change_id": change_id,
                    "actor_id": actor,
                    "occurred_at": at,
                    "field": name,
                    "field_type": "jira",
                    "from_value": None if old is None else str(old),
                    "from_string": None if old is None else str(old),
                    "to_value": None if new is None else str(new),
                    "to_string": None if new is None else str(new),
                    "is_create": create,
                }
            )

    def issue(self, issue_id: int, numbers: dict[int, int], parents: list[dict[str, Any]]) -> dict[str, Any]:
        rnd = self.rnd
        project = rnd.choices(PROJECTS, weights=[3, 2])[0]
        numbers[project.id] += 1
        created = NOW - timedelta(days=rnd.randint(2, 120), seconds=rnd.randint(0, 86_399))
        type_id = rnd.choices([10001, 10002, 10003, 10004, 10005], weights=[4, 3, 3, 1, 2])[0]
        candidates = [p for p in parents if p["project_id"] == project.id]
        parent_id = None
        if type_id == 10005:
            hosts = [p for p in candidates if p["issue_type_id"] != 10005]
            if hosts:
                parent_id = rnd.choice(hosts)["id"]
            else:
                type_id = 10001
        elif type_id != 10004 and rnd.random() < 0.3:
            epics = [p for p in candidates if p["issue_type_id"] == 10004]
            parent_id = rnd.choice(epics)["id"] if epics else None
        custom: dict[str, Any] = {}
        if rnd.random() < 0.7:
            custom["customfield_10001"] = rnd.choice(TEAM).id
        if rnd.random() < 0.6:
            custom["customfield_10002"] = rnd.choice([1, 2, 3, 4.5, 5, 10])
        if rnd.random() < 0.4:
            custom["customfield_10003"] = self.words(2, 6)
        if rnd.random() < 0.6:
            custom["customfield_10004"] = sorted(o.id for o in rnd.sample(PLATFORMS, rnd.randint(0, 3)))
        if rnd.random() < 0.5:
            custom["customfield_10005"] = (created.date() + timedelta(days=rnd.randint(0, 90))).isoformat()
        if rnd.random() < 0.5:
            custom["customfield_10006"] = rnd.choice(["ACME", "Globex", "Initech", "acme"])
        if rnd.random() < 0.5:
            custom["customfield_10007"] = rnd.choice(USERS).id
        description = rnd.choices([None, "", self.words(4, 14)], weights=[2, 1, 7])[0]
        issue: dict[str, Any] = {
            "id": issue_id,
            "project_id": project.id,
            "number": numbers[project.id],
            "key": f"{project.key}-{numbers[project.id]}",
            "issue_type_id": type_id,
            "priority_id": rnd.randint(1, 5),
            "status_id": 1,
            "resolution_id": None,
            "summary": self.words(2, 6).capitalize(),
            "description": description,
            "assignee_id": rnd.choice([None, *[u.id for u in USERS]]),
            "reporter_id": rnd.choice(USERS).id,
            "labels": sorted(set(rnd.sample(LABELS, rnd.randint(0, 3)))),
            "due_date": None if rnd.random() < 0.4 else created.date() + timedelta(days=rnd.randint(-10, 60)),
            "story_points": rnd.choice(
                [None, None, Decimal("0.5"), Decimal(1), Decimal(2), Decimal(3), Decimal(5), Decimal(8)]
            ),
            "parent_id": parent_id,
            "custom_fields": custom,
            "created_at": created,
            "updated_at": created,
            "resolved_at": None,
            "version": 1,
        }
        initial = [
            ("status", None, 1),
            ("priority", None, issue["priority_id"]),
            ("issuetype", None, type_id),
            ("reporter", None, issue["reporter_id"]),
        ]
        if issue["assignee_id"] is not None:
            initial.append(("assignee", None, issue["assignee_id"]))
        self.record(issue, created, issue["reporter_id"], initial, create=True)
        self.evolve(issue)
        return issue

    def evolve(self, issue: dict[str, Any]) -> None:
        rnd = self.rnd
        at: datetime = issue["created_at"]
        fix_versions: set[int] = set()
        project_versions = [v.id for v in VERSIONS if v.project_id == issue["project_id"]]
        for _ in range(rnd.randint(0, 7)):
            at = at + timedelta(hours=rnd.randint(1, 200), minutes=rnd.randint(0, 59))
            if at >= NOW - timedelta(hours=1):
                break
            actor = None if rnd.random() < 0.05 else rnd.choice(USERS).id
            kind = rnd.choices(["status", "assignee", "priority", "version"], weights=[5, 2, 1, 1])[0]
            if kind == "status":
                old = issue["status_id"]
                new = rnd.choice(TRANSITIONS[old])
                changes: list[tuple[str, Any, Any]] = [("status", old, new)]
                issue["status_id"] = new
                if new == 10001:
                    resolution = rnd.choice([10000, 10000, 10001, 10002])
                    changes.append(("resolution", None, resolution))
                    issue["resolution_id"], issue["resolved_at"] = resolution, at
                elif old == 10001:
                    changes.append(("resolution", issue["resolution_id"], None))
                    issue["resolution_id"], issue["resolved_at"] = None, None
                self.record(issue, at, actor, changes)
            elif kind == "assignee":
                old = issue["assignee_id"]
                new = rnd.choice([u.id for u in USERS if u.id != old] + [None])
                issue["assignee_id"] = new
                self.record(issue, at, actor, [("assignee", old, new)])
            elif kind == "priority":
                old = issue["priority_id"]
                new = rnd.choice([p for p in range(1, 6) if p != old])
                issue["priority_id"] = new
                self.record(issue, at, actor, [("priority", old, new)])
            else:
                if fix_versions and rnd.random() < 0.3:
                    gone = rnd.choice(sorted(fix_versions))
                    fix_versions.discard(gone)
                    self.record(issue, at, actor, [("Fix Version", gone, None)])
                else:
                    added = rnd.choice(project_versions)
                    if added in fix_versions:
                        continue
                    fix_versions.add(added)
                    self.record(issue, at, actor, [("Fix Version", None, added)])
            issue["updated_at"] = at
            issue["version"] += 1
        self.data.rows["jqltest_issue_fix_versions"] += [(issue["id"], v) for v in sorted(fix_versions)]

    def side_tables(self) -> None:
        rnd, rows, issues = self.rnd, self.data.rows, self.data.issues
        rows["jqltest_sprints"] = [(s.id, s.name) for s in SPRINTS]
        rows["jqltest_versions"] = [(v.id, v.name, v.sequence) for v in VERSIONS]
        rows["jqltest_components"] = [(c.id, c.name) for c in COMPONENTS]
        for issue in issues:
            for sprint in rnd.sample(SPRINTS, rnd.choice([0, 0, 1, 1, 2])):
                rows["jqltest_issue_sprints"].append((issue["id"], sprint.id))
            mine = [c for c in COMPONENTS if c.project_id == issue["project_id"]]
            for component in rnd.sample(mine, rnd.randint(0, len(mine))):
                rows["jqltest_issue_components"].append((issue["id"], component.id))
            for user in rnd.sample(USERS, rnd.choice([0, 0, 1, 2, 3])):
                rows["jqltest_issue_watchers"].append((issue["id"], user.id))
            for _ in range(rnd.choice([0, 0, 0, 1, 2])):
                body = self.words(3, 10)
                self.data.comments.append(
                    {
                        "id": len(self.data.comments) + 1,
                        "issue_id": issue["id"],
                        "author_id": rnd.choice(USERS).id,
                        "body": body,
                        "created_at": issue["updated_at"],
                    }
                )
        for _ in range(len(issues) // 4):
            a, b = rnd.sample(issues, 2)
            rows["jqltest_issue_links"].append((a["id"], b["id"], rnd.choice(LINK_TYPES).id))


def generate(count: int = 300, seed: int = 20240615) -> Dataset:
    """A deterministic dataset of `count` issues in projects ABC and XYZ, all history before NOW."""
    builder = _Builder(seed)
    numbers = {p.id: 0 for p in PROJECTS}
    for issue_id in range(1, count + 1):
        builder.data.issues.append(builder.issue(issue_id, numbers, builder.data.issues))
    builder.side_tables()
    return builder.data
