"""Mart: the change log, deduplicated across the PostgreSQL export and the landing zone.

Grain: one row per change of one field of one issue (a write changing three fields is three rows).

A change is identified by (issue_id, change_id, field); change_id is the write's event id, so the same change
exported from issue_history and landed from the outbox event collapses into one row (at-least-once delivery and
rebuild overlap are both harmless). Landed rows get project_id through the project key. `seq` orders an issue's
changes (time, creation rows first, then change id and field for changes stamped at the same instant) and `id`
is unique and ordered within an issue, as PostgreSQL's issue_history.id is.
"""

from warehouse.models.base import Model

MODEL = Model(
    name="changes",
    grain="one row per change of one field of one issue",
    layer="mart",
    materialized="table",
    per_issue=True,
    sort="issue_id, seq",
    sql="""
WITH landed AS (
    SELECT l.* REPLACE (p.project_id AS project_id)
    FROM stg_landing_changes l LEFT JOIN stg_projects p ON p.project_key = l.project_key
), unioned AS (
    SELECT * FROM stg_history_changes
    UNION ALL BY NAME
    SELECT * FROM landed
), deduped AS (
    SELECT * FROM unioned
    QUALIFY row_number() OVER (PARTITION BY issue_id, change_id, field ORDER BY source_rank) = 1
), ordered AS (
    SELECT *, row_number() OVER (
        PARTITION BY issue_id ORDER BY occurred_at, is_create DESC, change_id, field
    ) AS seq
    FROM deduped
)
SELECT issue_id * 1000000 + seq AS id, issue_id, issue_key, project_id, change_id, actor_id, occurred_at, field,
       field_type, from_value, from_string, to_value, to_string, is_create, seq
FROM ordered
""",
)
