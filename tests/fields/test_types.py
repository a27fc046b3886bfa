"""Every custom field type: valid values are stored and shown; each invalid value is rejected with an error
naming the field and the rule, on create, update and transition, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import counts
from tests.fields.conftest import create_field, shown

# type → (definition extras, [(input, shown value)], [(invalid input, rule fragment)])
CASES: dict[str, tuple[dict[str, Any], list[tuple[Any, Any]], list[tuple[Any, str]]]] = {
    "text": (
        {},
        [("hello", "hello"), ("  padded  ", "  padded  ")],
        [(42, "must be text"), ("x" * 256, "at most 255"), ("a\nb", "single line"), ("   ", "must not be blank")],
    ),
    "textarea": (
        {},
        [("line 1\nline 2", "line 1\nline 2"), ("y" * 32767, "y" * 32767)],
        [("x" * 32768, "at most 32767"), (["a"], "must be text")],
    ),
    "number": (
        {"config": {"min": 0, "max": 100}},
        [(42, 42), (3.5, 3.5), ("7", 7), (0, 0)],
        [("abc", "must be a number"), (101, "between 0 and 100"), (True, "must be a number"), (1e20, "10^15")],
    ),
    "date": (
        {},
        [("2026-02-03", "2026-02-03")],
        [("03/02/2026", "2026-12-31"), ("2026-02-30", "2026-12-31"), (20260203, "2026-12-31")],
    ),
    "datetime": (
        {},
        [("2026-02-03T10:00:00+02:00", "2026-02-03T08:00:00Z"), ("2026-02-03T10:00:00Z", "2026-02-03T10:00:00Z")],
        [("tomorrow", "date and time"), (5, "date and time")],
    ),
    "url": (
        {},
        [("https://example.com/a?b=1", "https://example.com/a?b=1")],
        [("ftp://example.com", "http or https"), ("not a url", "http or https"), ("https://exa mple.com", "http")],
    ),
    "checkbox": (
        {"options": ["Yes"]},
        [(["Yes"], ["Yes"]), (["yes", "Yes"], ["Yes"])],
        [("Yes", "must be a list"), (["Maybe"], "'Maybe' is not an option (options: Yes)")],
    ),
    "select": (
        {"options": ["Low", "High", {"value": "Old", "disabled": True}]},
        [("low", "Low"), ({"value": "High"}, "High")],
        [
            ("Medium", "'Medium' is not an option (options: Low, High)"),
            (["Low"], "must be one option"),
            ("Old", "option 'Old' is disabled"),
            (True, "must be one option"),
        ],
    ),
    "multi_select": (
        {"options": ["Low", "High"]},
        [(["Low", "High"], ["Low", "High"]), (["high"], ["High"])],
        [("Low", "must be a list"), (["Low", "Nope"], "'Nope' is not an option"), ([None], "each item")],
    ),
    "cascading_select": (
        {"options": [{"value": "Hardware", "children": ["Disk", "CPU"]}, {"value": "Software", "children": ["OS"]}]},
        [({"parent": "Hardware", "child": "Disk"}, ["Hardware", "Disk"]), (["Software"], ["Software"])],
        [
            ({"parent": "Hardware", "child": "OS"}, "'OS' is not an option under the chosen parent"),
            ({"child": "Disk"}, '{"parent"'),
            ("Hardware", '{"parent"'),
            ({"parent": "Firmware"}, "'Firmware' is not an option"),
        ],
    ),
    "user": (
        {},
        [("$u1", "$u1"), ({"username": "$u2"}, "$u2")],
        [("no-such-user", "user 'no-such-user' does not exist"), ("$inactive", "is inactive"), (["$u1"], "one user")],
    ),
    "multi_user": (
        {},
        [(["$u1", "$u2"], ["$u1", "$u2"]), (["$u1", "$u1"], ["$u1"])],
        [("$u1", "must be a list"), (["$u1", "ghost-user"], "user 'ghost-user' does not exist")],
    ),
    "labels": (
        {},
        [(["a", "b", "a"], ["a", "b"])],
        [("a", "must be a list"), (["has space"], "not a label"), ([1], "labels (text)")],
    ),
    "version": (
        {},
        [(["1.0"], ["1.0"]), (["1.0", "2.0"], ["1.0", "2.0"])],
        [(["9.9"], "'9.9' is not a version of this project (1.0, 2.0)"), ("1.0", "must be a list")],
    ),
}


@pytest.fixture
async def people(admin, make_user) -> dict[str, str]:
    u1, _ = await make_user()
    u2, _ = await make_user()
    inactive, _ = await make_user()
    await admin.patch(f"/api/v1/users/{inactive}", json={"active": False})
    return {"$u1": u1, "$u2": u2, "$inactive": inactive}


def subst(value: Any, people: dict[str, str]) -> Any:
    if isinstance(value, str):
        return people.get(value, value)
    if isinstance(value, list):
        return [subst(v, people) for v in value]
    if isinstance(value, dict):
        return {k: subst(v, people) for k, v in value.items()}
    return value


@pytest.mark.parametrize("type_", sorted(CASES))
async def test_valid_values_are_stored_and_shown(admin, project, people, versions, db, type_):
    extra, valid, _ = CASES[type_]
    for name in ("1.0", "2.0"):
        versions.add(project["id"], name)
    field = await create_field(admin, project["key"], type=type_, **extra)
    fid = field["id"]
    for raw, expected in valid:
        r = await admin.post(
            "/api/v1/issues",
            json={
                "project": project["key"],
                "type": "Task",
                "summary": "s",
                "custom_fields": {fid: subst(raw, people)},
            },
        )
        assert r.status_code == 201, (raw, r.text)
        assert shown(r.json()["custom_fields"][fid]) == subst(expected, people), raw
        again = await admin.get(f"/api/v1/issues/{r.json()['key']}")
        assert again.json()["custom_fields"] == r.json()["custom_fields"]
    # update to the first valid value, then clear it
    key = r.json()["key"]
    first_raw, first_shown = valid[0]
    r = await admin.patch(f"/api/v1/issues/{key}", json={"custom_fields": {fid: subst(first_raw, people)}})
    assert r.status_code == 200 and shown(r.json()["custom_fields"][fid]) == subst(first_shown, people)
    r = await admin.patch(f"/api/v1/issues/{key}", json={"custom_fields": {fid: None}})
    assert r.status_code == 200 and fid not in r.json()["custom_fields"]
    cur = await db.execute("SELECT custom_fields FROM issues WHERE key = %s", (key,))
    assert fid not in (await cur.fetchone())["custom_fields"]


@pytest.mark.parametrize(
    ("type_", "index"), [(t, i) for t in sorted(CASES) for i in range(len(CASES[t][2]))], ids=lambda v: str(v)
)
async def test_each_invalid_value_is_rejected_naming_field_and_rule(admin, project, people, versions, db, type_, index):
    extra, valid, invalid = CASES[type_]
    for name in ("1.0", "2.0"):
        versions.add(project["id"], name)
    field = await create_field(admin, project["key"], type=type_, **extra)
    fid = field["id"]
    raw, fragment = invalid[index]
    raw = subst(raw, people)
    issue = (
        await admin.post(
            "/api/v1/issues",
            json={
                "project": project["key"],
                "type": "Task",
                "summary": "s",
                "custom_fields": {fid: subst(valid[0][0], people)},
            },
        )
    ).json()
    before = await counts(db, project["key"])

    def check(r) -> None:
        assert r.status_code == 422, (raw, r.text)
        problem = r.json()
        assert problem["code"] == "validation_error"
        message = problem["errors"][fid]
        assert message.startswith(field["name"]) and fragment in message, (raw, message)

    check(
        await admin.post(
            "/api/v1/issues",
            json={"project": project["key"], "type": "Task", "summary": "s", "custom_fields": {fid: raw}},
        )
    )
    check(await admin.patch(f"/api/v1/issues/{issue['key']}", json={"custom_fields": {fid: raw}}))
    assert await counts(db, project["key"]) == before
    assert (await admin.get(f"/api/v1/issues/{issue['key']}")).json() == issue
