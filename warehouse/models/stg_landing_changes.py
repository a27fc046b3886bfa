"""Staging: changes carried by events in the landing zone (renamed and cast; rows without a change are dropped).

Grain: one row per landed change, i.e. one changed field of one event in one batch file (an event delivered twice
appears twice; the `changes` mart removes the duplicate).
"""

from warehouse.models.base import Model

MODEL = Model(
    name="stg_landing_changes",
    grain="one row per landed change (one changed field of one event in one batch file)",
    layer="staging",
    sql="""
SELECT CAST(issue_id AS BIGINT) AS issue_id,
       issue_key,
       CAST(NULL AS BIGINT) AS project_id,
       project_key,
       CAST(event_id AS UUID) AS change_id,
       CAST(actor_id AS BIGINT) AS actor_id,
       CAST(occurred_at AS TIMESTAMPTZ) AS occurred_at,
       field,
       coalesce(field_type, 'jira') AS field_type,
       from_value,
       from_string,
       to_value,
       to_string,
       CAST(is_create AS BOOLEAN) AS is_create,
       1 AS source_rank
FROM src_landing
WHERE field IS NOT NULL AND issue_id IS NOT NULL AND {issue_scope}
""",
)
