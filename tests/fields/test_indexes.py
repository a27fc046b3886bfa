"""Filtering on any custom field can use an index: per-field expression indexes match the SQL the JQL compiler
emits, and the GIN jsonb_path_ops index serves containment on every field. Sequential scans are disabled so the
plan shows whether an index is usable at all (on a small test table the planner would rightly scan)."""

from __future__ import annotations

import pytest

from tests.fields.conftest import create_field
from tracker.fields.catalog import custom_field_descriptors


async def plan(db, sql: str) -> str:
    await db.execute("SET enable_seqscan = off")
    try:
        cur = await db.execute(f"EXPLAIN {sql}")
        return "\n".join(next(iter(r.values())) for r in await cur.fetchall())
    finally:
        await db.execute("RESET enable_seqscan")


@pytest.mark.parametrize(
    ("type_", "extra", "where", "index_suffix"),
    [
        ("number", {}, "CAST(i.custom_fields ->> '{k}' AS NUMERIC) > 5", "num"),
        ("number", {}, "CAST(i.custom_fields ->> '{k}' AS NUMERIC) = 5", "num"),
        ("select", {"options": ["a"]}, "CAST(i.custom_fields ->> '{k}' AS BIGINT) IN (10100, 10101)", "opt"),
        ("user", {}, "CAST(i.custom_fields ->> '{k}' AS BIGINT) = 1", "user"),
        ("date", {}, "i.custom_fields ->> '{k}' >= '2026-01-01'", "date"),
        ("datetime", {}, "i.custom_fields ->> '{k}' < '2026-01-01T00:00:00Z'", "dt"),
        ("url", {}, "i.custom_fields ->> '{k}' = 'https://example.com'", "url"),
        (
            "text",
            {},
            "to_tsvector('simple', search_words(COALESCE(i.custom_fields ->> '{k}', '')))"
            " @@ to_tsquery('simple', 'crash')",
            "fts",
        ),
    ],
)
async def test_per_field_expression_indexes_serve_the_compiled_comparisons(
    admin, db, type_, extra, where, index_suffix
):
    field = await create_field(admin, None, type=type_, contexts=[], **extra)
    explained = await plan(db, f"SELECT i.id FROM issues i WHERE {where.format(k=field['id'])}")
    assert f"issues_cf_{field['custom_id']}_{index_suffix}" in explained, explained
    assert "Seq Scan" not in explained


@pytest.mark.parametrize(
    ("type_", "extra", "value"),
    [
        ("multi_select", {"options": ["a"]}, "[10100]"),
        ("labels", {}, '["urgent"]'),
        ("multi_user", {}, "[1]"),
        ("cascading_select", {"options": ["a"]}, "[10100, 10101]"),
        ("select", {"options": ["a"]}, "10100"),
    ],
)
async def test_containment_uses_the_gin_index(admin, db, type_, extra, value):
    field = await create_field(admin, None, type=type_, contexts=[], **extra)
    explained = await plan(db, f"""SELECT i.id FROM issues i WHERE i.custom_fields @> '{{"{field["id"]}": {value}}}'""")
    assert "issues_custom_fields" in explained and "Seq Scan" not in explained, explained


async def test_descriptors_tell_search_how_each_field_is_stored(admin, db):
    field = await create_field(admin, None, type="number", contexts=[])
    select = await create_field(admin, None, type="cascading_select", options=["a"], contexts=[])
    found = {d.id: d for d in await custom_field_descriptors(db)}
    number = found[field["id"]]
    assert (number.jql_type, number.storage_key, number.multi, number.sql_type) == (
        "number",
        field["id"],
        False,
        "NUMERIC",
    )
    assert number.indexes == (f"issues_cf_{field['custom_id']}_num",)
    explained = await plan(db, f"SELECT i.id FROM issues i WHERE {number.value_sql} > 1")
    assert number.indexes[0] in explained
    cascading = found[select["id"]]
    assert (cascading.jql_type, cascading.multi, cascading.sql_type) == ("multi_select", True, "BIGINT")
    assert cascading.option_ids == tuple(o["id"] for o in select["options"])
    assert cascading.project_ids == () and cascading.issue_type_ids == ()
