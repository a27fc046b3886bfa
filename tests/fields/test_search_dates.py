"""Searching date and date-time custom fields through the API: they are stored as ISO text (what their indexes
cover), so every comparison must compare ISO text, in the stored format, with the same answer as on dates."""

from __future__ import annotations

from tests.fields.conftest import create_field


async def _keys(admin, jql: str) -> list[str]:
    r = await admin.get("/api/v1/search", params={"jql": jql, "maxResults": 100})
    assert r.status_code == 200, r.text
    return sorted((i["key"] for i in r.json()["issues"]), key=lambda k: int(k.split("-")[1]))


async def test_date_and_datetime_fields_compare_as_dates(admin, project, make_issue):
    key = project["key"]
    day = await create_field(admin, key, type="date")
    moment = await create_field(admin, key, type="datetime")
    d, m = f'"{day["name"]}"', f'"{moment["name"]}"'
    early = await make_issue(custom_fields={day["id"]: "2026-05-31", moment["id"]: "2026-05-31T23:30:00-02:00"})
    late = await make_issue(custom_fields={day["id"]: "2026-06-01", moment["id"]: "2026-06-01T00:30:00Z"})
    empty = await make_issue()
    scope = f"project = {key}"
    assert await _keys(admin, f"{scope} AND {d} < 2026-06-01") == [early["key"]]
    assert await _keys(admin, f'{scope} AND {d} >= "2026/06/01"') == [late["key"]]
    assert await _keys(admin, f"{scope} AND {d} = 2026-05-31") == [early["key"]]
    assert await _keys(admin, f"{scope} AND {d} != 2026-05-31") == [late["key"]]  # never the empty one
    assert await _keys(admin, f"{scope} AND {d} in (2026-05-31, 2026-06-01)") == [early["key"], late["key"]]
    assert await _keys(admin, f"{scope} AND {d} is EMPTY") == [empty["key"]]
    # 2026-05-31T23:30-02:00 is 2026-06-01T01:30Z: after the late one's 00:30Z.
    assert await _keys(admin, f'{scope} AND {m} > "2026-06-01 01:00"') == [early["key"]]
    assert await _keys(admin, f'{scope} AND {m} <= "2026-06-01 01:00"') == [late["key"]]
    assert await _keys(admin, f"{scope} AND {m} >= 2026-06-01") == [early["key"], late["key"]]
    assert await _keys(admin, f"{scope} AND {m} < startOfDay()") == [early["key"], late["key"]]
    r = await admin.get("/api/v1/search", params={"jql": f"{scope} AND {m} is not EMPTY ORDER BY {m} DESC"})
    assert [i["key"] for i in r.json()["issues"]] == [early["key"], late["key"]]


def test_instants_between_seconds_keep_their_answer() -> None:
    """Stored date-times are whole seconds: a comparison with now() (which has a fraction) moves to the second
    that gives the same answer for every whole second; = and != (IN, NOT IN) with a fraction match no stored value."""
    from datetime import UTC, datetime

    from jql.bound import CmpOp, FieldCondition
    from jql.catalog import FieldType, JsonValue
    from jql.fields import custom_field
    from jql.to_sql import as_iso_text

    spec = custom_field(10001, "Go Live", FieldType.DATETIME)
    assert isinstance(spec.storage, JsonValue)
    half = datetime(2026, 6, 1, 12, 0, 0, 500_000, tzinfo=UTC)
    expected = {
        CmpOp.LT: "2026-06-01T12:00:01Z",  # x < 12:00:00.5  <=>  x < 12:00:01
        CmpOp.GTE: "2026-06-01T12:00:01Z",
        CmpOp.GT: "2026-06-01T12:00:00Z",  # x > 12:00:00.5  <=>  x > 12:00:00
        CmpOp.LTE: "2026-06-01T12:00:00Z",
        CmpOp.IN: "2026-06-01T12:00:00.500000Z",
    }
    for op, text in expected.items():
        assert as_iso_text(FieldCondition(spec, op, (half,))).values == (text,), op
    whole = datetime(2026, 6, 1, 14, 0, tzinfo=UTC).astimezone()  # any offset: written in UTC
    assert as_iso_text(FieldCondition(spec, CmpOp.LT, (whole,))).values == ("2026-06-01T14:00:00Z",)
