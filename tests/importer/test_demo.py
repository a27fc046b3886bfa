"""`tracklake demo` on a fresh database: boards, six sprints of history, events, a board view, JQL and reports."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import orjson
import psycopg
import pytest
from typer.testing import CliRunner

from tests.conftest import drop_database, recreate_database
from tracker.agile.board_view import board_view_json
from tracker.db import connect
from tracker.importer.actions import admin_actor
from tracker.search.execute import search_issue_ids
from tracklake.cli import app
from tracklake.demo import demo_bundle


@pytest.fixture
def fresh_url():
    name = f"tracklake_test_demo_{os.getpid()}"
    yield recreate_database(name)
    drop_database(name)


def test_the_demo_bundle_is_a_consistent_jira_export():
    bundle = demo_bundle("TEAM")
    keys = [i["key"] for i in bundle["issues"]]
    assert keys == [f"TEAM-{n}" for n in range(1, len(keys) + 1)]
    for issue in bundle["issues"]:
        times = [h["created"] for h in issue["changelog"]["histories"]]
        assert times == sorted(times) and all(t >= issue["fields"]["created"] for t in times)


async def test_demo_creates_boards_sprints_history_and_reports(fresh_url: str, tmp_path: Path):
    env = {"TRACKLAKE_DATABASE_URL": fresh_url, "TRACKLAKE_DATA_DIR": str(tmp_path)}
    result = await asyncio.to_thread(CliRunner().invoke, app, ["demo"], env=env)  # the CLI runs its own loop
    assert result.exit_code == 0, result.output
    assert "Demo project TEAM is ready" in result.output
    # a second run imports nothing and shows where to look again
    again = await asyncio.to_thread(CliRunner().invoke, app, ["demo"], env=env)
    assert again.exit_code == 0, again.output
    assert "nothing to import" in again.output and "/reports/boards/" in again.output

    with psycopg.connect(fresh_url) as conn:
        boards = conn.execute(
            "SELECT b.id, b.type FROM boards b JOIN projects p ON p.id = b.project_id WHERE p.key = 'TEAM' ORDER BY b.id"
        ).fetchall()
        assert [t for _, t in boards] == ["scrum", "kanban"]
        sprints = conn.execute("SELECT state, count(*) FROM sprints GROUP BY state ORDER BY state").fetchall()
        assert sprints == [("active", 1), ("closed", 5)]
        issues, changes, creations = conn.execute(
            "SELECT (SELECT count(*) FROM issues), (SELECT count(DISTINCT change_id) FROM issue_history),"
            " (SELECT count(DISTINCT change_id) FROM issue_history WHERE is_create)"
        ).fetchone()  # type: ignore[misc]
        assert issues > 50 and creations == issues and changes > 3 * issues
        # every change is an event in the outbox, at the change's time
        unmatched = conn.execute(
            "SELECT count(*) FROM (SELECT DISTINCT change_id, occurred_at FROM issue_history) h"
            " LEFT JOIN outbox o ON o.event_id = h.change_id AND o.occurred_at = h.occurred_at WHERE o.id IS NULL"
        ).fetchone()
        assert unmatched == (0,)
        # what makes the history worth a demo: scope change, re-estimates, re-opened issues, carry-over
        fields: dict[str, int] = dict(
            conn.execute(
                "SELECT field, count(*) FROM issue_history WHERE NOT is_create GROUP BY field ORDER BY field"
            ).fetchall()
        )
        assert fields["Story Points"] >= 10 and fields["Sprint"] >= 30
        reopened = conn.execute(
            "SELECT count(*) FROM issue_history h JOIN statuses s ON s.id::text = h.from_value"
            " WHERE h.field = 'status' AND s.category = 'done'"
        ).fetchone()
        carried = conn.execute(
            "SELECT count(*) FROM issue_history WHERE field = 'Sprint' AND to_value LIKE '%,%'"
        ).fetchone()
        removed = conn.execute(
            "SELECT count(*) FROM issue_history WHERE field = 'Sprint' AND from_value IS NOT NULL"
            " AND (to_value IS NULL OR length(to_value) < length(from_value))"
        ).fetchone()
        assert reopened and reopened[0] >= 3 and carried and carried[0] >= 3 and removed and removed[0] >= 1
        # the history ends where the issues are
        mismatches = conn.execute(
            """
            WITH last AS (SELECT DISTINCT ON (issue_id, field) issue_id, field, to_value FROM issue_history
                          ORDER BY issue_id, field, occurred_at DESC, id DESC)
            SELECT count(*) FROM last JOIN issues i ON i.id = last.issue_id
            WHERE (field = 'status' AND to_value IS DISTINCT FROM i.status_id::text)
               OR (field = 'assignee' AND to_value IS DISTINCT FROM i.assignee_id::text)
               OR (field = 'resolution' AND to_value IS DISTINCT FROM i.resolution_id::text)
               OR (field = 'Story Points' AND to_value::numeric IS DISTINCT FROM i.story_points)
            """
        ).fetchone()
        assert mismatches == (0,)
    scrum, kanban = boards[0][0], boards[1][0]

    # the boards answer, and JQL sees the sprints
    async with await connect(fresh_url) as conn:
        actor = await admin_actor(conn)
        for board_id in (scrum, kanban):
            body, _ = await board_view_json(conn, actor, board_id)
            view = orjson.loads(body)
            assert sum(len(c["issues"]) for c in view["columns"]) > 0
        assert [s["state"] for s in orjson.loads((await board_view_json(conn, actor, scrum))[0])["sprints"]] == [
            "active"
        ]
        open_total, _ = await search_issue_ids(conn, actor, "project = TEAM AND sprint in openSprints()")
        closed_total, _ = await search_issue_ids(conn, actor, "project = TEAM AND sprint in closedSprints()")
        assert open_total > 3 and closed_total > 20

    # the warehouse was built, so reports answer at once
    from reports.context import open_context
    from reports.sprint import velocity

    ctx = open_context(tmp_path / "warehouse")
    report = velocity(ctx, board=scrum)
    assert len(report["sprints"]) == 5
    assert all(s["commitment"] > 0 and s["completed"] > 0 for s in report["sprints"])

    # running it again changes nothing
    again = await asyncio.to_thread(CliRunner().invoke, app, ["demo"], env=env)
    assert again.exit_code == 0 and "exists already" in again.output
