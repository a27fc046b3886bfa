"""Staging: projects from the PostgreSQL snapshot.

Grain: one row per project.
"""

from warehouse.models.base import Model

MODEL = Model(
    name="stg_projects",
    grain="one row per project",
    layer="staging",
    sql="""
SELECT CAST(id AS BIGINT) AS project_id, key AS project_key, name AS project_name, CAST(lead_id AS BIGINT) AS lead_id
FROM projects
""",
)
