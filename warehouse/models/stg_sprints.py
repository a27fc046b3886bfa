"""Staging: sprints from the PostgreSQL snapshot, through the agile adapter.

Grain: one row per sprint.
"""

from warehouse import adapter
from warehouse.models.base import Model

MODEL = Model(name="stg_sprints", grain="one row per sprint", layer="staging", sql=adapter.sprints)
