"""Writing imported issues with their history and events, in batches (COPY), never half an issue.

Each issue becomes its row, one issue_history row per field of its creation (`is_create`, the initial values at
`created`) and per changed field of each changelog entry (at the entry's time, by its author), and one outbox
event per change carrying the same id, so the pipeline and the warehouse see the past as it happened.

Ids are derived from Jira's: a change id is uuid5(source, Jira history id), the creation's uuid5(source, Jira issue
id), and the issue itself is found again through import_external_ids. Importing an issue again writes only the
changes whose ids are not in its history yet (then moves the row to the export's current values); with none, the
issue is left alone.

A batch of issues is written in one savepoint. Issues are checked before they are written, so a batch fails only
on the unexpected; it is then retried issue by issue, each in its own savepoint, and the one that fails is
reported and left out whole.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from tracker.accounts.models import Actor
from tracker.agile.common import csv_ids, csv_names
from tracker.db import Conn, fetch_all
from tracker.importer import repository as sql
from tracker.importer.metadata import ACTOR_REF, Maps, mapped
from tracker.importer.models import CUSTOM_FIELDS, FIELDS, ImportSummary, ParsedIssue, Problem, Value

# uuid5 namespace of imported change ids (fixed forever: re-imports must derive the same ids)
NAMESPACE = uuid.UUID("6f1b0c9e-4a8e-5d43-9b55-2d1f0b7c3a10")
_NAMESPACE_BYTES = NAMESPACE.bytes
CHUNK = 10_000  # ids per lookup query
# COPY's text format: a backslash, tab, newline or carriage return inside a value is escaped; NULL is \N.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def change_id(source: str, kind: str, external_id: str) -> str:
    """The id of an imported change (and of its event): the same for the same Jira object, run after run.

    Exactly `str(uuid.uuid5(NAMESPACE, name))`, spelled out because an import derives one per changelog entry.
    """
    h = hashlib.sha1(_NAMESPACE_BYTES + f"{source}:{kind}:{external_id}".encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


def copy_text(value: str | None) -> str:
    """A value as a field of COPY's text format."""
    if value is None:
        return "\\N"
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


def copy_array(values: Sequence[str]) -> str:
    """A text[] literal ({"a","b"}), before COPY escaping."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


@dataclass(slots=True)
class Planned:
    issue: ParsedIssue
    id: int
    project_id: int
    is_new: bool
    version: int = 0
    known: set[str] = field(default_factory=set)  # change ids already in the issue's history


@dataclass
class Rows:
    """The rows of a batch: COPY text lines (tab-separated, escaped), and updates of issues imported before."""

    issues: list[str] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    memberships: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    outbox: list[str] = field(default_factory=list)
    mappings: list[str] = field(default_factory=list)
    parents: list[tuple[int, int | None]] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0


def _event_type(fields: Sequence[str | None]) -> str:
    if "status" in fields:
        return "issue.transitioned"
    if fields and all(f == "assignee" for f in fields):
        return "issue.assigned"
    return "issue.updated"


class IssueWriter:
    """Phase three of an import: the issues."""

    def __init__(
        self, conn: Conn, actor: Actor, source: str, maps: Maps, summary: ImportSummary, batch_size: int = 500
    ) -> None:
        self.conn = conn
        self.actor = actor
        self.source = source
        self.maps = maps
        self.summary = summary
        self.batch_size = max(1, batch_size)
        self.keys: dict[str, int] = {}  # issue key → tracklake id, for parents
        self.existing: set[int] = set()  # ids of issues that were in the database before this import
        self.written: set[int] = set()
        self.parents: list[tuple[int, int | None]] = []
        self.projects: set[int] = set()
        self.project_keys = {v: k for k, v in maps.projects.items()}

    def reject(self, issue: ParsedIssue, suffix: str, message: str) -> None:
        self.summary.problems.append(Problem(issue.origin.path(suffix), message))
        self.summary.counts["issues_rejected"] += 1

    # -- planning -------------------------------------------------------------------------------------------------

    async def plan(self, issues: Sequence[ParsedIssue]) -> list[Planned]:
        """Which issues are new, which exist (with the changes they hold), and the ids of the new ones."""
        known = await mapped(self.conn, self.source, "issue", (i.external_id for i in issues))
        rows: dict[int, Any] = {}
        ids = sorted(set(known.values()))
        for start in range(0, len(ids), CHUNK):
            for r in await fetch_all(self.conn, sql.SELECT_ISSUES_BY_IDS, {"ids": ids[start : start + CHUNK]}):
                rows[r["id"]] = r
        fresh = [i for i in issues if i.external_id not in known]
        taken: dict[str, int] = {}
        keys = sorted({i.key for i in fresh})
        for start in range(0, len(keys), CHUNK):
            for r in await fetch_all(self.conn, sql.SELECT_ISSUE_IDS_BY_KEYS, {"keys": keys[start : start + CHUNK]}):
                taken[r["key"]] = r["id"]
        planned: list[Planned] = []
        for issue in issues:
            project_id = self.maps.projects.get(issue.project_key)
            if project_id is None:
                self.summary.counts["issues_rejected"] += 1  # the project's problem is reported already
                continue
            local = known.get(issue.external_id)
            if local is not None:
                row = rows.get(local)
                if row is None:
                    self.summary.problems.append(
                        Problem(
                            issue.origin.path(), f"{issue.key} was deleted in tracklake: not imported again", "warning"
                        )
                    )
                    self.summary.counts["issues_unchanged"] += 1
                    continue
                self.keys[row["key"]] = row["id"]
                self.existing.add(row["id"])
                planned.append(Planned(issue, row["id"], row["project_id"], False, row["version"]))
            elif issue.key in taken or issue.key in self.keys:
                self.reject(issue, ".key", f"{issue.key} already exists in tracklake (not imported from {self.source})")
            else:
                self.keys[issue.key] = 0
                planned.append(Planned(issue, 0, project_id, True))
        new = [p for p in planned if p.is_new]
        if new:
            # new issues get their ranks in Jira's order (LexoRank texts sort as Jira ranks them)
            new.sort(key=lambda p: (p.issue.rank is None, p.issue.rank or "", p.issue.project_key, p.issue.number))
            cur = await self.conn.execute(sql.NEXT_ISSUE_IDS, {"n": len(new)})
            for p, r in zip(new, await cur.fetchall(), strict=True):
                p.id = r["id"]
                self.keys[p.issue.key] = p.id
        old = [p for p in planned if not p.is_new]
        by_id = {p.id: p for p in old}
        old_ids = sorted(by_id)
        for start in range(0, len(old_ids), CHUNK):
            for r in await fetch_all(self.conn, sql.SELECT_CHANGE_IDS, {"ids": old_ids[start : start + CHUNK]}):
                by_id[r["issue_id"]].known.update(r["change_ids"])
        wanted = sorted({p.issue.current["parent"] for p in planned if p.issue.current["parent"]} - set(self.keys))
        for start in range(0, len(wanted), CHUNK):
            for r in await fetch_all(self.conn, sql.SELECT_ISSUE_IDS_BY_KEYS, {"keys": wanted[start : start + CHUNK]}):
                self.keys[r["key"]] = r["id"]
                self.existing.add(r["id"])
        return new + old

    # -- translating ----------------------------------------------------------------------------------------------

    def value(self, name: str, v: Value, missing: set[str]) -> tuple[str | None, str | None]:
        """(value, display string) of a field value in tracklake's terms, as history stores them."""
        if v is None:
            return None, None
        maps = self.maps
        if name == "status":
            sid, shown = maps.statuses[v]
            return str(sid), shown
        if name in ("assignee", "reporter"):
            uid, _, display = maps.users[v]
            return str(uid), display
        if name == "issuetype":
            tid, shown = maps.types[v.lower()]
            return str(tid), shown
        if name == "priority":
            pid, shown = maps.priorities[v.lower()]
            return str(pid), shown
        if name == "resolution":
            rid, shown = maps.resolutions[v.lower()]
            return str(rid), shown
        if name == "labels":
            text = " ".join(v)
            return (text, text) if text else (None, None)
        if name == "Sprint":
            names: dict[int, str] = {}
            for external in v:
                sprint = maps.sprints.get(external)
                if sprint is None:
                    missing.add(external)
                else:
                    names[sprint[0]] = sprint[1]
            return csv_ids(names), csv_names(names, names)
        if name == "parent":
            parent = self.keys.get(v)
            return (str(parent) if parent else None), v
        return v, v  # summary, description, duedate, Story Points

    def build(self, p: Planned, rows: Rows) -> bool:
        """Add an issue's rows (as COPY text lines); False when it has nothing new."""
        issue = p.issue
        key, source = issue.key, self.source
        project_key = self.project_keys[p.project_id]
        missing: set[str] = set()
        value = self.value
        reporter = issue.current["reporter"] or ACTOR_REF
        history, outbox = rows.history, rows.outbox
        version = p.version
        data = {"imported_from": source}
        head = f"{p.id}\t{key}\t{p.project_id}\t"

        def event(
            cid: str,
            event_type: str,
            at: datetime,
            at_text: str,
            actor: tuple[int, str, str] | None,
            changes: list[dict[str, Any]],
        ) -> None:
            payload = {
                "schema_version": 1,
                "event_id": cid,
                "type": event_type,
                "occurred_at": at,
                "actor": actor[1] if actor else None,
                "actor_id": actor[0] if actor else None,
                "issue_id": p.id,
                "issue_key": key,
                "project_key": project_key,
                "version": version,
                "changes": changes,
                "issue": None,
                "data": data,
            }
            body = copy_text(orjson.dumps(payload).decode())
            outbox.append(f"{cid}\t{event_type}\t{p.id}\t{key}\t{project_key}\t{at_text}\t{body}\n")

        if p.is_new:
            cid = change_id(source, "create", issue.external_id)
            creator = self.maps.users[issue.initial["reporter"] or reporter]
            created = issue.created.isoformat()
            prefix = f"{head}{cid}\t{creator[0]}\t{created}\t"
            changes = []
            for name in FIELDS:
                v, s = value(name, issue.initial[name], missing)
                if v is None and s is None:
                    continue
                field_type = "custom" if name in CUSTOM_FIELDS else "jira"
                history.append(f"{prefix}{name}\t{field_type}\t\\N\t\\N\t{copy_text(v)}\t{copy_text(s)}\tt\n")
                changes.append(
                    {
                        "field": name,
                        "field_type": field_type,
                        "from": None,
                        "to": v,
                        "from_string": None,
                        "to_string": s,
                    }
                )
            version = 1
            event(cid, "issue.created", issue.created, created, creator, changes)
        fresh = 0
        for h in issue.histories:
            cid = change_id(source, "history", h.external_id)
            if cid in p.known:
                continue
            author = self.maps.users[h.author] if h.author else None
            actor = copy_text(str(author[0]) if author else None)
            at = h.created.isoformat()
            prefix = f"{head}{cid}\t{actor}\t{at}\t"
            changes = []
            for item in h.items:
                if item.mapped:
                    before, before_s = value(item.field, item.before, missing)
                    after, after_s = value(item.field, item.after, missing)
                    if before == after and before_s == after_s:
                        continue  # e.g. a sprint tracklake does not know was the only difference
                else:
                    before, before_s, after, after_s = None, item.before_string, None, item.after_string
                history.append(
                    f"{prefix}{copy_text(item.field)}\t{item.field_type}\t{copy_text(before)}\t{copy_text(before_s)}"
                    f"\t{copy_text(after)}\t{copy_text(after_s)}\tf\n"
                )
                changes.append(
                    {
                        "field": item.field,
                        "field_type": item.field_type,
                        "from": before,
                        "to": after,
                        "from_string": before_s,
                        "to_string": after_s,
                    }
                )
            if changes:
                version += 1
                fresh += 1
                event(cid, _event_type([c["field"] for c in changes]), h.created, at, author, changes)
        if not p.is_new and not fresh:
            return False
        cur = issue.current
        maps = self.maps
        values = {
            "id": p.id,
            "issue_type_id": maps.types[cur["issuetype"].lower()][0],
            "priority_id": maps.priorities[cur["priority"].lower()][0],
            "status_id": maps.statuses[cur["status"]][0],
            "resolution_id": maps.resolutions[cur["resolution"].lower()][0] if cur["resolution"] else None,
            "summary": cur["summary"],
            "description": cur["description"],
            "assignee_id": maps.users[cur["assignee"]][0] if cur["assignee"] else None,
            "reporter_id": maps.users[reporter][0],
            "labels": list(cur["labels"]),
            "due_date": cur["duedate"],
            "story_points": cur["Story Points"],
            "updated_at": issue.updated,
            "resolved_at": issue.resolved,
            "version": version,
        }
        sprint_ids = sorted({maps.sprints[s][0] for s in cur["Sprint"] if s in maps.sprints})
        missing.update(s for s in cur["Sprint"] if s not in maps.sprints)
        rows.memberships += [f"{p.id}\t{s}\n" for s in sprint_ids]
        parent = cur["parent"]
        parent_id = self.keys.get(parent) if parent else None
        if p.is_new:
            line = [
                p.id, p.project_id, issue.number, key, values["issue_type_id"], values["priority_id"],
                values["status_id"], values["resolution_id"], values["summary"], values["description"],
                values["assignee_id"], values["reporter_id"], copy_array(values["labels"]), values["due_date"],
                values["story_points"], issue.created.isoformat(), issue.updated.isoformat(),
                issue.resolved.isoformat() if issue.resolved else None, version,
            ]  # fmt: skip
            rows.issues.append("\t".join(copy_text(None if v is None else str(v)) for v in line) + "\n")
            rows.mappings.append(f"{copy_text(source)}\tissue\t{copy_text(issue.external_id)}\t{p.id}\n")
            rows.created += 1
            if parent_id:
                rows.parents.append((p.id, parent_id))
        else:
            rows.updates.append(values)
            rows.parents.append((p.id, parent_id))
            rows.updated += 1
        if parent and not parent_id:
            rows.warnings.append(
                Problem(issue.origin.path(".fields.parent"), f"parent {parent} was not imported", "warning")
            )
        if missing:
            rows.warnings.append(
                Problem(
                    issue.origin.path(".fields"),
                    f"sprint(s) {', '.join(sorted(missing, key=int))} are not in the bundle: left out of the Sprint field",
                    "warning",
                )
            )
        return True

    # -- writing --------------------------------------------------------------------------------------------------

    async def write(self, rows: Rows) -> None:
        async with self.conn.cursor() as cur:
            if rows.issues:
                async with cur.copy(sql.COPY_ISSUES) as copy:
                    await copy.write("".join(rows.issues).encode())
            if rows.updates:
                await cur.executemany(sql.UPDATE_ISSUE, rows.updates)
                await cur.execute(sql.DELETE_ISSUE_SPRINTS, {"ids": [u["id"] for u in rows.updates]})
            for statement, lines in (
                (sql.COPY_ISSUE_SPRINTS, rows.memberships),
                (sql.COPY_HISTORY, rows.history),
                (sql.COPY_OUTBOX, rows.outbox),
                (sql.COPY_MAPPINGS, rows.mappings),
            ):
                if lines:
                    async with cur.copy(statement) as copy:
                        await copy.write("".join(lines).encode())

    async def write_batch(self, batch: Sequence[Planned]) -> None:
        rows = Rows()
        built: list[Planned] = []
        for p in batch:
            try:
                if self.build(p, rows):
                    built.append(p)
                else:
                    self.summary.counts["issues_unchanged"] += 1
            except KeyError as exc:  # a reference the metadata phase could not import (reported there)
                self.reject(p.issue, "", f"{p.issue.key} refers to {exc} which was not imported")
                return await self.write_batch([q for q in batch if q is not p]) if len(batch) > 1 else None
        if not built:
            return None
        try:
            async with self.conn.transaction():
                await self.write(rows)
        except Exception as exc:
            if len(built) == 1:
                self.reject(built[0].issue, "", f"{built[0].issue.key} could not be written: {exc}")
                return None
            for p in built:  # find the culprit: one savepoint per issue
                await self.write_batch([p])
            return None
        counts = self.summary.counts
        counts["issues_created"] += rows.created
        counts["issues_updated"] += rows.updated
        counts["history_rows"] += len(rows.history)
        counts["events"] += len(rows.outbox)
        self.summary.problems += rows.warnings
        self.written.update(p.id for p in built)
        self.projects.update(p.project_id for p in built)
        self.parents += rows.parents
        return None

    async def run(self, issues: Sequence[ParsedIssue], progress: Callable[[int], None] | None = None) -> None:
        planned = await self.plan(issues)
        if progress and len(issues) > len(planned):
            progress(len(issues) - len(planned))
        for start in range(0, len(planned), self.batch_size):
            batch = planned[start : start + self.batch_size]
            await self.write_batch(batch)
            if progress:
                progress(len(batch))
        alive = self.written | self.existing
        links = [(i, p) for i, p in self.parents if i in self.written and (p is None or p in alive)]
        if links:
            await self.conn.execute(sql.SET_PARENTS, {"ids": [i for i, _ in links], "parents": [p for _, p in links]})
        if self.projects:
            await self.conn.execute(sql.BUMP_ISSUE_SEQ, {"ids": sorted(self.projects)})
