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

import asyncio
import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from psycopg.types.json import Jsonb

from tracker.accounts.models import Actor
from tracker.agile.common import csv_ids, csv_names
from tracker.db import Conn, fetch_all, fetch_val
from tracker.importer import bulk
from tracker.importer import repository as sql
from tracker.importer.metadata import ACTOR_REF, CustomMap, Maps, mapped
from tracker.importer.models import (
    COMMENT_FIELD,
    CUSTOM_FIELDS,
    FIELDS,
    LINK_FIELD,
    SET_FIELDS,
    History,
    ImportSummary,
    JiraComment,
    ParsedIssue,
    Problem,
    Value,
)

# uuid5 namespace of imported change ids (fixed forever: re-imports must derive the same ids)
NAMESPACE = uuid.UUID("6f1b0c9e-4a8e-5d43-9b55-2d1f0b7c3a10")
_NAMESPACE_BYTES = NAMESPACE.bytes
CHUNK = 10_000  # ids per lookup query
# what a bulk import sets aside while it loads (not the outbox: its relay reads it all the time)
BULK_TABLES = ("issues", "issue_history", "issue_sprints", "comments")
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


# the tables holding each multi-valued system field's current values
MEMBER_TABLES = {
    "Fix Version": "issue_fix_versions",
    "Version": "issue_affects_versions",
    "Component": "issue_components",
}


@dataclass(slots=True)
class Planned:
    issue: ParsedIssue
    id: int
    project_id: int
    is_new: bool
    version: int = 0
    known: set[str] = field(default_factory=set)  # change ids already in the issue's history
    comment_ids: list[int] = field(default_factory=list)  # ids of its comments not imported yet, in their order


@dataclass
class Rows:
    """The rows of a batch: COPY text lines (tab-separated, escaped), and updates of issues imported before."""

    issues: list[str] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    memberships: list[str] = field(default_factory=list)
    members: dict[str, list[str]] = field(default_factory=lambda: {t: [] for t in MEMBER_TABLES.values()})
    comments: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    outbox: list[str] = field(default_factory=list)
    mappings: list[str] = field(default_factory=list)
    parents: list[tuple[int, int | None]] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0


# the tables holding each multi-valued system field's current values
MEMBER_TABLES = {
    "Fix Version": "issue_fix_versions",
    "Version": "issue_affects_versions",
    "Component": "issue_components",
}


@dataclass
class Built:
    """A batch built: its rows, the issues they hold, and the issues left out (and why) or with nothing new."""

    rows: Rows
    planned: list[Planned] = field(default_factory=list)
    rejected: list[tuple[Planned, str]] = field(default_factory=list)
    unchanged: int = 0


def _event_type(fields: Sequence[str | None]) -> str:
    if "status" in fields:
        return "issue.transitioned"
    if fields and all(f == "assignee" for f in fields):
        return "issue.assigned"
    return "issue.updated"


class IssueWriter:
    """Phase three of an import: the issues."""

    def __init__(
        self,
        conn: Conn,
        actor: Actor,
        source: str,
        maps: Maps,
        summary: ImportSummary,
        batch_size: int = 500,
        fast: bool | None = False,
    ) -> None:
        self.conn = conn
        self.actor = actor
        self.source = source
        self.maps = maps
        self.summary = summary
        self.batch_size = max(1, batch_size)
        self.fast = fast  # set the big tables' indexes and foreign keys aside (None: when worth it)
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

    def value(self, name: str, v: Value, missing: set[str], project_key: str = "") -> tuple[str | None, str | None]:
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
        if name in SET_FIELDS:  # one version or component, by name
            table = maps.components if name == "Component" else maps.versions
            found = table.get((project_key, v.lower()))
            return (str(found[0]), found[1]) if found else (None, v)
        custom = maps.custom.get(name)
        if custom is not None:
            return self.custom_value(custom, v)[1:]
        return v, v  # summary, description, duedate, Story Points, Link (the other issue's key)

    def custom_value(self, custom: CustomMap, v: Value) -> tuple[Any, str | None, str | None]:
        """(stored JSON value, history value, display string) of a custom field value, as tracker/fields has them."""
        kind = custom.kind
        if v is None:
            return None, None, None
        if kind == "number":
            number = Decimal(v)
            return (int(number) if number == number.to_integral_value() else float(number)), v, v
        if kind == "select":
            option_id, shown = custom.options[v.lower()]
            return option_id, str(option_id), shown
        if kind in ("multi_select", "checkbox"):
            options = [custom.options[x.lower()] for x in v]
            return [o[0] for o in options], ",".join(str(o[0]) for o in options), ", ".join(o[1] for o in options)
        if kind == "labels":
            return list(v), " ".join(v), " ".join(v)
        if kind == "user":
            uid, _, display = self.maps.users[v]
            return uid, str(uid), display
        if kind == "multi_user":
            users = [self.maps.users[x] for x in v]
            return [u[0] for u in users], ",".join(str(u[0]) for u in users), ", ".join(u[2] for u in users)
        return v, v, v  # text, textarea, url, date, datetime

    def build(self, p: Planned, rows: Rows) -> bool:
        """Add an issue's rows (as COPY text lines); False when it has nothing new."""
        issue = p.issue
        key, source = issue.key, self.source
        project_key = self.project_keys[p.project_id]
        missing: set[str] = set()
        translate = self.value

        def value(name: str, v: Value, missing: set[str]) -> tuple[str | None, str | None]:
            return translate(name, v, missing, project_key)

        maps = self.maps
        reporter = issue.current["reporter"] or ACTOR_REF
        history, outbox = rows.history, rows.outbox
        version = p.version
        head = f"{p.id}\t{key}\t{p.project_id}\t"
        comment_ids = iter(p.comment_ids)

        def event(
            cid: str,
            event_type: str,
            at: datetime,
            at_text: str,
            actor: tuple[int, str, str] | None,
            changes: list[dict[str, Any]],
            extra: dict[str, Any] | None = None,
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
                "data": {"imported_from": source, **extra} if extra else {"imported_from": source},
            }
            body = copy_text(orjson.dumps(payload).decode())
            outbox.append(f"{cid}\t{event_type}\t{p.id}\t{key}\t{project_key}\t{at_text}\t{body}\n")

        def change(
            prefix: str, name: str, field_type: str, before: str | None, before_s: str | None,
            after: str | None, after_s: str | None, create: str,
        ) -> dict[str, Any]:  # fmt: skip
            history.append(
                f"{prefix}{copy_text(name)}\t{field_type}\t{copy_text(before)}\t{copy_text(before_s)}"
                f"\t{copy_text(after)}\t{copy_text(after_s)}\t{create}\n"
            )
            return {
                "field": name,
                "field_type": field_type,
                "from": before,
                "to": after,
                "from_string": before_s,
                "to_string": after_s,
            }

        if p.is_new:
            cid = change_id(source, "create", issue.external_id)
            creator = maps.users[issue.initial["reporter"] or reporter]
            created = issue.created.isoformat()
            prefix = f"{head}{cid}\t{creator[0]}\t{created}\t"
            changes = []
            for name in FIELDS:
                v, s = value(name, issue.initial[name], missing)
                if v is None and s is None:
                    continue
                field_type = "custom" if name in CUSTOM_FIELDS else "jira"
                changes.append(change(prefix, name, field_type, None, None, v, s, "t"))
            for name in SET_FIELDS:  # one row per version or component, as tracklake writes them
                for member in issue.initial[name]:
                    v, s = value(name, member, missing)
                    changes.append(change(prefix, name, "jira", None, None, v, s, "t"))
            for jira_id, custom in maps.custom.items():
                _, v, s = self.custom_value(custom, issue.initial.get(jira_id))
                if v is not None or s is not None:
                    changes.append(change(prefix, custom.name, "custom", None, None, v, s, "t"))
            version = 1
            event(cid, "issue.created", issue.created, created, creator, changes)
        fresh = 0
        for entry in self.timeline(issue):
            if isinstance(entry, JiraComment):
                cid = change_id(source, "comment", entry.external_id)
                if cid in p.known:
                    continue
                comment_id = next(comment_ids)
                writer = maps.users[entry.author or ACTOR_REF]  # a comment always has an author
                at = entry.created.isoformat()
                rows.comments.append(
                    f"{comment_id}\t{p.id}\t{writer[0]}\t{copy_text(entry.body)}\t{at}\t{entry.updated.isoformat()}\n"
                )
                prefix = f"{head}{cid}\t{writer[0]}\t{at}\t"
                changes = [change(prefix, COMMENT_FIELD, "jira", None, None, str(comment_id), entry.body, "f")]
                version += 1
                fresh += 1
                view = {
                    "id": comment_id,
                    "body": entry.body,
                    "author": {"username": writer[1], "display_name": writer[2]},
                    "created": at,
                    "updated": entry.updated.isoformat(),
                }
                event(cid, "comment.added", entry.created, at, writer, changes, {"comment": view})
                continue
            h = entry
            cid = change_id(source, "history", h.external_id)
            if cid in p.known:
                continue
            author = maps.users[h.author] if h.author else None
            actor = copy_text(str(author[0]) if author else None)
            at = h.created.isoformat()
            prefix = f"{head}{cid}\t{actor}\t{at}\t"
            changes = []
            for item in h.items:
                name = item.field
                if item.mapped and (name in maps.custom or name not in maps.custom_names):
                    if name == LINK_FIELD:  # the other issue's key, worded as Jira words it
                        before, before_s, after, after_s = (
                            item.before,
                            item.before_string,
                            item.after,
                            item.after_string,
                        )
                    else:
                        before, before_s = value(name, item.before, missing)
                        after, after_s = value(name, item.after, missing)
                        if before == after and before_s == after_s:
                            continue  # e.g. a sprint tracklake does not know was the only difference
                    if name in maps.custom:
                        name = maps.custom[name].name
                else:  # a field tracklake does not model (or a custom field it could not create): text only
                    name = maps.custom_names.get(name, name)
                    before, before_s, after, after_s = None, item.before_string, None, item.after_string
                changes.append(change(prefix, name, item.field_type, before, before_s, after, after_s, "f"))
            if changes:
                version += 1
                fresh += 1
                event(cid, _event_type([c["field"] for c in changes]), h.created, at, author, changes)
        if not p.is_new and not fresh:
            return False
        cur = issue.current
        custom_fields = {}
        for jira_id, custom in maps.custom.items():
            stored = self.custom_value(custom, cur.get(jira_id))[0]
            if stored is not None:
                custom_fields[custom.key] = stored
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
        for name, table in MEMBER_TABLES.items():
            found = maps.components if name == "Component" else maps.versions
            ids = sorted({found[(project_key, v.lower())][0] for v in cur[name]})
            rows.members[table] += [f"{p.id}\t{i}\n" for i in ids]
        parent = cur["parent"]
        parent_id = self.keys.get(parent) if parent else None
        if p.is_new:
            line = [
                p.id, p.project_id, issue.number, key, values["issue_type_id"], values["priority_id"],
                values["status_id"], values["resolution_id"], values["summary"], values["description"],
                values["assignee_id"], values["reporter_id"], copy_array(values["labels"]), values["due_date"],
                values["story_points"], issue.created.isoformat(), values["updated_at"].isoformat(),
                issue.resolved.isoformat() if issue.resolved else None, version,
                orjson.dumps(custom_fields).decode(),
            ]  # fmt: skip
            rows.issues.append("\t".join(copy_text(None if v is None else str(v)) for v in line) + "\n")
            rows.mappings.append(f"{copy_text(source)}\tissue\t{copy_text(issue.external_id)}\t{p.id}\n")
            rows.created += 1
            if parent_id:
                rows.parents.append((p.id, parent_id))
        else:
            values["custom_fields"] = Jsonb(custom_fields)
            values["imported_fields"] = [c.key for c in maps.custom.values()]
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

    @staticmethod
    def timeline(issue: ParsedIssue) -> list[History | JiraComment]:
        """Changelog entries and comments in time order (an entry before a comment of the same instant)."""
        if not issue.comments:
            return list(issue.histories)
        entries: list[tuple[datetime, int, int, History | JiraComment]] = [
            (h.created, 0, n, h) for n, h in enumerate(issue.histories)
        ]
        entries += [(c.created, 1, n, c) for n, c in enumerate(issue.comments)]
        entries.sort(key=lambda e: e[:3])
        return [e[3] for e in entries]

    def new_comments(self, p: Planned) -> int:
        """How many of an issue's comments are not in its history yet."""
        return sum(1 for c in p.issue.comments if change_id(self.source, "comment", c.external_id) not in p.known)

    # -- writing --------------------------------------------------------------------------------------------------

    async def write(self, rows: Rows) -> None:
        async with self.conn.cursor() as cur:
            if rows.issues:
                async with cur.copy(sql.COPY_ISSUES) as copy:
                    await copy.write("".join(rows.issues).encode())
            if rows.updates:
                await cur.executemany(sql.UPDATE_ISSUE, rows.updates)
                updated = {"ids": [u["id"] for u in rows.updates]}
                await cur.execute(sql.DELETE_ISSUE_SPRINTS, updated)
                for statement in sql.DELETE_ISSUE_MEMBERS.values():
                    await cur.execute(statement, updated)  # type: ignore[arg-type]  # constants
            for statement, lines in (
                (sql.COPY_ISSUE_SPRINTS, rows.memberships),
                *((sql.COPY_MEMBERS[table], lines) for table, lines in rows.members.items()),
                (sql.COPY_COMMENTS, rows.comments),
                (sql.COPY_HISTORY, rows.history),
                (sql.COPY_OUTBOX, rows.outbox),
                (sql.COPY_MAPPINGS, rows.mappings),
            ):
                if lines:
                    async with cur.copy(statement) as copy:
                        await copy.write("".join(lines).encode())

    def build_batch(self, batch: Sequence[Planned]) -> Built:
        """The rows of a batch (no database access)."""
        out = Built(Rows())
        for p in batch:
            try:
                if self.build(p, out.rows):
                    out.planned.append(p)
                else:
                    out.unchanged += 1
            except KeyError as exc:  # a reference the metadata phase could not import (reported there)
                out.rejected.append((p, f"{p.issue.key} refers to {exc} which was not imported"))
                rest = self.build_batch([q for q in batch if q is not p])
                rest.rejected += out.rejected
                rest.unchanged += out.unchanged
                return rest
        return out

    async def write_built(self, built: Built) -> None:
        """Write a built batch in one savepoint; when it fails, find the culprit issue by issue."""
        counts = self.summary.counts
        counts["issues_unchanged"] += built.unchanged
        for p, message in built.rejected:
            self.reject(p.issue, "", message)
        if not built.planned:
            return
        rows = built.rows
        try:
            async with self.conn.transaction():
                await self.write(rows)
        except Exception as exc:
            if len(built.planned) == 1:
                self.reject(built.planned[0].issue, "", f"{built.planned[0].issue.key} could not be written: {exc}")
                return
            for p in built.planned:  # one savepoint per issue
                await self.write_built(self.build_batch([p]))
            return
        counts["issues_created"] += rows.created
        counts["issues_updated"] += rows.updated
        counts["history_rows"] += len(rows.history)
        counts["events"] += len(rows.outbox)
        if rows.comments:
            counts["comments_created"] += len(rows.comments)
        self.summary.problems += rows.warnings
        self.written.update(p.id for p in built.planned)
        self.projects.update(p.project_id for p in built.planned)
        self.parents += rows.parents

    async def allocate_comment_ids(self, planned: Sequence[Planned]) -> None:
        """Ids for every comment to import, in one query."""
        wanted = [(p, self.new_comments(p)) for p in planned]
        total = sum(n for _, n in wanted)
        if not total:
            return
        cur = await self.conn.execute(sql.NEXT_COMMENT_IDS, {"n": total})
        ids = [r["id"] for r in await cur.fetchall()]
        start = 0
        for p, n in wanted:
            p.comment_ids = ids[start : start + n]
            start += n

    async def run(self, issues: Sequence[ParsedIssue], progress: Callable[[int], None] | None = None) -> None:
        planned = await self.plan(issues)
        if progress and len(issues) > len(planned):
            progress(len(issues) - len(planned))
        await self.allocate_comment_ids(planned)
        new = sum(1 for p in planned if p.is_new)
        fast = self.fast
        if fast is None:
            # Only into an empty tracker by default: the tables stay locked until the import commits.
            existing = await fetch_val(self.conn, sql.COUNT_ISSUES)
            fast = existing == 0 and bulk.worth_it(new, existing)
        asides = await bulk.set_aside(self.conn, BULK_TABLES) if fast and new else []
        # The next batch is built in a thread while PostgreSQL takes this one: building reads only the plan and
        # the metadata maps, and Python runs in the thread while the event loop waits on the COPY.
        loop = asyncio.get_running_loop()
        batches = [planned[start : start + self.batch_size] for start in range(0, len(planned), self.batch_size)]
        ahead = loop.run_in_executor(None, self.build_batch, batches[0]) if batches else None
        for n, batch in enumerate(batches):
            assert ahead is not None
            built = await ahead
            if n + 1 < len(batches):
                ahead = loop.run_in_executor(None, self.build_batch, batches[n + 1])
            await self.write_built(built)
            if progress:
                progress(len(batch))
        alive = self.written | self.existing
        links = [(i, p) for i, p in self.parents if i in self.written and (p is None or p in alive)]
        if links:
            await self.conn.execute(sql.SET_PARENTS, {"ids": [i for i, _ in links], "parents": [p for _, p in links]})
        if self.projects:
            await self.conn.execute(sql.BUMP_ISSUE_SEQ, {"ids": sorted(self.projects)})
        if asides:
            await bulk.rebuild(self.conn, asides)
        await self.link(issues)

    async def link(self, issues: Sequence[ParsedIssue]) -> None:
        """The issues' links, once every issue of the export is written: both ends must be imported, here or
        in an earlier run from the same source; a link to any other issue is reported and left out."""
        alive = self.written | self.existing
        keys = {k: i for k, i in self.keys.items() if i in alive}
        linking = [i for i in issues if i.links and keys.get(i.key)]
        if not linking:
            return
        others = sorted({k for i in linking for link in i.links for k in (link.source, link.target)} - set(keys))
        for start in range(0, len(others), CHUNK):
            params = {"source": self.source, "keys": others[start : start + CHUNK]}
            for r in await fetch_all(self.conn, sql.SELECT_IMPORTED_BY_KEYS, params):
                keys[r["key"]] = r["id"]
        # when and by whom a link was made: the changelog's 'Link' item adding it, on either issue
        made: dict[tuple[str, str], tuple[datetime, int | None]] = {}
        for issue in linking:
            for h in issue.histories:
                for item in h.items:
                    if item.field == LINK_FIELD and item.mapped and item.after:
                        author = self.maps.users[h.author][0] if h.author else None
                        made.setdefault((issue.key, item.after), (h.created, author))
        wanted: dict[tuple[int, int, int], tuple[bool, datetime, int | None]] = {}
        for issue in linking:
            for link in issue.links:
                other = link.target if link.source == issue.key else link.source
                source, target = keys.get(link.source), keys.get(link.target)
                if not source or not target:
                    self.summary.counts["links_skipped"] += 1
                    self.summary.problems.append(
                        Problem(
                            issue.origin.path(link.suffix),
                            f"{issue.key} {link.outward if link.source == issue.key else link.inward} {other}, "
                            f"which is not imported (in this export or an earlier one): the link is left out",
                            "warning",
                        )
                    )
                    continue
                type_id, symmetric = self.maps.link_types[link.type_name.lower()]
                if (type_id, target, source) in wanted and symmetric:
                    continue
                at, by = (
                    made.get((link.source, link.target))
                    or made.get((link.target, link.source))
                    or (
                        issue.created,
                        None,
                    )
                )
                wanted.setdefault((type_id, source, target), (symmetric, at, by))
        if not wanted:
            return
        rows = [(*k, *v) for k, v in wanted.items()]
        cur = await self.conn.execute(
            sql.INSERT_LINKS,
            {
                "types": [r[0] for r in rows],
                "sources": [r[1] for r in rows],
                "targets": [r[2] for r in rows],
                "symmetric": [r[3] for r in rows],
                "at": [r[4] for r in rows],
                "by": [r[5] for r in rows],
            },
        )
        if cur.rowcount:
            self.summary.counts["links_created"] += cur.rowcount
