"""A bundle without a statuses section: statuses come from the issues whatever their order, and a status only a
changelog names is matched by name or created (with a warning), never a reason to reject the issue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.importer.bundle import ALICE, PRIORITY, TYPES, history, item
from tests.importer.conftest import footprint, one, rows
from tracker.importer import bundle_from_data
from tracker.importer.jira import parse_bundle
from tracklake.cli import app

TODO = {"id": "1", "name": "To Do", "statusCategory": {"id": 2, "key": "new", "name": "To Do"}}
DONE = {"id": "10002", "name": "Done", "statusCategory": {"id": 3, "key": "done", "name": "Done"}}


def status_change(frm: tuple[str, str], to: tuple[str, str]) -> dict[str, Any]:
    return item("status", frm[0], frm[1], to[0], to[1], field_id="status")


def search_page(key: str, *, reverse: bool = False, middle: str = "In Progress") -> dict[str, Any]:
    """Two issues as one search page, no other section: KEY-1 went To Do → `middle` → Done; KEY-2 is in To Do.
    'To Do' is only KEY-2's current status; `middle` (id 3) only a changelog names."""

    def issue(n: int, status: dict[str, Any], histories: list[dict[str, Any]]) -> dict[str, Any]:
        fields = {
            "summary": f"Issue {n}",
            "issuetype": TYPES["story"],
            "priority": PRIORITY["medium"],
            "status": status,
            "created": "2024-01-01T09:00:00.000+0000",
            "reporter": ALICE,
            "project": {"id": "10900", "key": key, "name": key},
        }
        return {"id": str(90000 + n), "key": f"{key}-{n}", "fields": fields, "changelog": {"histories": histories}}

    first = issue(
        1,
        DONE,
        [
            history(91001, "2024-01-02T09:00:00.000+0000", ALICE, status_change(("1", "To Do"), ("3", middle))),
            history(91002, "2024-01-03T09:00:00.000+0000", ALICE, status_change(("3", middle), ("10002", "Done"))),
        ],
    )
    second = issue(2, TODO, [])
    issues = [second, first] if reverse else [first, second]
    return {"startAt": 0, "maxResults": 50, "total": 2, "issues": issues}


@pytest.mark.parametrize("reverse", [False, True], ids=["changelog-first", "status-first"])
def test_statuses_do_not_depend_on_the_order_of_the_issues(reverse: bool):
    parsed = parse_bundle(bundle_from_data(search_page("ORD", reverse=reverse)))
    assert parsed.rejected == {} and [p for p in parsed.problems if p.level == "error"] == []
    one_, _ = sorted(parsed.issues, key=lambda i: i.key)
    assert one_.initial["status"] == "to do" and one_.current["status"] == "done"
    assert [(i.before, i.after) for h in one_.histories for i in h.items] == [
        ("to do", "in progress"),
        ("in progress", "done"),
    ]
    # the issues' statuses carry Jira's category; the one only a changelog names is marked as such
    assert {n: (s.category, s.changelog_only) for n, s in parsed.statuses.items()} == {
        "to do": ("todo", None),
        "done": ("done", None),
        "in progress": ("in_progress", f"issues[{1 if reverse else 0}].changelog"),
    }
    assert parsed.projects["ORD"].moves == {("to do", "in progress"), ("in progress", "done")}


def test_a_status_only_a_changelog_names_gets_a_category_from_its_name():
    for name, category in (("Closed", "done"), ("Reopened", "todo"), ("Waiting for QA", "in_progress")):
        parsed = parse_bundle(bundle_from_data(search_page("CAT", middle=name)))
        assert parsed.rejected == {}
        assert parsed.statuses[name.lower()].category == category
    nameless = search_page("CAT")
    nameless["issues"][0]["changelog"]["histories"][0]["items"][0]["toString"] = None
    parsed = parse_bundle(bundle_from_data(nameless))  # an unknown id without a name cannot be matched or created
    assert parsed.rejected == {"issues": 1}
    (error,) = [p for p in parsed.problems if p.level == "error"]
    assert error.path == "issues[0].changelog.histories[0].items[0].to"
    assert error.message == "status 3 is not among the bundle's statuses and the changelog gives no name"


@pytest.mark.parametrize("reverse", [False, True], ids=["changelog-first", "status-first"])
def test_the_command_line_imports_a_search_page_without_statuses(database_url, admin, tmp_path: Path, key, source,
                                                                 reverse: bool):  # fmt: skip
    path = tmp_path / "issues.json"
    path.write_text(json.dumps(search_page(key, reverse=reverse)))
    result = CliRunner().invoke(
        app, ["import", "jira", str(path), "--source", source], env={"TRACKLAKE_DATABASE_URL": database_url}
    )
    assert result.exit_code == 0, result.output
    assert "2 issues created" in result.output and "error" not in result.output


async def test_a_status_only_a_changelog_names_is_created_once_with_a_warning(run, db, key, source):
    name = f"Waiting for QA {key}"
    bundle = search_page(key, middle=name)
    summary = await run(bundle)
    assert summary.errors == [] and summary.counts["issues_created"] == 2
    warnings = [p for p in summary.problems if name in p.message]
    assert [(p.path, p.level) for p in warnings] == [("issues[0].changelog", "warning")]
    assert "named only in changelogs" in warnings[0].message and "In Progress" in warnings[0].message
    assert await rows(db, "SELECT category FROM statuses WHERE name = %s", name) == [{"category": "in_progress"}]
    # the history names it by its tracklake id, and the inferred workflow holds it
    status_id = await one(db, "SELECT id FROM statuses WHERE name = %s", name)
    moves = await rows(
        db,
        "SELECT from_string, to_value, to_string FROM issue_history WHERE issue_key = %s AND field = 'status'"
        " AND NOT is_create ORDER BY id",
        f"{key}-1",
    )
    assert moves[0] == {"from_string": "To Do", "to_value": str(status_id), "to_string": name}
    assert moves[1]["from_string"] == name
    in_workflow = """
        SELECT count(*) FROM workflow_statuses ws JOIN workflow_schemes sc ON sc.default_workflow_id = ws.workflow_id
        JOIN projects p ON p.workflow_scheme_id = sc.id WHERE p.key = %s AND ws.status_id = %s"""
    assert await one(db, in_workflow, key, status_id) == 1
    # again: the status is found by name, nothing is written and nothing is guessed any more
    before = await footprint(db, key, source)
    again = await run(bundle)
    assert again.counts["issues_unchanged"] == 2 and again.errors == []
    assert not [p for p in again.problems if name in p.message]
    assert await footprint(db, key, source) == before


async def test_a_status_only_a_changelog_names_matches_an_existing_one(run, db, key):
    summary = await run(search_page(key))  # 'In Progress' is one of tracklake's own statuses
    assert summary.errors == [] and not [p for p in summary.problems if "changelogs" in p.message]
    assert await one(db, "SELECT count(*) FROM statuses WHERE lower(name) = 'in progress'") == 1


async def test_an_issue_without_a_priority_gets_the_default(run, db, key):
    """Jira allows an issue without a priority; tracklake gives it Medium, as a create without one does."""
    bundle = search_page(key)
    bundle["issues"][1]["fields"]["priority"] = None
    summary = await run(bundle)
    assert summary.errors == [] and summary.counts["issues_created"] == 2
    priority = "SELECT p.name FROM issues i JOIN priorities p ON p.id = i.priority_id WHERE i.key = %s"
    assert await one(db, priority, f"{key}-2") == "Medium"
