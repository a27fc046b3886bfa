"""Every warehouse model: a small hand-made input and the exact expected output."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

import pytest

import warehouse.models as models_pkg
from tests.warehouse.builder import DONE, IN_PROGRESS, REVIEW, TODO, Dataset, t
from warehouse import Warehouse
from warehouse.models import MODELS

BLOCKED = 10160  # a status no board column maps


def rows(wh: Warehouse, sql: str) -> list[tuple[Any, ...]]:
    cur = wh.cursor()
    try:
        return cur.execute(sql).fetchall()
    finally:
        cur.close()


@pytest.fixture
def wh(tmp_path: Path) -> Warehouse:
    d = Dataset().project(1, "ABC").project(2, "XYZ")
    d.rows["statuses"].append({"id": BLOCKED, "name": "Blocked", "category": "in_progress"})
    d.board(7, 1)  # To Do | In Progress (In Progress, In Review) | Done; filter-less: every project
    d.board(8, 2, filter_jql="project = XYZ ORDER BY Rank")
    d.sprint(101, 7, t("2024-03-04 09:00"), t("2024-03-15 17:00"), t("2024-03-15 17:00"))
    d.sprint(102, 7, t("2024-03-18 09:00"), t("2024-03-29 17:00"))
    # ABC-1: created with 3 points in sprint 101, through In Progress and In Review to Done, re-estimated to 5,
    # resolved, reopened (resolution cleared) and resolved again.
    d.issue(1, "ABC-1", 1, t("2024-03-01 10:00"), points=3, sprint=[101], labels=["ui", "perf"])
    d.status(1, t("2024-03-05 10:00"), IN_PROGRESS)
    d.status(1, t("2024-03-06 10:00"), REVIEW)
    d.points(1, t("2024-03-06 12:00"), 5)
    d.change(1, t("2024-03-07 10:00"), status=DONE, resolution=10000)
    d.change(1, t("2024-03-08 10:00"), status=TODO, resolution=None)
    d.change(1, t("2024-03-09 10:00"), status=DONE, resolution=10000)
    # ABC-2: carried from 101 into 102 at completion ("101" -> "101, 102"), blocked (unmapped) for a day.
    d.issue(2, "ABC-2", 1, t("2024-03-02 10:00"), sprint=[101])
    d.status(2, t("2024-03-11 10:00"), BLOCKED)
    d.status(2, t("2024-03-12 10:00"), IN_PROGRESS)
    d.sprints(2, t("2024-03-15 17:00"), [101, 102])
    # ABC-3: added to 101, removed, added back; estimate removed (points -> NULL); deleted at the end.
    d.issue(3, "ABC-3", 1, t("2024-03-02 11:00"), type="Bug", points=2)
    d.sprints(3, t("2024-03-05 09:00"), [101])
    d.sprints(3, t("2024-03-06 09:00"), [])
    d.sprints(3, t("2024-03-07 09:00"), [101])
    d.points(3, t("2024-03-08 09:00"), None)
    d.change(3, t("2024-03-10 09:00"), deleted="true")
    # XYZ-1: a sub-task whose day boundary matters: In Progress at 23:59:59, Done at 00:00 next day.
    d.issue(4, "XYZ-1", 2, t("2024-03-04 08:00"), type="Sub-task", parent=1)
    d.status(4, t("2024-03-04 23:59:59"), IN_PROGRESS)
    d.status(4, t("2024-03-06 00:00"), DONE)
    _, result = d.build(tmp_path)
    assert result.manifest.mode == "full"
    return Warehouse(tmp_path)


def test_every_model_states_its_grain() -> None:
    names = {m.name for m in MODELS}
    for info in pkgutil.iter_modules(models_pkg.__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"warehouse.models.{info.name}")
        assert module.__doc__ and "Grain: one row per" in module.__doc__, info.name
        assert module.MODEL.name in names
        assert module.MODEL.grain.startswith("one row per")
        if module.MODEL.layer == "staging":
            assert info.name.startswith("stg_")


def test_changes_orders_each_issue_and_numbers_ids(wh: Warehouse) -> None:
    got = rows(wh, "SELECT seq, id, field, to_value, is_create FROM changes WHERE issue_id = 2 ORDER BY seq")
    # Creation rows first (fields in name order at the same instant), then the three later writes.
    assert got == [
        (1, 2000001, "Sprint", "101", True),
        (2, 2000002, "issuetype", "10003", True),
        (3, 2000003, "priority", "3", True),
        (4, 2000004, "status", "1", True),
        (5, 2000005, "summary", "Issue ABC-2", True),
        (6, 2000006, "status", str(BLOCKED), False),
        (7, 2000007, "status", str(IN_PROGRESS), False),
        (8, 2000008, "Sprint", "101,102", False),
    ]
    assert rows(wh, "SELECT count(*) FROM issue_history") == rows(wh, "SELECT count(*) FROM changes")


def test_issue_snapshot_replays_current_values(wh: Warehouse) -> None:
    got = {
        r[0]: r[1:]
        for r in rows(
            wh,
            "SELECT issue_id, status_id, status_category, story_points, sprint_ids, labels, is_subtask, resolution_id, "
            "resolved_at, deleted_at IS NOT NULL, created_at, version FROM issue_snapshot",
        )
    }
    # ABC-1: Done, 5 points, re-resolved on 03-09 (the reopen on 03-08 cleared it; 03-07 is forgotten), 7 writes.
    assert got[1] == (
        DONE,
        "done",
        5.0,
        [101],
        ["ui", "perf"],
        False,
        10000,
        t("2024-03-09 10:00"),
        False,
        t("2024-03-01 10:00"),
        7,
    )
    assert got[2][:4] == (IN_PROGRESS, "in_progress", None, [101, 102])
    assert got[3][2] is None and got[3][3] == [101] and got[3][8] is True  # estimate removed, re-added, deleted
    assert got[4][5] is True  # the sub-task type


def test_status_intervals_are_half_open_and_consecutive(wh: Warehouse) -> None:
    got = rows(
        wh, "SELECT interval_seq, status_id, valid_from, valid_to, seconds FROM status_intervals WHERE issue_id = 1"
    )
    assert got == [
        (1, TODO, t("2024-03-01 10:00"), t("2024-03-05 10:00"), 4 * 86400.0),
        (2, IN_PROGRESS, t("2024-03-05 10:00"), t("2024-03-06 10:00"), 86400.0),
        (3, REVIEW, t("2024-03-06 10:00"), t("2024-03-07 10:00"), 86400.0),
        (4, DONE, t("2024-03-07 10:00"), t("2024-03-08 10:00"), 86400.0),
        (5, TODO, t("2024-03-08 10:00"), t("2024-03-09 10:00"), 86400.0),
        (6, DONE, t("2024-03-09 10:00"), None, None),
    ]
    # A deletion closes the last interval of a deleted issue.
    assert rows(wh, "SELECT valid_to FROM status_intervals WHERE issue_id = 3") == [(t("2024-03-10 09:00"),)]


def test_estimate_intervals_include_removal(wh: Warehouse) -> None:
    assert rows(wh, "SELECT points, valid_from, valid_to FROM estimate_intervals WHERE issue_id = 3") == [
        (2.0, t("2024-03-02 11:00"), t("2024-03-08 09:00")),
        (None, t("2024-03-08 09:00"), t("2024-03-10 09:00")),
    ]
    assert rows(wh, "SELECT points FROM estimate_intervals WHERE issue_id = 1") == [(3.0,), (5.0,)]
    assert rows(wh, "SELECT count(*) FROM estimate_intervals WHERE issue_id = 2") == [(0,)]  # never estimated


def test_sprint_membership_merges_carry_over_and_splits_readding(wh: Warehouse) -> None:
    got = rows(
        wh,
        "SELECT issue_id, sprint_id, membership_seq, valid_from, valid_to FROM sprint_membership "
        "ORDER BY issue_id, sprint_id, valid_from",
    )
    assert got == [
        (1, 101, 1, t("2024-03-01 10:00"), None),
        # "101" -> "101,102" keeps 101 (not a removal) and adds 102 at the completion instant.
        (2, 101, 1, t("2024-03-02 10:00"), None),
        (2, 102, 1, t("2024-03-15 17:00"), None),
        # removed on 03-06 and re-added on 03-07: two intervals; the deletion ends the second.
        (3, 101, 1, t("2024-03-05 09:00"), t("2024-03-06 09:00")),
        (3, 101, 2, t("2024-03-07 09:00"), t("2024-03-10 09:00")),
    ]


def test_board_column_map_marks_the_rightmost_column_done(wh: Warehouse) -> None:
    got = rows(
        wh,
        "SELECT column_index, column_name, is_done_column, status_id FROM board_column_map "
        "WHERE board_id = 7 ORDER BY column_index, status_id",
    )
    assert got == [
        (0, "To Do", False, TODO),
        (1, "In Progress", False, IN_PROGRESS),
        (1, "In Progress", False, REVIEW),
        (2, "Done", True, DONE),
    ]


def test_board_projects_follow_the_filter(wh: Warehouse) -> None:
    got = rows(wh, "SELECT board_id, project_id FROM board_projects ORDER BY 1, 2")
    assert got == [(7, 1), (7, 2), (8, 2)]  # board 7 has no filter: every project


def test_board_column_intervals_merge_columns_and_skip_unmapped(wh: Warehouse) -> None:
    got = rows(
        wh,
        "SELECT column_index, is_done_column, valid_from, valid_to FROM board_column_intervals "
        "WHERE board_id = 7 AND issue_id = 1 ORDER BY valid_from",
    )
    assert got == [
        (0, False, t("2024-03-01 10:00"), t("2024-03-05 10:00")),
        (1, False, t("2024-03-05 10:00"), t("2024-03-07 10:00")),  # In Progress + In Review: one column
        (2, True, t("2024-03-07 10:00"), t("2024-03-08 10:00")),
        (0, False, t("2024-03-08 10:00"), t("2024-03-09 10:00")),
        (2, True, t("2024-03-09 10:00"), None),
    ]
    # ABC-2 was Blocked (unmapped) for a day: off the board between its To Do and In Progress intervals.
    assert rows(
        wh,
        "SELECT column_index, valid_from, valid_to FROM board_column_intervals WHERE board_id = 7 AND issue_id = 2 "
        "ORDER BY valid_from",
    ) == [(0, t("2024-03-02 10:00"), t("2024-03-11 10:00")), (1, t("2024-03-12 10:00"), None)]
    # Board 8 (project XYZ only) has no intervals for ABC issues.
    assert rows(wh, "SELECT DISTINCT issue_id FROM board_column_intervals WHERE board_id = 8") == [(4,)]


def test_issue_daily_uses_end_of_day_state(wh: Warehouse) -> None:
    got = rows(
        wh,
        "SELECT day, status_id FROM issue_daily WHERE issue_id = 4 AND day <= DATE '2024-03-06' ORDER BY day",
    )
    # In Progress at 23:59:59 counts for 03-04; Done at 00:00 on 03-06 counts for 03-06, not 03-05.
    assert [(d.isoformat(), s) for d, s in got] == [
        ("2024-03-04", IN_PROGRESS),
        ("2024-03-05", IN_PROGRESS),
        ("2024-03-06", DONE),
    ]
    estimates = rows(
        wh,
        "SELECT day, story_points, sprint_ids FROM issue_daily WHERE issue_id = 1 AND "
        "day IN (DATE '2024-03-05', DATE '2024-03-06')",
    )
    assert sorted((d.isoformat(), p, s) for d, p, s in estimates) == [
        ("2024-03-05", 3.0, [101]),
        ("2024-03-06", 5.0, [101]),
    ]


def test_history_without_creation_rows_starts_from_the_first_old_value(tmp_path: Path) -> None:
    # An imported issue: no creation rows, first status change To Do -> In Progress a day after its first change.
    d = Dataset().project(1, "ABC").board(7, 1)
    d.issue(1, "ABC-1", 1, t("2024-03-01 10:00"))
    d.history = [r for r in d.history if r["field"] != "status"]
    d.issues[1].values["status"] = TODO
    d.status(1, t("2024-03-02 10:00"), IN_PROGRESS)
    d.build(tmp_path)
    got = rows(Warehouse(tmp_path), "SELECT status_id, valid_from, valid_to FROM status_intervals")
    assert got == [(TODO, t("2024-03-01 10:00"), t("2024-03-02 10:00")), (IN_PROGRESS, t("2024-03-02 10:00"), None)]


def test_empty_warehouse_has_typed_empty_views(tmp_path: Path) -> None:
    wh = Warehouse(tmp_path)
    for model in MODELS:
        assert rows(wh, f"SELECT count(*) FROM {model.name}") == [(0,)], model.name
    for table in (
        "issues",
        "issue_history",
        "projects",
        "statuses",
        "users",
        "issue_types",
        "priorities",
        "resolutions",
        "issue_sprints",
        "sprints",
        "boards",
        "board_columns",
        "versions",
        "components",
    ):
        assert rows(wh, f"SELECT count(*) FROM {table}") == [(0,)], table
