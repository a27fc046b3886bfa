"""Staging: statuses from the PostgreSQL snapshot.

Grain: one row per status.
"""

from warehouse.models.base import Model

MODEL = Model(
    name="stg_statuses",
    grain="one row per status",
    layer="staging",
    sql="SELECT CAST(id AS BIGINT) AS status_id, name AS status_name, category AS status_category FROM statuses",
)
