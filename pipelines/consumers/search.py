"""search.index: keeps the Elasticsearch issue index current with bulk upserts under external versioning.

An event says *which* issue changed; the document is always built from the issue's current row in PostgreSQL
(the source of truth) and indexed with `version_type=external_gte` and the row's `version`, so a stale or replayed
event can never put back an older version (Elasticsearch answers 409, which counts as done). Equal versions are
accepted: some changes reach the document without bumping the issue's version — a watcher added or removed
(`watcher.*` events), a sprint, component, project or user renamed (its name is a sort key; `RENAMES` finds the
issues to re-index in PostgreSQL). A deleted issue is deleted with version + 1 (the delete event carries the last version
the issue had).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from jql.catalog import FieldSpec
from jql.es_mapping import index_body, issue_document
from pipelines import metrics
from pipelines.topology import SEARCH
from tracker.db import Conn, connect, fetch_all
from tracker.events import Event
from tracker.issues.repository import ISSUE_SELECT
from tracker.search.catalog import custom_field_specs
from tracker.search.es import DEFAULT_INDEX

SELECT_ISSUES = ISSUE_SELECT + " WHERE i.id = ANY(%(ids)s)"
# Side-table values of each issue, arrays ordered by id (sprint, version and component names/sequences are for
# sorting: ORDER BY takes their minimum, as the SQL compiler's min() over the same rows does).
SELECT_EXTRAS = """
SELECT i.id,
       (SELECT sequence FROM priorities WHERE id = i.priority_id) AS priority_rank,
       (SELECT coalesce(array_agg(w.user_id ORDER BY w.user_id), '{}') FROM issue_watchers w WHERE w.issue_id = i.id)
           AS watcher_ids,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('body', c.body) ORDER BY c.id), '[]') FROM comments c
           WHERE c.issue_id = i.id) AS comments,
       s.sprint_ids, s.sprint_names, fv.fix_version_ids, fv.fix_version_sequences,
       av.affected_version_ids, av.affected_version_sequences, co.component_ids, co.component_names,
       (SELECT coalesce(jsonb_agg(l.link ORDER BY l.link_id, l.link ->> 'direction'), '[]') FROM (
            SELECT x.id AS link_id, jsonb_build_object('issue_id', o.id, 'issue_key', o.key,
                       'link_type_id', x.link_type_id, 'direction', 'outward') AS link
            FROM issue_links x JOIN issues o ON o.id = x.target_issue_id WHERE x.source_issue_id = i.id
            UNION ALL
            SELECT x.id, jsonb_build_object('issue_id', o.id, 'issue_key', o.key,
                       'link_type_id', x.link_type_id, 'direction', 'inward')
            FROM issue_links x JOIN issues o ON o.id = x.source_issue_id WHERE x.target_issue_id = i.id
        ) l) AS links
FROM issues i
CROSS JOIN LATERAL (
    SELECT array_agg(sp.id ORDER BY sp.id) AS sprint_ids, array_agg(sp.name ORDER BY sp.id) AS sprint_names
    FROM issue_sprints x JOIN sprints sp ON sp.id = x.sprint_id WHERE x.issue_id = i.id) s
CROSS JOIN LATERAL (
    SELECT array_agg(v.id ORDER BY v.id) AS fix_version_ids, array_agg(v.sequence ORDER BY v.id) AS fix_version_sequences
    FROM issue_fix_versions x JOIN versions v ON v.id = x.version_id WHERE x.issue_id = i.id) fv
CROSS JOIN LATERAL (
    SELECT array_agg(v.id ORDER BY v.id) AS affected_version_ids,
           array_agg(v.sequence ORDER BY v.id) AS affected_version_sequences
    FROM issue_affects_versions x JOIN versions v ON v.id = x.version_id WHERE x.issue_id = i.id) av
CROSS JOIN LATERAL (
    SELECT array_agg(c.id ORDER BY c.id) AS component_ids, array_agg(c.name ORDER BY c.id) AS component_names
    FROM issue_components x JOIN components c ON c.id = x.component_id WHERE x.issue_id = i.id) co
WHERE i.id = ANY(%(ids)s)
"""
# Side-table values copied into documents as they are (the extras column is the document field).
SIDE_VALUES = (
    "watcher_ids",
    "sprint_ids",
    "sprint_names",
    "fix_version_ids",
    "fix_version_sequences",
    "affected_version_ids",
    "affected_version_sequences",
    "component_ids",
    "component_names",
)
SELECT_HISTORY = """
SELECT id, issue_id, field, from_value, to_value, actor_id, occurred_at, is_create FROM issue_history
WHERE issue_id = ANY(%(ids)s) ORDER BY issue_id, occurred_at, id
"""


def document(
    row: Mapping[str, Any],
    extras: Mapping[str, Any],
    history: Sequence[Mapping[str, Any]],
    fields: Sequence[FieldSpec] = (),
) -> dict[str, Any]:
    """The ES document of an issue row (as ISSUE_SELECT returns it) with its looked-up extras and history.

    `fields` are the custom fields (`custom_field_specs`), whose values are copied from `custom_fields`.
    Names are those the SQL compiler sorts by: users by display name (the catalog's lookup), the rest by name.
    """
    return issue_document(
        row,
        history,
        fields=fields,
        extra={
            "project_key": row["project_key"],
            "project_name": row["project_name"],
            "issue_type_name": row["type_name"],
            "status_name": row["status_name"],
            "resolution_name": row["resolution_name"],
            "priority_rank": extras.get("priority_rank"),
            "assignee_name": row["assignee_display_name"],
            "reporter_name": row["reporter_display_name"],
            "parent_key": row["parent_key"],
            "comments": list(extras.get("comments") or []),
            "links": list(extras.get("links") or []),
            **{name: list(extras.get(name) or []) for name in SIDE_VALUES},
        },
    )


# A document of the same version replaces the indexed one (see the module docstring); an older one never does.
INDEX_VERSION_TYPE = "external_gte"
# Issues re-indexed per bulk request (and read from PostgreSQL per round).
PAGE = 500
# Events about what documents hold the name of (a sprint, component, project or user, for ORDER BY sprint /
# component / project / assignee / reporter): the key of the item in the event's data, the issues that hold its
# name, and the entry of the event's `changes` that says the name changed (None: the event does not say what
# changed). Filters never read names (the catalog resolves them to ids before compiling). Versions need nothing:
# documents hold their ids and sequences, and a version's sequence never changes.
RENAMES: dict[str, tuple[str, str, str | None]] = {
    "sprint.updated": ("sprint", "SELECT issue_id FROM issue_sprints WHERE sprint_id = %(id)s", "name"),
    "component.updated": ("component", "SELECT issue_id FROM issue_components WHERE component_id = %(id)s", None),
    "project.updated": ("project", "SELECT id AS issue_id FROM issues WHERE project_id = %(id)s", "name"),
    "user.updated": (
        "user",
        "SELECT id AS issue_id FROM issues WHERE assignee_id = %(id)s"
        " UNION SELECT id FROM issues WHERE reporter_id = %(id)s",
        "display_name",
    ),
}


def renamed_item(event: Event) -> tuple[str, int] | None:
    """(select of the issues holding its name, item id) for an event that may rename what documents name: a sprint,
    component, project or user (display name)."""
    rename = RENAMES.get(event.type)
    if rename is None:
        return None
    subject, select, name_field = rename
    item = event.data.get(subject)
    if not isinstance(item, dict) or not isinstance(item.get("id"), int):
        return None
    changes = event.data.get("changes")
    if name_field is not None and isinstance(changes, dict | list) and name_field not in changes:
        return None  # something else changed (a sprint's goal, a user's e-mail): documents hold nothing of it
    return select, item["id"]


async def renamed_issue_ids(conn: Conn, events: Sequence[Event]) -> set[int]:
    """Issues whose documents hold the name of a sprint, component, project or user the events may have renamed."""
    found: set[int] = set()
    for select, item_id in {r for e in events if (r := renamed_item(e)) is not None}:
        found.update(r["issue_id"] for r in await fetch_all(conn, select, {"id": item_id}))
    return found


def index_action(index: str, issue_id: int, row: Mapping[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """Index (or replace) an issue's document under its row's version."""
    return {
        "_op_type": "index",
        "_index": index,
        "_id": str(issue_id),
        "version": row["version"],
        "version_type": INDEX_VERSION_TYPE,
        "_source": document,
    }


def bulk_actions(
    index: str,
    events: Sequence[Event],
    rows: Mapping[int, Mapping[str, Any]],
    documents: Mapping[int, dict[str, Any]],
) -> list[dict[str, Any]]:
    """The bulk operations for a batch: one per issue, the current row's document or a delete.

    `rows` are the current issue rows by id (missing = deleted), `documents` their ES documents. Rows of issues
    no event names (those of a renamed sprint) are indexed too, after the events' issues.
    """
    actions: list[dict[str, Any]] = []
    last: dict[int, Event] = {}
    for e in events:
        if e.issue_id is not None:
            last[e.issue_id] = e
    for issue_id in [*last, *(i for i in rows if i not in last)]:
        row = rows.get(issue_id)
        event = last.get(issue_id)
        if row is not None:
            actions.append(index_action(index, issue_id, row, documents[issue_id]))
        elif event is not None and event.type == "issue.deleted":
            actions.append(
                {
                    "_op_type": "delete",
                    "_index": index,
                    "_id": str(issue_id),
                    "version": (event.version or 0) + 1,
                    "version_type": "external",
                }
            )
    return actions


def to_bulk_body(actions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The NDJSON lines of `POST _bulk` for the actions."""
    body: list[dict[str, Any]] = []
    for action in actions:
        meta = {
            "_index": action["_index"],
            "_id": action["_id"],
            "version": action["version"],
            "version_type": action["version_type"],
        }
        body.append({action["_op_type"]: meta})
        if action["_op_type"] == "index":
            body.append(action["_source"])
    return body


def bulk_errors(response: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Item errors of a bulk response that are real failures (a version conflict means a newer doc is there)."""
    failed = []
    for item in response.get("items", []):
        ((op, result),) = item.items()
        status = result.get("status", 200)
        if status < 300 or status == 409 or (op == "delete" and status == 404):
            continue
        failed.append(result)
    return failed


async def load_documents(conn: Conn, issue_ids: Sequence[int]) -> tuple[dict[int, Any], dict[int, dict[str, Any]]]:
    """Current rows and documents of the issues that still exist."""
    rows = {r["id"]: r for r in await fetch_all(conn, SELECT_ISSUES, {"ids": list(issue_ids)})}
    if not rows:
        return {}, {}
    extras = {r["id"]: r for r in await fetch_all(conn, SELECT_EXTRAS, {"ids": list(rows)})}
    history: dict[int, list[Any]] = {}
    for h in await fetch_all(conn, SELECT_HISTORY, {"ids": list(rows)}):
        history.setdefault(h["issue_id"], []).append(h)
    fields = await custom_field_specs(conn)
    return rows, {i: document(r, extras.get(i, {}), history.get(i, []), fields) for i, r in rows.items()}


class SearchIndexer:
    name = SEARCH
    skip_stale = True

    def __init__(self, es: Any, database_url: str, index: str = DEFAULT_INDEX) -> None:
        self.es = es
        self.database_url = database_url
        self.index = index
        # The index is created (or its mapping brought up to date) before the first bulk request: left to
        # Elasticsearch, a first `index` operation would create it with a guessed mapping (no analyzer, no nested
        # history), which JQL cannot search.
        self.index_ready = False

    async def apply(self, events: Sequence[Event], token: str) -> None:
        named = {e.issue_id for e in events if e.issue_id is not None}
        if named or any(e.type in RENAMES for e in events):
            async with await connect(self.database_url, autocommit=True) as conn:
                ids = sorted(named | await renamed_issue_ids(conn, events))
                for start in range(0, len(ids), PAGE):
                    page = set(ids[start : start + PAGE])
                    rows, documents = await load_documents(conn, sorted(page))
                    actions = bulk_actions(self.index, [e for e in events if e.issue_id in page], rows, documents)
                    await self._bulk(actions)
        metrics.observe_lag(self.name, (e.occurred_at for e in events))

    async def _bulk(self, actions: Sequence[Mapping[str, Any]]) -> None:
        if actions:
            if not self.index_ready:
                await ensure_index(self.es, self.index)
                self.index_ready = True
            response = await self.es.bulk(operations=to_bulk_body(actions), refresh=False)
            if response.get("errors") and (failed := bulk_errors(response)):
                raise RuntimeError(f"{len(failed)} bulk item(s) failed, first: {failed[0]}")

    async def landed(self, pending: Sequence[tuple[Event, str]]) -> set[uuid.UUID]:
        return set()  # re-indexing the current row is harmless


async def ensure_index(es: Any, index: str = DEFAULT_INDEX) -> bool:
    """Create the issue index with its settings and mapping when missing (True), or bring the mapping of an
    existing one up to date (False): new properties such as `rank`, and the custom field groups' `dynamic`, can be
    added to a live index. A change Elasticsearch cannot make in place fails here: then delete the index and run
    `tracklake search reindex`."""
    body = index_body()
    if await es.indices.exists(index=index):
        mappings = body["mappings"]
        await es.indices.put_mapping(
            index=index,
            dynamic=mappings["dynamic"],
            dynamic_templates=mappings["dynamic_templates"],
            properties=mappings["properties"],
        )
        return False
    await es.indices.create(index=index, **body)
    return True


async def _all_issue_ids(conn: Conn, page: int) -> AsyncIterator[list[int]]:
    after = 0
    while True:
        cur = await conn.execute(
            "SELECT id FROM issues WHERE id > %(after)s ORDER BY id LIMIT %(n)s", {"after": after, "n": page}
        )
        ids = [r["id"] for r in await cur.fetchall()]
        if not ids:
            return
        yield ids
        after = ids[-1]


async def reindex(es: Any, database_url: str, index: str = DEFAULT_INDEX, *, page: int = PAGE) -> int:
    """Index every issue from PostgreSQL, replacing documents of the same version (so values that changed without
    a new version, a renamed project for one, are brought up to date); returns the count. Safe while the indexer
    runs: no older version replaces a newer one."""
    await ensure_index(es, index)
    total = 0
    async with await connect(database_url, autocommit=True) as conn:
        async for ids in _all_issue_ids(conn, page):
            rows, documents = await load_documents(conn, ids)
            actions = [index_action(index, i, r, documents[i]) for i, r in rows.items()]
            if actions:
                response = await es.bulk(operations=to_bulk_body(actions))
                if response.get("errors") and (failed := bulk_errors(response)):
                    raise RuntimeError(f"{len(failed)} bulk item(s) failed, first: {failed[0]}")
            total += len(actions)
    await es.indices.refresh(index=index)
    return total
