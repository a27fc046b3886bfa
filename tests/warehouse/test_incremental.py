"""Incremental loading from the landing zone equals a rebuild from history.

Two levels: a hand-made dataset landed batch by batch (no PostgreSQL), and the real path: writes through the API,
their outbox events landed with warehouse/landing.py and refreshed after each batch, against
`warehouse.rebuild` from PostgreSQL into an empty warehouse.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.warehouse.builder import DONE, IN_PROGRESS, REVIEW, Dataset, t
from tracker.events import Event
from warehouse import Layout, Warehouse, rebuild, refresh
from warehouse.build import build
from warehouse.landing import LandingZone
from warehouse.models import MODELS

MARTS = [m.name for m in MODELS if m.materialized == "table"]


def mart_rows(root: Path, issue_ids: list[int] | None = None) -> dict[str, list[tuple[Any, ...]]]:
    cur = Warehouse(root).cursor()
    try:
        out = {}
        for name in MARTS:
            where = f"WHERE issue_id IN ({', '.join(map(str, issue_ids))})" if issue_ids is not None else ""
            out[name] = cur.execute(f"SELECT * FROM {name} {where} ORDER BY ALL").fetchall()
        return out
    finally:
        cur.close()


def dataset() -> Dataset:
    d = Dataset().project(1, "ABC").board(7, 1)
    d.sprint(101, 7, t("2024-03-04 09:00"), t("2024-03-15 17:00"), t("2024-03-15 17:00"))
    d.issue(1, "ABC-1", 1, t("2024-03-01 10:00"), points=3, sprint=[101])
    d.issue(2, "ABC-2", 1, t("2024-03-01 11:00"), points=5)
    d.issue(3, "ABC-3", 1, t("2024-03-02 11:00"))
    d.status(1, t("2024-03-05 10:00"), IN_PROGRESS)
    d.sprints(2, t("2024-03-05 11:00"), [101])
    d.status(1, t("2024-03-06 10:00"), REVIEW)
    d.points(2, t("2024-03-06 11:00"), 8)
    d.status(1, t("2024-03-07 10:00"), DONE)
    d.status(3, t("2024-03-07 11:00"), IN_PROGRESS)
    d.sprints(2, t("2024-03-15 17:00"), [101, 102])
    d.change(3, t("2024-03-16 09:00"), deleted="true")
    return d


def test_landing_batches_equal_a_rebuild(tmp_path: Path) -> None:
    d = dataset()
    rebuilt, _ = d.build(tmp_path / "rebuild", via="history")
    layout = Layout(tmp_path / "incremental")
    snapshot = d.write_snapshot(layout)
    events = d.events()
    zone = LandingZone(layout.landing)
    modes = []
    for batch in (events[:4], events[4:9], events[9:], events[6:10]):  # the last batch re-delivers four events
        zone.write_batch(batch)
        result = build(layout, snapshot=snapshot, history=None)
        modes.append((result.manifest.mode, result.affected_issues))
    # The first build is full; later ones only touch the issues named by the new batch.
    assert modes[0] == ("full", None)
    assert all(mode == "incremental" for mode, _ in modes[1:])
    assert modes[3][1] == len({e.issue_id for e in events[6:10]})
    assert mart_rows(layout.root) == mart_rows(rebuilt.root)
    # Nothing new: the next build hard-links the previous files.
    again = build(layout, snapshot=snapshot, history=None)
    assert (again.manifest.mode, again.affected_issues) == ("incremental", 0)
    assert mart_rows(layout.root) == mart_rows(rebuilt.root)


def test_changed_dimensions_force_a_full_build(tmp_path: Path) -> None:
    d = dataset()
    layout = Layout(tmp_path)
    d.land(layout)
    first = build(layout, snapshot=d.write_snapshot(layout), history=None)
    assert first.manifest.mode == "full"
    # Re-mapping the board's columns changes board_column_intervals of every issue: a full build follows.
    d.rows["board_columns"][1]["status_ids"] = [IN_PROGRESS]
    d.rows["board_columns"][2]["status_ids"] = [DONE, REVIEW]
    second = build(layout, snapshot=d.write_snapshot(layout), history=None)
    assert second.manifest.mode == "full"
    cur = Warehouse(layout.root).cursor()
    done_since = cur.execute(
        "SELECT valid_from FROM board_column_intervals WHERE issue_id = 1 AND is_done_column"
    ).fetchall()
    assert done_since == [(t("2024-03-06 10:00"),)]  # In Review now counts as done


def test_readers_keep_their_generation_while_a_build_publishes(tmp_path: Path) -> None:
    d = dataset()
    layout = Layout(tmp_path)
    d.land(layout, d.events()[:3])
    snapshot = d.write_snapshot(layout)
    build(layout, snapshot=snapshot, history=None)
    wh = Warehouse(layout.root)
    old = wh.cursor()
    before = old.execute("SELECT count(*) FROM changes").fetchone()
    d.land(layout, d.events()[3:])
    build(layout, snapshot=snapshot, history=None)
    # The open cursor still reads its (immutable) generation; a new cursor sees the new one.
    assert old.execute("SELECT count(*) FROM changes").fetchone() == before
    assert wh.cursor().execute("SELECT count(*) FROM changes").fetchone() > before  # type: ignore[operator]


# --- the real path: API writes → outbox events → landing zone → refresh, versus rebuild from PostgreSQL ------------


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    r = await client.post(path, json=body)
    assert r.status_code in (status, 201, 200), r.text
    data: dict[str, Any] = r.json() if r.content else {}
    return data


async def _transition(client: httpx.AsyncClient, key: str, name: str) -> None:
    r = await client.post(f"/api/v1/issues/{key}/transitions", json={"transition": name})
    assert r.status_code == 200, r.text


async def make_sprint_history(admin: httpx.AsyncClient, project: dict[str, Any]) -> dict[str, Any]:
    """A board, two sprints and a few issues moved through them, all through the API."""
    key = project["key"]
    board = await _post(admin, "/api/v1/boards", {"name": f"{key} board", "type": "scrum", "project": key}, 201)
    sprint1 = await _post(admin, "/api/v1/sprints", {"board_id": board["id"]}, 201)
    sprint2 = await _post(admin, "/api/v1/sprints", {"board_id": board["id"]}, 201)
    issues = []
    for n, points in enumerate((3, 5, 2, None)):
        body: dict[str, Any] = {"project": key, "type": "Story", "summary": f"Story {n}"}
        if points is not None:
            body["story_points"] = points
        issues.append(await _post(admin, "/api/v1/issues", body, 201))
    keys = [i["key"] for i in issues]
    await _post(admin, f"/api/v1/sprints/{sprint1['id']}/issues", {"issues": keys[:3]})
    await _post(admin, f"/api/v1/sprints/{sprint1['id']}/start", {})
    await _transition(admin, keys[0], "Start Progress")
    await _transition(admin, keys[0], "Done")
    r = await admin.put(f"/api/v1/issues/{keys[1]}/estimation", json={"value": 8})
    assert r.status_code == 200, r.text
    await _post(admin, f"/api/v1/sprints/{sprint1['id']}/issues", {"issues": [keys[3]]})
    await _post(admin, "/api/v1/backlog/issues", {"issues": [keys[2]]})
    await _post(admin, f"/api/v1/sprints/{sprint1['id']}/complete", {"move_to": "next"})
    return {"board": board, "sprints": [sprint1, sprint2], "issues": issues}


def outbox_events(url: str, project_key: str) -> list[Event]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT payload FROM outbox WHERE project_key = %s ORDER BY id", (project_key,)).fetchall()
    return [Event.model_validate(r[0] if isinstance(r[0], dict) else json.loads(r[0])) for r in rows]


async def test_api_events_refreshed_incrementally_equal_rebuild(
    admin: httpx.AsyncClient, project: dict[str, Any], database_url: str, tmp_path: Path
) -> None:
    made = await make_sprint_history(admin, project)
    issue_ids = [i["id"] for i in made["issues"]]
    events = outbox_events(database_url, project["key"])
    assert any(e.type == "sprint.started" for e in events)
    incremental = tmp_path / "incremental"
    zone = LandingZone(Layout(incremental).landing)
    half = len(events) // 2
    zone.write_batch(events[:half])
    assert refresh(incremental, database_url).manifest.mode == "full"
    zone.write_batch(events[half:])
    second = refresh(incremental, database_url)
    assert second.manifest.mode == "incremental" and second.affected_issues
    rebuilt = tmp_path / "rebuild"
    rebuild(rebuilt, database_url)
    got, want = mart_rows(incremental, issue_ids), mart_rows(rebuilt, issue_ids)
    assert got == want
    assert len(want["sprint_membership"]) >= 4 and len(want["board_column_intervals"]) >= 6
    # The rebuilt warehouse answers JQL as PostgreSQL does (the same compiler, DuckDB dialect).
    from warehouse import query_jql

    key, s1 = project["key"], made["sprints"][0]["id"]
    keys = [i["key"] for i in made["issues"]]
    frame = query_jql(f"project = {key} AND sprint = {s1} ORDER BY key", warehouse=Warehouse(rebuilt), columns=["key"])
    # Issue 2 went back to the backlog before the sprint closed; 1 and 3 were carried on, keeping sprint 1.
    assert frame["key"].to_list() == [keys[0], keys[1], keys[3]]
    for text in (
        f"project = {key}",
        f"project = {key} AND status = Done",
        f"project = {key} AND status WAS 'In Progress'",
        f"project = {key} AND sprint in closedSprints()",
        f"project = {key} AND sprint in openSprints()",
        f"project = {key} AND sprint is EMPTY",
    ):
        r = await admin.get("/api/v1/search", params={"jql": text + " ORDER BY key", "fields": "key"})
        assert r.status_code == 200, r.text
        expected = [i["key"] for i in r.json()["issues"]]
        got_keys = query_jql(text + " ORDER BY key", warehouse=Warehouse(rebuilt), columns=["key"])["key"].to_list()
        assert got_keys == expected, text
