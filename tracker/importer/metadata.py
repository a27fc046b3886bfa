"""Writing what issues refer to: users, issue types, priorities, resolutions, projects with their inferred
workflows, boards and sprints. Each is found again by its external id (or by name) before anything is created,
so importing the same bundle twice creates nothing the second time.

Workflows, boards and sprints are written through the public functions of their domains (tracker/workflows,
tracker/agile), which validate and record their events. Sprints are the exception for their state: an imported
sprint is already active or closed, and starting or completing it through tracker/agile would move issues; its
state and dates are written as they were, with the sprint.started / sprint.closed events at their original times.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tracker.accounts.models import Actor
from tracker.agile import boards as agile_boards
from tracker.agile import filters as agile_filters
from tracker.agile import sprints as agile_sprints
from tracker.agile.cache import board_scope, meta_scope
from tracker.agile.common import now, record_agile_event, touch
from tracker.db import Conn, fetch_all, fetch_one, fetch_val
from tracker.errors import TrackerError
from tracker.fields import actions as field_actions
from tracker.importer import repository as sql
from tracker.importer.jira import SELECT_KINDS, ParsedBundle
from tracker.importer.models import ImportSummary, JiraBoard, JiraCustomField, JiraProject, JiraSprint, Problem
from tracker.projects.actions import do_create_project
from tracker.workflows import admin as workflow_admin
from tracker.workflows.definitions import load_workflow

CATEGORY_ORDER = {"todo": 0, "in_progress": 1, "done": 2}
CATEGORY_NAMES = {"todo": "To Do", "in_progress": "In Progress", "done": "Done"}
USERNAME_CHARS = re.compile(r"[^a-z0-9._-]+")
# The importing actor stands in for a missing reporter (tracklake requires one).
ACTOR_REF = "\x00actor"


@dataclass(slots=True)
class CustomMap:
    """A Jira custom field → the tracklake custom field it became."""

    id: int
    key: str  # customfield_<id>: where issues.custom_fields holds its value
    name: str
    kind: str
    options: dict[str, tuple[int, str]]  # lowercase value → (option id, value)


@dataclass
class Maps:
    """Jira references → tracklake rows: (id, display name) pairs, users with their user name too."""

    users: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    statuses: dict[str, tuple[int, str]] = field(default_factory=dict)
    types: dict[str, tuple[int, str]] = field(default_factory=dict)
    priorities: dict[str, tuple[int, str]] = field(default_factory=dict)
    resolutions: dict[str, tuple[int, str]] = field(default_factory=dict)
    projects: dict[str, int] = field(default_factory=dict)
    boards: dict[str, int] = field(default_factory=dict)
    sprints: dict[str, tuple[int, str]] = field(default_factory=dict)
    versions: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)  # (project key, lower name)
    components: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    custom: dict[str, CustomMap] = field(default_factory=dict)  # by Jira field id
    link_types: dict[str, tuple[int, bool]] = field(default_factory=dict)  # lower name → (id, symmetric)
    custom_names: dict[str, str] = field(default_factory=dict)  # Jira field id → name, of every custom field


def normalize_username(wanted: str) -> str:
    """A tracklake user name (`^[a-z0-9][a-z0-9._-]{0,59}$`) close to a Jira login or name."""
    name = USERNAME_CHARS.sub(".", wanted.strip().lower())
    name = name.lstrip("._-")[:56].rstrip("._-")
    return name or "user"


async def mapped(conn: Conn, source: str, kind: str, ids: Iterable[str]) -> dict[str, int]:
    """Local ids of objects imported before from `source`, by external id."""
    wanted = sorted(set(ids))
    out: dict[str, int] = {}
    for start in range(0, len(wanted), 10_000):
        rows = await fetch_all(
            conn, sql.SELECT_MAPPED, {"source": source, "kind": kind, "ids": wanted[start : start + 10_000]}
        )
        out.update({r["external_id"]: r["local_id"] for r in rows})
    return out


async def remember(conn: Conn, source: str, kind: str, external_id: str, local_id: int) -> None:
    await conn.execute(sql.INSERT_MAPPING, {"source": source, "kind": kind, "id": external_id, "local": local_id})


class MetadataWriter:
    """Phase two of an import: everything but the issues."""

    def __init__(self, conn: Conn, actor: Actor, source: str, parsed: ParsedBundle, summary: ImportSummary) -> None:
        self.conn = conn
        self.actor = actor
        self.source = source
        self.parsed = parsed
        self.summary = summary
        self.maps = Maps()
        self.categories: dict[str, str] = {}

    def problem(self, path: str, message: str, level: str = "error") -> None:
        self.summary.problems.append(Problem(path, message, "error" if level == "error" else "warning"))

    async def run(self) -> Maps:
        await self.users()
        await self.named(
            sql.SELECT_ISSUE_TYPES, sql.INSERT_ISSUE_TYPE, self._type_names(), self.maps.types, "issue_types"
        )
        await self.named(
            sql.SELECT_PRIORITIES, sql.INSERT_PRIORITY, self._values("priority"), self.maps.priorities, "priorities"
        )
        await self.named(
            sql.SELECT_RESOLUTIONS,
            sql.INSERT_RESOLUTION,
            self._values("resolution"),
            self.maps.resolutions,
            "resolutions",
        )
        before = await self._load_statuses()
        for project in self.parsed.projects.values():
            await self.project(project)
        self._created_statuses(before, await self._load_statuses())
        for board in self.parsed.boards:
            await self.board(board)
        for sprint in self.parsed.sprints:
            await self.sprint(sprint)
        for project in self.parsed.projects.values():
            await self.versions_and_components(project)
        for custom in self.parsed.custom.values():
            if custom.kind is not None and custom.used:
                await self.custom_field(custom)
            elif custom.used:
                self.summary.counts["custom_fields_skipped"] += 1
        await self.link_types()
        self.maps.custom_names = {f.id: f.name for f in self.parsed.custom.values()}
        return self.maps

    # -- users and named metadata ---------------------------------------------------------------------------------

    async def users(self) -> None:
        users = self.parsed.users
        known = await mapped(self.conn, self.source, "user", users)
        rows = {r["id"]: r for r in await fetch_all(self.conn, sql.SELECT_USERS_BY_IDS, {"ids": list(known.values())})}
        taken = {
            r["local_id"]
            for r in await fetch_all(self.conn, sql.SELECT_MAPPED_LOCAL_IDS, {"source": self.source, "kind": "user"})
        }
        for external_id, user in users.items():
            row = rows.get(known.get(external_id, 0))
            if row is None:
                base = normalize_username(user.username)
                for n in range(1, 1000):
                    candidate = base if n == 1 else f"{base}-{n}"
                    existing = await fetch_one(self.conn, sql.SELECT_USERS_BY_NAMES, {"names": [candidate]})
                    if existing is not None and existing["id"] not in taken:
                        row = existing
                        self.summary.counts["users_reused"] += 1
                        break
                    if existing is None:
                        params = {
                            "username": candidate,
                            "display_name": user.display_name or candidate,
                            "email": user.email,
                            "active": user.active,
                        }
                        row = await fetch_one(self.conn, sql.INSERT_USER, params)
                        if row is not None:
                            self.summary.counts["users_created"] += 1
                            break
                assert row is not None
                taken.add(row["id"])
                await remember(self.conn, self.source, "user", external_id, row["id"])
            self.maps.users[external_id] = (row["id"], row["username"], row["display_name"])
        self.maps.users[ACTOR_REF] = (self.actor.id, self.actor.username, self.actor.display_name)

    def _type_names(self) -> dict[str, dict[str, Any]]:
        return {
            lower: {"name": t.name, "subtask": t.subtask, "level": t.hierarchy_level}
            for lower, t in self.parsed.issue_types.items()
        }

    def _values(self, name: str) -> dict[str, dict[str, Any]]:
        """Names of a priority or resolution used anywhere in the issues (current values and changelogs)."""
        out: dict[str, dict[str, Any]] = {}
        for issue in self.parsed.issues:
            values = [issue.current[name], issue.initial[name]]
            values += [v for h in issue.histories for i in h.items if i.field == name for v in (i.before, i.after)]
            for v in values:
                if v is not None:
                    out.setdefault(v.lower(), {"name": v})
        return out

    async def named(
        self,
        select: str,
        insert: str,
        wanted: Mapping[str, dict[str, Any]],
        into: dict[str, tuple[int, str]],
        what: str,
    ) -> None:
        """Issue types, priorities, resolutions: matched by name (any case), created when missing."""
        into.update({r["name"].lower(): (r["id"], r["name"]) for r in await fetch_all(self.conn, select)})
        for lower, params in wanted.items():
            if lower not in into:
                row = await fetch_one(self.conn, insert, params)
                assert row is not None
                into[lower] = (row["id"], row["name"])
                self.summary.counts[f"{what}_created"] += 1

    async def _load_statuses(self) -> dict[str, int]:
        """Every tracklake status (also noting categories), as lowercase name → id."""
        rows = await fetch_all(self.conn, sql.SELECT_STATUSES)
        self.maps.statuses.update({r["name"].lower(): (r["id"], r["name"]) for r in rows})
        self.categories = {r["name"].lower(): r["category"] for r in rows}
        return {r["name"].lower(): r["id"] for r in rows}

    def _created_statuses(self, before: Mapping[str, int], after: Mapping[str, int]) -> None:
        """A warning for each status only changelogs name that the import created: its category is a guess."""
        for lower, status in self.parsed.statuses.items():
            if status.changelog_only and lower not in before and lower in after:
                self.problem(
                    status.changelog_only,
                    f"status '{status.name}' is named only in changelogs, not among the bundle's statuses or any "
                    f"issue's current status: created with the category {CATEGORY_NAMES[status.category]}, guessed "
                    "from its name (a statuses section in the export would give Jira's)",
                    "warning",
                )

    # -- projects and workflows -----------------------------------------------------------------------------------

    async def project(self, project: JiraProject) -> None:
        path = project.origin.path() if project.origin else f"project {project.key}"
        local = (await mapped(self.conn, self.source, "project", [project.external_id])).get(project.external_id)
        row = await fetch_one(
            self.conn, sql.SELECT_PROJECT_BY_ID if local else sql.SELECT_PROJECT, {"id": local, "key": project.key}
        )
        type_ids = [self.maps.types[t.lower()][0] for t in project.issue_types]
        try:
            async with self.conn.transaction():
                if row is None:
                    project_id = await self._create_project(project)
                    self.summary.counts["projects_created"] += 1
                else:
                    project_id = row["id"]
                    if local is None:
                        self.summary.counts["projects_reused"] += 1
                    await self.conn.execute(sql.ENABLE_ISSUE_TYPES, {"project_id": project_id, "type_ids": type_ids})
                    await self._ensure_workflow(project, project_id)
                if local != project_id:
                    await remember(self.conn, self.source, "project", project.external_id, project_id)
        except TrackerError as exc:
            self.problem(path, f"project {project.key} could not be imported: {exc.message} {exc.errors or ''}".strip())
            return
        self.maps.projects[project.key] = project_id

    async def _unique_name(self, query: str, base: str) -> str:
        name, n = base[:240], 1
        while await fetch_one(self.conn, query, {"name": name}):
            n += 1
            name = f"{base[:240]} ({n})"
        return name

    def definition(self, project: JiraProject, extra: Iterable[str] = ()) -> dict[str, Any] | None:
        """A workflow allowing every status and move seen in the project's issues and boards, plus the `extra`
        statuses (lowercase names) that issues already in the project are in; None without any status."""
        parsed = self.parsed.statuses
        known = self.maps.statuses

        def category(name: str) -> str:  # a guessed category gives way to the one tracklake knows
            if name in parsed and not (parsed[name].changelog_only and name in self.categories):
                return parsed[name].category
            return self.categories.get(name, "in_progress")

        names = sorted(dict.fromkeys([*project.statuses, *extra]), key=lambda s: CATEGORY_ORDER[category(s)])
        if not names:
            return None

        def ref(name: str) -> Any:
            return known[name][0] if name in known else {"name": parsed[name].name, "category": parsed[name].category}

        def label(name: str) -> str:
            return known[name][1] if name in known else parsed[name].name

        initial = max(project.initial, key=lambda s: (project.initial[s], -names.index(s)), default=names[0])
        sources: dict[str, set[str]] = {}
        for before, after in project.moves:
            sources.setdefault(after, set()).add(before)
        for name in extra:  # issues already in the project can leave their status for the initial one
            if name != initial and name not in project.statuses:
                sources.setdefault(initial, set()).add(name)
        reached, frontier = {initial}, [initial]
        while frontier:
            current = frontier.pop()
            for target, froms in sources.items():
                if current in froms and target not in reached:
                    reached.add(target)
                    frontier.append(target)
        transitions = []
        for name in names:
            if name not in reached:  # created there, or only reached from such statuses: a global transition
                transitions.append({"name": label(name), "global": True, "to": ref(name)})
            elif name in sources:
                ordered = sorted((s for s in sources[name] if s != name), key=names.index)
                transitions.append({"name": label(name), "from": [ref(s) for s in ordered], "to": ref(name)})
        return {
            "name": f"{project.key} workflow (imported)",
            "description": f"Inferred from the statuses and moves of the {project.key} issues imported from {self.source}.",
            "statuses": [ref(n) for n in names],
            "initial_status": ref(initial),
            "transitions": transitions,
        }

    async def _create_workflow(self, project: JiraProject, extra: Iterable[str] = ()) -> tuple[int, int] | None:
        """A new inferred workflow and a scheme using it; None when the project shows no status at all."""
        await self._load_statuses()
        definition = self.definition(project, extra)
        if definition is None:
            return None
        definition["name"] = await self._unique_name(sql.WORKFLOW_NAME_TAKEN, definition["name"])
        view = await workflow_admin.do_create_workflow(self.conn, self.actor, definition)
        scheme_name = await self._unique_name(sql.SCHEME_NAME_TAKEN, f"{project.key} workflow scheme (imported)")
        scheme = await workflow_admin.do_create_scheme(
            self.conn, self.actor, {"name": scheme_name, "default_workflow": view["id"]}
        )
        await remember(self.conn, self.source, "workflow", project.external_id, view["id"])
        self.summary.counts["workflows_created"] += 1
        return view["id"], scheme["id"]

    async def _create_project(self, project: JiraProject) -> int:
        created = await self._create_workflow(project)
        lead = self.maps.users[project.lead][1] if project.lead in self.maps.users else self.actor.username
        row = await do_create_project(
            self.conn,
            self.actor,
            key=project.key,
            name=project.name,
            lead=lead,
            description=project.description,
            issue_types=[self.maps.types[t.lower()][1] for t in project.issue_types] or None,
            workflow_scheme=created[1] if created else None,
        )
        return int(row["id"])

    async def _ensure_workflow(self, project: JiraProject, project_id: int) -> None:
        """A reused project: create its inferred workflow once, afterwards extend it with new statuses and moves."""
        wf_id = (await mapped(self.conn, self.source, "workflow", [project.external_id])).get(project.external_id)
        if wf_id is None or not await fetch_one(self.conn, sql.WORKFLOW_EXISTS, {"id": wf_id}):
            rows = await fetch_all(self.conn, sql.SELECT_PROJECT_ISSUE_STATUSES, {"project_id": project_id})
            created = await self._create_workflow(project, [r["name"].lower() for r in rows])
            if created:
                await workflow_admin.do_set_project_scheme(self.conn, self.actor, project.key, created[1])
            return
        await self._extend_workflow(project, wf_id)

    async def _extend_workflow(self, project: JiraProject, wf_id: int) -> None:
        known = await self._load_statuses()
        workflow = await load_workflow(self.conn, wf_id)
        have = {s.id for s in workflow.statuses}

        def status_ref(name: str) -> Any:
            s = self.parsed.statuses[name]
            return known[name] if name in known else {"name": s.name, "category": s.category}

        def allowed(before: str, after: str) -> bool:
            a, b = known.get(before), known.get(after)
            return any(t.to_status_id == b and (t.is_global or a in t.from_status_ids) for t in workflow.transitions)

        new_statuses = [s for s in project.statuses if known.get(s) not in have]
        new_moves = sorted(m for m in project.moves if m[0] != m[1] and not allowed(*m))
        if not new_statuses and not new_moves:
            return
        definition = workflow.definition()
        definition["statuses"] = definition["statuses"] + [status_ref(s) for s in new_statuses]
        transitions: list[dict[str, Any]] = definition["transitions"]
        names = {t["name"].lower() for t in transitions}
        for before, after in new_moves:
            target = known.get(after)
            existing = next((t for t in transitions if t["to"] == target and not t["global"] and target), None)
            if existing is not None:
                existing["from"] = [*existing["from"], status_ref(before)]
                continue
            name = self.parsed.statuses[after].name
            while name.lower() in names:
                name += " (imported)"
            names.add(name.lower())
            transitions.append({"name": name, "from": [status_ref(before)], "to": status_ref(after)})
        for status in new_statuses:  # reachable at least through a global transition
            if not any(m[1] == status for m in new_moves):
                name = self.parsed.statuses[status].name
                while name.lower() in names:
                    name += " (imported)"
                names.add(name.lower())
                transitions.append({"name": name, "global": True, "to": status_ref(status)})
        view = await workflow_admin.do_update_workflow(self.conn, self.actor, wf_id, definition)
        if view.get("draft") is not None:
            await workflow_admin.do_publish_workflow(self.conn, self.actor, wf_id, None)
        self.summary.counts["workflows_updated"] += 1

    # -- versions, components, custom fields, link types ----------------------------------------------------------

    async def versions_and_components(self, project: JiraProject) -> None:
        """A project's versions and components, by name: created when missing, release state kept up to date."""
        project_id = self.maps.projects.get(project.key)
        if project_id is None or not (project.versions or project.components):
            return
        changed = False
        at = now()
        if project.versions:
            have = {
                r["name"].lower(): r
                for r in await fetch_all(self.conn, sql.SELECT_PROJECT_VERSIONS, {"project_id": project_id})
            }
            for lower, v in project.versions.items():
                row = have.get(lower)
                # a version only the changelog names was deleted in Jira: kept archived, so history can name it
                archived = v.archived or not v.listed
                if row is None:
                    params = {
                        "project_id": project_id, "name": v.name, "description": v.description,
                        "release_date": v.release_date, "released": v.released, "archived": archived, "now": at,
                    }  # fmt: skip
                    version_id = await fetch_val(self.conn, sql.INSERT_VERSION, params)
                    self.maps.versions[(project.key, lower)] = (version_id, v.name)
                    self.summary.counts["versions_created"] += 1
                    changed = True
                    continue
                release = row["release_date"].isoformat() if row["release_date"] else None
                if v.listed and (row["released"], release, row["archived"]) != (v.released, v.release_date, archived):
                    await self.conn.execute(
                        sql.UPDATE_VERSION,
                        {
                            "id": row["id"],
                            "released": v.released,
                            "release_date": v.release_date,
                            "archived": archived,
                            "now": at,
                        },
                    )
                    self.summary.counts["versions_updated"] += 1
                    changed = True
                self.maps.versions[(project.key, lower)] = (row["id"], row["name"])
        if project.components:
            have = {
                r["name"].lower(): r
                for r in await fetch_all(self.conn, sql.SELECT_PROJECT_COMPONENTS, {"project_id": project_id})
            }
            for lower, name in project.components.items():
                row = have.get(lower)
                if row is None:
                    component_id = await fetch_val(
                        self.conn, sql.INSERT_COMPONENT, {"project_id": project_id, "name": name, "now": at}
                    )
                    self.maps.components[(project.key, lower)] = (component_id, name)
                    self.summary.counts["components_created"] += 1
                    changed = True
                else:
                    self.maps.components[(project.key, lower)] = (row["id"], row["name"])
        if changed:
            await touch(self.conn, meta_scope(project_id))

    async def custom_field(self, custom: JiraCustomField) -> None:
        """A Jira custom field as a typed tracklake field: the live field of that name and type, else a new one."""
        where = f"fields: {custom.id}"
        existing = {d.name.lower(): d for d in await field_actions.list_fields(self.conn)}
        definition = existing.get(custom.name.lower())
        try:
            async with self.conn.transaction():
                if definition is None:
                    data: dict[str, Any] = {
                        "name": custom.name,
                        "type": custom.kind,
                        "description": f"Imported from {self.source} ({custom.id}).",
                    }
                    if custom.kind in SELECT_KINDS:
                        data["options"] = list(custom.options.values())
                    definition = await field_actions.do_create_field(self.conn, self.actor, data)
                    self.summary.counts["custom_fields_created"] += 1
                elif definition.type != custom.kind:
                    self.problem(
                        where,
                        f"a custom field called '{definition.name}' exists with type {definition.type}, not "
                        f"{custom.kind}: the values of {custom.id} are left out and its changes kept as text",
                        "warning",
                    )
                    return
                else:
                    have = {o.value.lower() for o in definition.options if o.parent_id is None}
                    for lower, value in custom.options.items():
                        if lower not in have:
                            definition = await field_actions.do_add_option(
                                self.conn, self.actor, definition.id, {"value": value}
                            )
                            self.summary.counts["custom_field_options_created"] += 1
        except TrackerError as exc:
            self.problem(
                where,
                f"custom field '{custom.name}' could not be imported: {exc.message} {exc.errors or ''}".strip()
                + "; its values are left out and its changes kept as text",
                "warning",
            )
            return
        options = {o.value.lower(): (o.id, o.value) for o in definition.options if o.parent_id is None}
        self.maps.custom[custom.id] = CustomMap(
            definition.id, definition.key, definition.name, custom.kind or "", options
        )

    async def link_types(self) -> None:
        """The link types the issues' links use, by name (Jira's own four exist already); created when missing."""
        wanted = {link.type_name.lower(): link for i in self.parsed.issues for link in i.links}
        if not wanted:
            return
        for r in await fetch_all(self.conn, sql.SELECT_LINK_TYPES):
            self.maps.link_types[r["name"].lower()] = (r["id"], r["outward"] == r["inward"])
        for lower, link in wanted.items():
            if lower in self.maps.link_types:
                continue
            row = await fetch_one(
                self.conn,
                sql.INSERT_LINK_TYPE,
                {"name": link.type_name, "outward": link.outward, "inward": link.inward},
            )
            assert row is not None
            self.maps.link_types[lower] = (row["id"], row["outward"] == row["inward"])
            self.summary.counts["link_types_created"] += 1

    # -- boards and sprints ---------------------------------------------------------------------------------------

    def _columns(self, board: JiraBoard) -> list[dict[str, Any]]:
        return [
            {"name": c.name, "statuses": [self.maps.statuses[s][0] for s in c.statuses], "min": c.min, "max": c.max}
            for c in board.columns
        ]

    async def _jql_works(self, jql: str | None) -> bool:
        """Whether the board's Jira filter is a query tracklake can run (fields, functions, values)."""
        if not jql:
            return False
        try:
            async with self.conn.transaction():
                await agile_filters.search_ids(self.conn, self.actor, jql)
            return True
        except Exception:
            return False

    async def board(self, board: JiraBoard) -> None:
        path = board.origin.path()
        if board.project_key not in self.maps.projects:
            self.problem(path, f"the board's project {board.project_key} was not imported")
            return
        local = (await mapped(self.conn, self.source, "board", [board.external_id])).get(board.external_id)
        row = await fetch_one(self.conn, sql.SELECT_LIVE_BOARD, {"id": local}) if local else None
        columns = self._columns(board)
        try:
            async with self.conn.transaction():
                if row is not None:
                    await self._update_board(row, board, columns)
                    self.maps.boards[board.external_id] = row["id"]
                    return
                jql = board.jql if await self._jql_works(board.jql) else None
                if board.jql and jql is None:
                    self.problem(
                        f"{path}.configuration.filter",
                        "the board's JQL does not run in tracklake: the board "
                        f"shows the whole project instead ({board.jql[:200]})",
                        "warning",
                    )
                view = await agile_boards.do_create_board(
                    self.conn,
                    self.actor,
                    name=board.name,
                    type=board.type,
                    project=board.project_key,
                    jql=jql,
                    estimation=board.estimation,
                    columns=columns,
                )
                await remember(self.conn, self.source, "board", board.external_id, view["id"])
        except TrackerError as exc:
            self.problem(
                path, f"board {board.external_id} could not be imported: {exc.message} {exc.errors or ''}".strip()
            )
            return
        self.maps.boards[board.external_id] = view["id"]
        self.summary.counts["boards_created"] += 1

    async def _update_board(self, row: Mapping[str, Any], board: JiraBoard, columns: list[dict[str, Any]]) -> None:
        current = [
            {"name": c["name"], "statuses": list(c["status_ids"]), "min": c["min_issues"], "max": c["max_issues"]}
            for c in await fetch_all(self.conn, sql.SELECT_BOARD_COLUMNS, {"id": row["id"]})
        ]
        changes: dict[str, Any] = {}
        if current != columns:
            changes["columns"] = columns
        if row["name"] != board.name:
            changes["name"] = board.name
        if changes:
            await agile_boards.do_update_board(self.conn, self.actor, row["id"], changes)
            self.summary.counts["boards_updated"] += 1

    async def sprint(self, sprint: JiraSprint) -> None:
        path = sprint.origin.path()
        board_id = self.maps.boards.get(sprint.board_id)
        if board_id is None:
            self.problem(path, f"the sprint's board {sprint.board_id} was not imported")
            return
        local = (await mapped(self.conn, self.source, "sprint", [sprint.external_id])).get(sprint.external_id)
        row = await fetch_one(self.conn, sql.SELECT_SPRINT_ROW, {"id": local}) if local else None
        try:
            async with self.conn.transaction():
                if row is None:
                    created = await agile_sprints.do_create_sprint(
                        self.conn,
                        self.actor,
                        board_id,
                        name=sprint.name,
                        goal=sprint.goal,
                        start_date=sprint.start,
                        end_date=sprint.end,
                        external_id=f"{self.source}:{sprint.external_id}",
                        at=sprint.created or sprint.start or now(),
                    )
                    row = await fetch_one(self.conn, sql.SELECT_SPRINT_ROW, {"id": created["id"]})
                    assert row is not None
                    await remember(self.conn, self.source, "sprint", sprint.external_id, row["id"])
                    self.summary.counts["sprints_created"] += 1
                elif self._sprint_unchanged(row, sprint):
                    self.maps.sprints[sprint.external_id] = (row["id"], row["name"])
                    return
                else:
                    self.summary.counts["sprints_updated"] += 1
                await self._set_sprint_state(row, sprint)
        except TrackerError as exc:
            self.problem(path, f"sprint {sprint.external_id} could not be imported: {exc.message}")
            return
        except Exception as exc:
            self.problem(path, f"sprint {sprint.external_id} could not be imported: {exc}")
            return
        self.maps.sprints[sprint.external_id] = (row["id"], sprint.name)

    @staticmethod
    def _sprint_unchanged(row: Mapping[str, Any], sprint: JiraSprint) -> bool:
        return bool(
            row["state"] == sprint.state
            and row["name"] == sprint.name
            and row["goal"] == sprint.goal
            and row["start_date"] == sprint.start
            and row["end_date"] == sprint.end
            and row["complete_date"] == sprint.completed
        )

    async def _set_sprint_state(self, row: Mapping[str, Any], sprint: JiraSprint) -> None:
        """The sprint's state and dates as Jira has them, with the events of the steps it has taken since."""
        params = {
            "id": row["id"],
            "name": sprint.name,
            "goal": sprint.goal,
            "state": sprint.state,
            "start": sprint.start,
            "end": sprint.end,
            "activated": sprint.activated if sprint.state != "future" else row["activated_date"],
            "completed": sprint.completed,
            "now": now(),
        }
        await self.conn.execute(sql.SET_SPRINT_STATE, params)
        steps: list[tuple[str, datetime | None]] = []
        if row["state"] == "future" and sprint.state in ("active", "closed"):
            steps.append(("sprint.started", sprint.activated))
        if row["state"] != "closed" and sprint.state == "closed":
            steps.append(("sprint.closed", sprint.completed))
        if not steps:
            return
        view_row = await fetch_one(self.conn, agile_sprints.SELECT_SPRINT, {"id": row["id"]})
        assert view_row is not None
        for event_type, at in steps:
            await record_agile_event(
                self.conn,
                event_type,
                actor=self.actor,
                at=at or now(),
                project_key=view_row["project_key"],
                data={"sprint": agile_sprints.sprint_view(view_row), "imported_from": self.source},
            )
        await touch(self.conn, board_scope(row["board_id"]))


async def sprint_by_external_id(conn: Conn, external_id: str | int, source: str = "jira") -> dict[str, Any] | None:
    """The tracklake sprint imported from `source`'s sprint `external_id` (Jira sprint 101), or None."""
    row = await fetch_one(conn, sql.SELECT_SPRINT_BY_EXTERNAL_ID, {"source": source, "id": str(external_id)})
    return None if row is None else dict(row)
