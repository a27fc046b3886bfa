"""`tracklake demo`: a demo team project with a few sprints of believable history, imported like a Jira export.

The demo simulates a small team in code and writes what it did as a Jira export (the shapes of Jira's REST API,
with changelogs and past timestamps), then imports it with the Jira importer, so the demo exercises the importer
and its history reaches the warehouse like any other. Five two-week sprints are closed and a sixth is active
(started five days ago); the history holds what real sprints hold: work committed at planning, scope added and
removed mid-sprint, re-estimates, issues re-opened after review, unfinished work carried over to the next sprint.
A Kanban board shows the project's bugs flowing through the same statuses.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

SP_FIELD = "customfield_10016"
SPRINT_FIELD = "customfield_10020"
RANK_FIELD = "customfield_10019"
SCRUM_BOARD, KANBAN_BOARD = 1, 2
SPRINTS = 6
SPRINT_DAYS = 14
POINTS = (1, 2, 3, 3, 5, 5, 8, 13)

STATUSES = {
    "To Do": {"id": "10000", "name": "To Do", "statusCategory": {"id": 2, "key": "new", "name": "To Do"}},
    "In Progress": {"id": "3", "name": "In Progress", "statusCategory": {"id": 4, "key": "indeterminate"}},
    "In Review": {"id": "10003", "name": "In Review", "statusCategory": {"id": 4, "key": "indeterminate"}},
    "Done": {"id": "10001", "name": "Done", "statusCategory": {"id": 3, "key": "done", "name": "Done"}},
}
TYPES = {
    "Epic": {"id": "10000", "name": "Epic", "subtask": False, "hierarchyLevel": 1},
    "Story": {"id": "10001", "name": "Story", "subtask": False, "hierarchyLevel": 0},
    "Task": {"id": "10002", "name": "Task", "subtask": False, "hierarchyLevel": 0},
    "Bug": {"id": "10004", "name": "Bug", "subtask": False, "hierarchyLevel": 0},
}
PRIORITIES = {
    "High": {"id": "2", "name": "High"},
    "Medium": {"id": "3", "name": "Medium"},
    "Low": {"id": "4", "name": "Low"},
}
PEOPLE = {
    "maria.garcia": "Maria Garcia",  # product owner: plans sprints, files bugs
    "li.wei": "Li Wei",
    "sam.okafor": "Sam Okafor",
    "anna.kowalski": "Anna Kowalski",
    "jonas.berg": "Jonas Berg",
    "priya.nair": "Priya Nair",
}
PO = "maria.garcia"
DEVELOPERS = [p for p in PEOPLE if p != PO]
EPICS = ("Onboarding", "Payments", "Offline mode")
STORY_VERBS = ("Design", "Build", "Polish", "Add tests for", "Speed up", "Document", "Refactor", "Localize")
STORY_THINGS = (
    "sign-up form",
    "password reset",
    "card checkout",
    "invoice list",
    "sync queue",
    "offline cache",
    "push opt-in",
    "profile page",
    "receipt e-mail",
    "conflict resolution",
    "welcome tour",
    "refund flow",
    "settings screen",
    "search bar",
    "deep links",
    "error banner",
)
BUG_THINGS = (
    "Crash when the network drops",
    "Totals rounded wrongly",
    "Login loops on expired session",
    "Double charge on retry",
    "Stale data after sync",
    "Keyboard hides the pay button",
    "Dark mode contrast",
    "Timezone shifts due dates",
    "Upload stuck at 99%",
    "Badge count never clears",
)


def _jira_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _user(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "key": name,
        "displayName": PEOPLE[name],
        "emailAddress": f"{name}@demo.example",
        "active": True,
    }


def _changelog_item(
    name: str, kind: str, before: Any, before_s: Any, after: Any, after_s: Any, *, field_id: str | None = None
) -> dict[str, Any]:
    return {
        "field": name, "fieldtype": kind, "fieldId": field_id or name, "from": before, "fromString": before_s,
        "to": after, "toString": after_s,
    }  # fmt: skip


@dataclass
class SimIssue:
    """An issue of the simulated team: current values, and the changelog that led to them."""

    id: int
    key: str
    kind: str
    summary: str
    created: datetime
    reporter: str
    points: float | None = None
    status: str = "To Do"
    assignee: str | None = None
    resolution: str | None = None
    priority: str = "Medium"
    sprints: list[int] = field(default_factory=list)
    parent: SimIssue | None = None
    labels: list[str] = field(default_factory=list)
    histories: list[dict[str, Any]] = field(default_factory=list)
    last: datetime | None = None
    resolved: datetime | None = None


class Team:
    """Simulates the team sprint by sprint; every change is a changelog entry at its own time."""

    def __init__(self, key: str, now: datetime, seed: int) -> None:
        self.key = key
        self.now = now
        self.rng = random.Random(seed)
        self.issues: list[SimIssue] = []
        self.history_id = 50_000
        self.sprint_names = {101 + n: f"{key} Sprint {n + 1}" for n in range(SPRINTS)}
        first_start = (now - timedelta(days=5 + SPRINT_DAYS * (SPRINTS - 1))).replace(
            hour=9, minute=0, second=0, microsecond=0
        )
        self.starts = [first_start + timedelta(days=SPRINT_DAYS * n) for n in range(SPRINTS)]

    # -- writing the changelog --------------------------------------------------------------------------------------

    def new(self, kind: str, summary: str, at: datetime, reporter: str = PO, **values: Any) -> SimIssue:
        at = min(at, self.now - timedelta(hours=1))
        issue = SimIssue(
            10_000 + len(self.issues) + 1, f"{self.key}-{len(self.issues) + 1}", kind, summary, at, reporter
        )
        for name, value in values.items():
            setattr(issue, name, value)
        issue.last = at
        self.issues.append(issue)
        return issue

    def change(self, issue: SimIssue, at: datetime, author: str, **changes: Any) -> bool:
        """Record changes at `at` (kept after the issue's previous change); False when `at` is in the future."""
        assert issue.last is not None
        at = max(at, issue.last + timedelta(minutes=7))
        if at >= self.now - timedelta(minutes=5):
            return False
        items = []
        for name, value in changes.items():
            items.append(self._item(issue, name, value))
            setattr(issue, name, value)
        if issue.status == "Done" and issue.resolved is None:
            issue.resolved = at
        if issue.status != "Done":
            issue.resolved = None
        self.history_id += 1
        issue.histories.append(
            {"id": str(self.history_id), "author": _user(author), "created": _jira_time(at), "items": items}
        )
        issue.last = at
        return True

    def _item(self, issue: SimIssue, name: str, value: Any) -> dict[str, Any]:
        """The changelog item of setting `name` to `value`, as Jira writes it."""
        old = getattr(issue, name)
        if name == "status":
            a, b = STATUSES[old], STATUSES[value]
            return _changelog_item("status", "jira", a["id"], a["name"], b["id"], b["name"])
        if name == "assignee":
            return _changelog_item("assignee", "jira", old, PEOPLE.get(old or ""), value, PEOPLE.get(value or ""))
        if name == "points":  # a number field: Jira keeps the values in the strings only
            before, after = (None if v is None else f"{v:g}" for v in (old, value))
            return _changelog_item("Story Points", "custom", None, before, None, after, field_id=SP_FIELD)
        if name == "sprints":
            ids = [", ".join(str(s) for s in sorted(v)) for v in (old, value)]
            names = [", ".join(self.sprint_names[s] for s in sorted(v)) for v in (old, value)]
            return _changelog_item("Sprint", "custom", ids[0], names[0], ids[1], names[1], field_id=SPRINT_FIELD)
        if name == "resolution":
            return _changelog_item(
                "resolution", "jira", "10000" if old else None, old, "10000" if value else None, value
            )
        if name == "priority":
            return _changelog_item("priority", "jira", PRIORITIES[old]["id"], old, PRIORITIES[value]["id"], value)
        raise ValueError(name)

    def move(self, issue: SimIssue, at: datetime, author: str, status: str) -> bool:
        """A status change; entering Done sets the resolution, leaving it clears it (as Jira's workflows do)."""
        changes: dict[str, Any] = {"status": status}
        if status == "Done":
            changes["resolution"] = "Done"
        elif issue.resolution is not None:
            changes["resolution"] = None
        return self.change(issue, at, author, **changes)

    # -- the team's work -------------------------------------------------------------------------------------------

    def at(self, sprint: int, day: float, hour: int = 10) -> datetime:
        return self.starts[sprint] + timedelta(days=day, hours=hour - 9 + self.rng.random())

    def backlog_item(self, at: datetime, epics: list[SimIssue]) -> SimIssue:
        rng = self.rng
        summary = f"{rng.choice(STORY_VERBS)} {rng.choice(STORY_THINGS)}"
        kind = "Story" if rng.random() < 0.75 else "Task"
        return self.new(
            kind,
            summary,
            at,
            points=float(rng.choice(POINTS)),
            parent=rng.choice(epics),
            priority=rng.choice(("High", "Medium", "Medium", "Low")),
        )

    def work(self, issue: SimIssue, sprint: int, start_day: float, author: str, finish: bool) -> None:
        """Take an issue through the statuses within a sprint; sometimes it bounces back from review."""
        rng = self.rng
        day = start_day
        if issue.status == "To Do":
            if not self.change(issue, self.at(sprint, day), author, assignee=author, status="In Progress"):
                return
        day += rng.uniform(1.0, 4.0)
        if issue.status == "In Progress" and self.move(issue, self.at(sprint, day), author, "In Review"):
            day += rng.uniform(0.5, 2.0)
        if not finish or issue.status != "In Review":
            return
        if rng.random() < 0.2:  # changes requested
            self.move(issue, self.at(sprint, day), self.rng.choice(DEVELOPERS), "In Progress")
            day += rng.uniform(0.5, 2.0)
            self.move(issue, self.at(sprint, day), author, "In Review")
            day += rng.uniform(0.3, 1.0)
        if day < SPRINT_DAYS - 0.5:
            self.move(issue, self.at(sprint, day), author, "Done")

    def simulate(self) -> None:
        rng = self.rng
        setup = self.starts[0] - timedelta(days=10)
        epics = [self.new("Epic", name, setup, points=None) for name in EPICS]
        backlog = [self.backlog_item(setup + timedelta(hours=n), epics) for n in range(24)]
        carried: list[SimIssue] = []
        for n in range(SPRINTS):
            sprint_id = 101 + n
            start = self.starts[n]
            active = n == SPRINTS - 1
            # planning: the carried-over work, then the backlog up to the team's capacity
            committed = list(carried)
            capacity = rng.uniform(24, 32) - sum(i.points or 0 for i in carried)
            while backlog and capacity > 0:
                issue = backlog.pop(0)
                committed.append(issue)
                capacity -= issue.points or 0
                self.change(issue, start - timedelta(hours=2), PO, sprints=[*issue.sprints, sprint_id])
            while len(backlog) < 12:  # the product owner keeps the backlog filled
                backlog.append(self.backlog_item(start + timedelta(days=rng.uniform(0, 12)), epics))
            # re-estimates: work turns out bigger (or smaller) than planned
            for issue in rng.sample(committed, k=min(2, len(committed))):
                bigger = {1: 2.0, 2: 3.0, 3: 5.0, 5: 8.0, 8: 13.0, 13: 8.0}[int(issue.points or 3)]
                self.change(issue, self.at(n, rng.uniform(1, 5)), rng.choice(DEVELOPERS), points=bigger)
            # scope added mid-sprint: an urgent bug
            bug = self.new(
                "Bug",
                rng.choice(BUG_THINGS),
                self.at(n, rng.uniform(1, 4)),
                points=float(rng.choice((1, 2, 3))),
                priority="High",
                labels=["customer"],
            )
            self.change(bug, bug.created + timedelta(hours=1), PO, sprints=[sprint_id])
            committed.append(bug)
            # scope removed mid-sprint: deprioritized
            if len(committed) - 1 > len(carried) + 2 and rng.random() < 0.7:
                dropped = committed.pop(rng.randrange(len(carried), len(committed) - 1))
                if dropped.status == "To Do":
                    self.change(
                        dropped,
                        self.at(n, rng.uniform(3, 7)),
                        PO,
                        sprints=[s for s in dropped.sprints if s != sprint_id],
                    )
                    backlog.insert(0, dropped)
                else:
                    committed.append(dropped)
            # the work; about one issue in six is not finished in the sprint
            for issue in committed:
                dev = issue.assignee or rng.choice(DEVELOPERS)
                self.work(issue, n, rng.uniform(0.2, 5.5), dev, finish=rng.random() > 0.17)
            # a done issue re-opened: a customer found a problem
            done = [i for i in committed if i.status == "Done"]
            if done and rng.random() < 0.8:
                issue = rng.choice(done)
                if self.move(issue, self.at(n, rng.uniform(9, 11)), PO, "In Progress"):
                    self.move(issue, self.at(n, rng.uniform(11, 13)), issue.assignee or PO, "Done")
            if active:
                break
            # closing: unfinished issues move on to the next sprint and keep this one in their Sprint field
            close = start + timedelta(days=SPRINT_DAYS, hours=-1)
            carried = [i for i in committed if i.status != "Done"]
            for issue in carried:
                self.change(issue, close, PO, sprints=[*issue.sprints, sprint_id + 1])
        # the support queue of the Kanban board: bugs outside the sprints
        span = (self.now - self.starts[0]).total_seconds() / 86400 - 3
        for _ in range(10):
            filed = self.starts[0] + timedelta(days=rng.uniform(0, span))
            bug = self.new(
                "Bug",
                rng.choice(BUG_THINGS),
                filed,
                reporter=rng.choice(list(PEOPLE)),
                priority=rng.choice(("High", "Medium", "Low")),
                labels=["support"],
            )
            dev = rng.choice(DEVELOPERS)
            days = filed
            for status in ("In Progress", "In Review", "Done")[: rng.choice((1, 2, 3, 3, 3))]:
                days += timedelta(days=rng.uniform(0.5, 5))
                if status == "In Progress":
                    self.change(bug, days, dev, assignee=dev, status=status)
                else:
                    self.move(bug, days, dev, status)

    # -- the export ------------------------------------------------------------------------------------------------

    def sprint_state(self, sprint_id: int) -> str:
        return "active" if sprint_id == 100 + SPRINTS else "closed"

    def export_issue(self, issue: SimIssue) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "project": {"id": "10000", "key": self.key},
            "summary": issue.summary,
            "issuetype": TYPES[issue.kind],
            "created": _jira_time(issue.created),
            "updated": _jira_time(issue.last or issue.created),
            "status": STATUSES[issue.status],
            "resolution": {"id": "10000", "name": issue.resolution} if issue.resolution else None,
            "resolutiondate": _jira_time(issue.resolved) if issue.resolved and issue.resolution else None,
            "priority": PRIORITIES[issue.priority],
            "assignee": _user(issue.assignee) if issue.assignee else None,
            "reporter": _user(issue.reporter),
            "labels": issue.labels,
            "parent": {"id": str(issue.parent.id), "key": issue.parent.key} if issue.parent else None,
            SP_FIELD: issue.points,
            SPRINT_FIELD: [
                {"id": s, "name": self.sprint_names[s], "state": self.sprint_state(s), "boardId": SCRUM_BOARD}
                for s in sorted(issue.sprints)
            ]
            or None,
            RANK_FIELD: f"0|i{issue.id:05d}:",
        }
        return {
            "id": str(issue.id),
            "key": issue.key,
            "fields": fields,
            "changelog": {
                "startAt": 0,
                "maxResults": len(issue.histories),
                "total": len(issue.histories),
                "histories": issue.histories,
            },
        }

    def export(self) -> dict[str, Any]:
        k = self.key
        columns = [
            {"name": "To Do", "statuses": [{"id": STATUSES["To Do"]["id"]}]},
            {"name": "In Progress", "statuses": [{"id": STATUSES["In Progress"]["id"]}]},
            {"name": "In Review", "statuses": [{"id": STATUSES["In Review"]["id"]}], "max": 3},
            {"name": "Done", "statuses": [{"id": STATUSES["Done"]["id"]}]},
        ]
        sprints = []
        for n, start in enumerate(self.starts):
            sid = 101 + n
            state = self.sprint_state(sid)
            end = start + timedelta(days=SPRINT_DAYS)
            sprint = {
                "id": sid,
                "name": self.sprint_names[sid],
                "state": state,
                "originBoardId": SCRUM_BOARD,
                "startDate": _jira_time(start),
                "endDate": _jira_time(end),
                "goal": f"Ship {EPICS[n % 3].lower()} increment {n // 3 + 1}",
            }
            if state == "closed":
                sprint["completeDate"] = _jira_time(end - timedelta(hours=1))
            sprints.append(sprint)
        return {
            "users": [_user(p) for p in PEOPLE],
            "fields": [
                {
                    "id": SP_FIELD,
                    "name": "Story Points",
                    "custom": True,
                    "schema": {"type": "number", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:float"},
                },
                {
                    "id": SPRINT_FIELD,
                    "name": "Sprint",
                    "custom": True,
                    "schema": {"type": "array", "items": "json", "custom": "com.pyxis.greenhopper.jira:gh-sprint"},
                },
                {
                    "id": RANK_FIELD,
                    "name": "Rank",
                    "custom": True,
                    "schema": {"type": "any", "custom": "com.pyxis.greenhopper.jira:gh-lexo-rank"},
                },
            ],
            "statuses": list(STATUSES.values()),
            "projects": [
                {
                    "id": "10000",
                    "key": k,
                    "name": "Demo team",
                    "description": "A demo team's mobile app, imported by `tracklake demo`.",
                    "lead": _user(PO),
                    "issueTypes": list(TYPES.values()),
                }
            ],
            "boards": [
                {
                    "id": SCRUM_BOARD,
                    "name": f"{k} Scrum board",
                    "type": "scrum",
                    "location": {"projectKey": k},
                    "configuration": {
                        "filter": {"id": "10000", "jql": f"project = {k} AND issuetype != Epic ORDER BY Rank ASC"},
                        "columnConfig": {"columns": columns},
                        "estimation": {"type": "field", "field": {"fieldId": SP_FIELD, "displayName": "Story Points"}},
                    },
                },
                {
                    "id": KANBAN_BOARD,
                    "name": f"{k} Support (Kanban)",
                    "type": "kanban",
                    "location": {"projectKey": k},
                    "configuration": {
                        "filter": {"id": "10001", "jql": f"project = {k} AND issuetype = Bug ORDER BY Rank ASC"},
                        "columnConfig": {"columns": columns},
                    },
                },
            ],
            "sprints": sprints,
            "issues": [self.export_issue(i) for i in self.issues],
        }


def demo_bundle(key: str = "TEAM", *, now: datetime | None = None, seed: int = 7) -> dict[str, Any]:
    """The demo team's Jira export: history up to `now` (default: the current time)."""
    team = Team(key, now or datetime.now(UTC), seed)
    team.simulate()
    return team.export()


def demo_source(key: str) -> str:
    """The import source of a demo project (its Jira ids are the same for every key)."""
    return f"demo-{key.lower()}"


def demo_command(key: str, seed: int, *, warehouse: bool = True) -> int:
    """Create the demo project (once); returns the exit status."""
    import asyncio

    import psycopg
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from tracker.importer import bundle_from_data, run_import, summary_lines
    from tracklake.bootstrap import announce_token, ensure_admin
    from tracklake.cli import database
    from tracklake.migrate import migrate
    from tracklake.settings import Settings

    if not re.match(r"^[A-Z][A-Z0-9]{1,9}$", key):
        print(f"error: '{key}' is not a project key (2-10 uppercase letters or digits, starting with a letter)")
        return 1
    settings = Settings()
    with database(settings) as url:
        migrate(url)
        token = asyncio.run(ensure_admin(url, settings.bootstrap_token))
        if token:
            announce_token(token)
        with psycopg.connect(url) as conn:
            exists = conn.execute("SELECT 1 FROM projects WHERE key = %s", (key,)).fetchone()
            ours = conn.execute(
                "SELECT 1 FROM import_external_ids WHERE source = %s AND kind = 'project'", (demo_source(key),)
            ).fetchone()
        if exists and not ours:
            print(f"error: a project {key} exists and is not the demo's; choose another key with --key")
            return 1
        if exists:
            print(f"The demo project {key} exists already: nothing to import.")
        else:
            bundle = bundle_from_data(demo_bundle(key, seed=seed), "demo")
            columns = (TextColumn("demo"), BarColumn(), MofNCompleteColumn())
            with Progress(*columns) as bar:
                task = bar.add_task("issues", total=bundle.count("issues"))
                summary = asyncio.run(
                    run_import(url, bundle, source=demo_source(key), progress=lambda n: bar.advance(task, n))
                )
            print("\n".join(summary_lines(summary)))
            if summary.errors:
                return 2
            if warehouse:
                try:
                    from warehouse import rebuild

                    rebuild(settings.warehouse_dir, url)
                except Exception as exc:  # the tracker works without it; reports wait for the next refresh
                    print(f"note: the warehouse was not rebuilt ({exc}); run `tracklake warehouse rebuild`")
        with psycopg.connect(url) as conn:
            boards = conn.execute(
                "SELECT b.id, b.name, b.type FROM boards b JOIN projects p ON p.id = b.project_id WHERE p.key = %s"
                " ORDER BY b.id",
                (key,),
            ).fetchall()
    print(f"\nDemo project {key} is ready. With `tracklake serve` running, open:")
    for board_id, name, kind in boards:
        print(f"  {name} ({kind}): /api/v1/boards/{board_id}/view, dashboard /reports/boards/{board_id}")
    print(f"  velocity: /api/v1/reports/velocity?board={boards[0][0]}" if boards else "")
    print(f"  issues: /api/v1/search?jql=project%20%3D%20{key}")
    return 0
