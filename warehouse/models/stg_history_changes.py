"""Staging: issue_history rows exported from PostgreSQL by a rebuild (renamed and cast, nothing else).

Grain: one row per issue_history row, i.e. one changed field of one write.
"""

from warehouse.models.base import Model

MODEL = Model(
    name="stg_history_changes",
    grain="one row per issue_history row (one changed field of one write)",
    layer="staging",
    sql="""
SELECT CAST(issue_id AS BIGINT) AS issue_id,
       issue_key,
       CAST(project_id AS BIGINT) AS project_id,
       CAST(NULL AS VARCHAR) AS project_key,
       CAST(change_id AS UUID) AS change_id,
       CAST(actor_id AS BIGINT) AS actor_id,
       CAST(occurred_at AS TIMESTAMPTZ) AS occurred_at,
       field,
       coalesce(field_type, 'jira') AS field_type,
       from_value,
       from_string,
       to_value,
       to_string,
       CAST(is_create AS BOOLEAN) AS is_create,
       0 AS source_rank
FROM src_history
WHERE {issue_scope}
""",
)
