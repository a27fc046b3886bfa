"""Staging: boards from the PostgreSQL snapshot, through the agile adapter.

Grain: one row per board.
"""

from warehouse import adapter
from warehouse.models.base import Model

MODEL = Model(name="stg_boards", grain="one row per board", layer="staging", sql=adapter.boards)
