"""Global rank: keys between keys, new issues at the bottom, a move writes one row and one history entry."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.agile.conftest import events, history, restrict_project, rows
from tests.conftest import counts
from tracker.agile.ranking import DIGITS, keys_between, midpoint, sequence_rank

key_text = st.text(alphabet=DIGITS, min_size=1, max_size=12).filter(lambda k: not k.endswith("0"))


@settings(max_examples=300, deadline=None)
@given(st.lists(key_text, min_size=2, max_size=2, unique=True), st.integers(min_value=1, max_value=40))
def test_keys_between_are_strictly_between_ordered_and_extendable(pair, n):
    low, high = sorted(pair)
    for a, b in ((low, high), (None, low), (high, None)):
        keys = keys_between(a, b, n)
        assert len(keys) == n and keys == sorted(keys) and len(set(keys)) == n
        assert all((a is None or a < k) and (b is None or k < b) for k in keys)
        assert not any(k.endswith("0") for k in keys)  # so a key between any two of them always exists


def test_midpoint_refuses_keys_out_of_order():
    with pytest.raises(ValueError):
        midpoint("b", "a")
    with pytest.raises(ValueError):
        midpoint("a", "a")
    with pytest.raises(ValueError):
        midpoint("", "a0")
    assert midpoint("", None) == "i" and midpoint("a", "a1") == "a0i"


async def test_sequence_keys_match_the_database_default(db):
    row = (await rows(db, "SELECT last_value FROM issue_rank_seq"))[0]
    assert len(sequence_rank(row["last_value"])) == 15
    mine = (await rows(db, "SELECT 'i' || lpad(tracklake_base36(%s), 13, '0') || 'i' AS k", 2**63 - 1))[0]["k"]
    assert mine == sequence_rank(2**63 - 1)
    assert sequence_rank(35) < sequence_rank(36) < sequence_rank(10**12)


async def ranks(db, project_key):
    found = await rows(
        db,
        "SELECT i.key, i.rank FROM issues i JOIN projects p ON p.id = i.project_id WHERE p.key = %s ORDER BY i.rank",
        project_key,
    )
    return [(r["key"], r["rank"]) for r in found]


async def test_new_issues_go_to_the_bottom_and_a_move_changes_one_row(admin, make_issue, project, db):
    issues = [await make_issue(summary=f"i{n}") for n in range(5)]
    keys = [i["key"] for i in issues]
    before = await ranks(db, project["key"])
    assert [k for k, _ in before] == keys
    r = await admin.put("/api/v1/rank", json={"issues": [keys[4]], "rank_before_issue": keys[1]})
    assert r.status_code == 200, r.text
    assert r.json()["issues"][0]["version"] == 2
    after = await ranks(db, project["key"])
    assert [k for k, _ in after] == [keys[0], keys[4], keys[1], keys[2], keys[3]]
    changed = {k for k, v in after} - {k for k, v in set(after) & set(before)}
    assert changed == {keys[4]}

    r = await admin.put("/api/v1/rank", json={"issues": [keys[0]], "rank_after_issue": keys[3]})
    assert r.status_code == 200, r.text
    newer = await make_issue(summary="later")  # created after a move to the bottom: still below it
    assert [k for k, _ in await ranks(db, project["key"])] == [
        keys[4],
        keys[1],
        keys[2],
        keys[3],
        keys[0],
        newer["key"],
    ]


async def test_several_issues_keep_their_given_order_and_can_swap_in_place(admin, make_issue, project, db):
    a, b, c, d = [(await make_issue())["key"] for _ in range(4)]
    r = await admin.put("/api/v1/rank", json={"issues": [d, c, b], "rank_before_issue": a})
    assert r.status_code == 200, r.text
    assert [k for k, _ in await ranks(db, project["key"])] == [d, c, b, a]
    # The new keys land where the moving issues were: they are parked first, keys stay unique.
    r = await admin.put("/api/v1/rank", json={"issues": [b, c, d], "rank_before_issue": a})
    assert r.status_code == 200, r.text
    assert [k for k, _ in await ranks(db, project["key"])] == [b, c, d, a]
    r = await admin.put("/api/v1/rank", json={"issues": [a], "rank_before_issue": b})
    assert [k for k, _ in await ranks(db, project["key"])] == [a, b, c, d]


async def test_a_move_is_recorded_in_history_and_the_outbox_at_one_time(admin, make_issue, db):
    a, b = await make_issue(), await make_issue()
    old_rank = (await rows(db, "SELECT rank FROM issues WHERE key = %s", b["key"]))[0]["rank"]
    r = await admin.put("/api/v1/rank", json={"issues": [b["key"]], "rank_before_issue": a["key"]})
    assert r.status_code == 200
    (row,) = await history(db, b["key"], "Rank")
    assert row["to_string"] == "Ranked higher" and row["to_value"] < row["from_value"]
    assert row["from_value"] == old_rank and row["to_value"] == r.json()["issues"][0]["rank"]
    (event,) = [e for e in await events(db, key=b["key"]) if e["event_type"] == "issue.updated"]
    assert event["event_id"] == row["change_id"] and event["occurred_at"] == row["occurred_at"]
    assert event["payload"]["changes"] == [
        {
            "field": "Rank",
            "field_type": "jira",
            "from": row["from_value"],
            "to": row["to_value"],
            "from_string": None,
            "to_string": "Ranked higher",
        }
    ]
    assert event["payload"]["version"] == 2
    r = await admin.put("/api/v1/rank", json={"issues": [b["key"]], "rank_after_issue": a["key"]})
    assert [h["to_string"] for h in await history(db, b["key"], "Rank")] == ["Ranked higher", "Ranked lower"]


async def test_bad_moves_write_nothing(admin, make_issue, make_user, project, db):
    a, b = await make_issue(), await make_issue()
    before = await counts(db, project["key"]), await ranks(db, project["key"])
    cases = [
        ({"issues": [a["key"]]}, 422, "rank_before_issue"),
        ({"issues": [a["key"]], "rank_before_issue": b["key"], "rank_after_issue": b["key"]}, 422, None),
        ({"issues": [a["key"]], "rank_before_issue": a["key"]}, 422, "rank_before_issue"),
        ({"issues": [a["key"], "NOPE-1"], "rank_before_issue": b["key"]}, 404, "issues"),
        ({"issues": [a["key"]], "rank_after_issue": "NOPE-9"}, 404, "rank_after_issue"),
        ({"issues": []}, 422, "issues"),
    ]
    for body, status, field in cases:
        r = await admin.put("/api/v1/rank", json=body)
        assert r.status_code == status, (body, r.text)
        if field:
            assert field in r.json()["errors"], r.json()
    _, viewer = await make_user()
    await restrict_project(db, project["key"], ["BROWSE_PROJECTS"])
    r = await viewer.put("/api/v1/rank", json={"issues": [a["key"]], "rank_after_issue": b["key"]})
    assert r.status_code == 403 and r.json()["permission"] == "EDIT_ISSUES"
    assert (await counts(db, project["key"]), await ranks(db, project["key"])) == before
