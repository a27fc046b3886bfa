"""A project's agile metadata (versions, components, boards, link types), cached per project.

Everyone who may browse the project sees the same metadata, so one entry per project serves them all; its key
carries the project's 'meta' stamp, which versions, components and boards change in their transactions.
"""

from __future__ import annotations

from typing import Any

import orjson

from tracker.accounts.models import Actor
from tracker.agile.boards import SELECT_BOARDS, board_view
from tracker.agile.cache import AgileCache, meta_scope, read_stamps
from tracker.agile.components import SELECT_PROJECT_COMPONENTS, component_view
from tracker.agile.links import link_type_view, link_types
from tracker.agile.versions import SELECT_PROJECT_VERSIONS, version_view
from tracker.db import Conn, fetch_all
from tracker.projects.actions import get_project

SHAPE = 1


async def compute_metadata(conn: Conn, project: Any) -> dict[str, Any]:
    """Versions, components, boards and link types of a project."""
    boards = await fetch_all(conn, SELECT_BOARDS, {"project_ids": [project["id"]], "project_key": None, "type": None})
    return {
        "project": {"id": project["id"], "key": project["key"]},
        "versions": [
            version_view(v)
            for v in await fetch_all(conn, SELECT_PROJECT_VERSIONS, {"project_id": project["id"], "archived": True})
        ],
        "components": [
            component_view(c) for c in await fetch_all(conn, SELECT_PROJECT_COMPONENTS, {"project_id": project["id"]})
        ],
        "boards": [board_view(b) for b in boards],
        "link_types": [link_type_view(t) for t in await link_types(conn)],
        "shape": SHAPE,
    }


async def project_metadata_json(
    conn: Conn, actor: Actor, project_key: str, cache: AgileCache | None = None
) -> tuple[bytes, str]:
    """The project's agile metadata as JSON bytes, and whether it came from the cache."""
    project = await get_project(conn, actor, project_key)
    if cache is None:
        return orjson.dumps(await compute_metadata(conn, project)), "off"
    stamps = await read_stamps(conn, ["instance", meta_scope(project["id"])])
    key = cache.key("meta", {"project": project["id"], "stamps": stamps, "shape": SHAPE})
    entry = await cache.get(key)
    if entry is not None:
        return entry[1], "hit"
    body = orjson.dumps(await compute_metadata(conn, project))
    await cache.set(key, body)
    return body, "miss"
