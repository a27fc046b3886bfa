"""Staging: boards' non-working dates (holidays), through the agile adapter.

Grain: one row per board per non-working date.
"""

from warehouse import adapter
from warehouse.models.base import Model

MODEL = Model(
    name="stg_board_non_working_days",
    grain="one row per board per non-working date",
    layer="staging",
    sql=adapter.board_non_working_days,
)
