"""Staging: board columns and the statuses mapped to them, through the agile adapter.

Grain: one row per board column per mapped status (a column without statuses has one row with a NULL status).
"""

from warehouse import adapter
from warehouse.models.base import Model

MODEL = Model(
    name="stg_board_columns",
    grain="one row per board column per mapped status",
    layer="staging",
    sql=adapter.board_columns,
)
