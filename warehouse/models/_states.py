"""Shared SQL: turn one field's changes into consecutive value intervals (SCD-2) per issue."""

from __future__ import annotations


def field_states(fields: str, value: str, keep_null_initial: bool = False) -> str:
    """CTEs ending in `states(issue_id, state_seq, value, valid_from, valid_to)` for changes of `fields`.

    `value` is an expression over a column `v` (the raw text value). Histories without a creation row (imports)
    start with the first change's old value, held from the issue's first recorded change. An interval ends at
    the next change of the field, at the issue's deletion, or is open (valid_to NULL).
    """
    initial_filter = "" if keep_null_initial else "AND f.from_value IS NOT NULL"
    return f"""
c AS (
    SELECT issue_id, seq, occurred_at, is_create, from_value, to_value FROM changes WHERE field IN ({fields})
), bounds AS (
    SELECT issue_id, min(occurred_at) AS first_at, max(occurred_at) FILTER (WHERE field = 'deleted') AS deleted_at
    FROM changes GROUP BY issue_id
), firsts AS (
    SELECT * FROM c QUALIFY row_number() OVER (PARTITION BY issue_id ORDER BY seq) = 1
), raw_states AS (
    SELECT f.issue_id, 0 AS seq, b.first_at AS valid_from, f.from_value AS v
    FROM firsts f JOIN bounds b USING (issue_id)
    WHERE NOT f.is_create {initial_filter} AND b.first_at < f.occurred_at
    UNION ALL
    SELECT issue_id, seq, occurred_at, to_value FROM c
), states AS (
    SELECT r.issue_id,
           row_number() OVER w AS state_seq,
           {value} AS value,
           r.valid_from,
           coalesce(lead(r.valid_from) OVER w, b.deleted_at) AS valid_to
    FROM raw_states r JOIN bounds b USING (issue_id)
    WINDOW w AS (PARTITION BY r.issue_id ORDER BY r.seq)
)"""
