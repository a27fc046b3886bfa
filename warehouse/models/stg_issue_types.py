"""Staging: issue types from the PostgreSQL snapshot.

Grain: one row per issue type.
"""

from warehouse.models.base import Model

MODEL = Model(
    name="stg_issue_types",
    grain="one row per issue type",
    layer="staging",
    sql="""
SELECT CAST(id AS BIGINT) AS issue_type_id, name AS issue_type_name, CAST(subtask AS BOOLEAN) AS is_subtask,
       CAST(hierarchy_level AS INTEGER) AS hierarchy_level
FROM issue_types
""",
)
