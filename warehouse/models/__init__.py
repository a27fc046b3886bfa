"""The warehouse models in dependency order (staging first, then marts); one model per module.

Each module states its grain in its header and defines `MODEL`. `MODELS` is the order a build runs them in.
"""

from __future__ import annotations

from warehouse.models import (
    board_column_intervals,
    board_column_map,
    board_projects,
    changes,
    estimate_intervals,
    issue_daily,
    issue_snapshot,
    sprint_membership,
    status_intervals,
    stg_board_columns,
    stg_board_non_working_days,
    stg_boards,
    stg_history_changes,
    stg_issue_types,
    stg_landing_changes,
    stg_projects,
    stg_sprints,
    stg_statuses,
)
from warehouse.models.base import Model, SourceColumns

MODELS: tuple[Model, ...] = (
    stg_history_changes.MODEL,
    stg_landing_changes.MODEL,
    stg_projects.MODEL,
    stg_statuses.MODEL,
    stg_issue_types.MODEL,
    stg_sprints.MODEL,
    stg_boards.MODEL,
    stg_board_columns.MODEL,
    stg_board_non_working_days.MODEL,
    board_column_map.MODEL,
    board_projects.MODEL,
    changes.MODEL,
    issue_snapshot.MODEL,
    status_intervals.MODEL,
    estimate_intervals.MODEL,
    sprint_membership.MODEL,
    board_column_intervals.MODEL,
    issue_daily.MODEL,
)
BY_NAME: dict[str, Model] = {m.name: m for m in MODELS}
# The dimension models per-issue marts read: when any of them changes, an incremental build becomes a full one.
DIMENSION_INPUTS: tuple[str, ...] = (
    "stg_projects",
    "stg_statuses",
    "stg_issue_types",
    "board_column_map",
    "board_projects",
)

__all__ = ["BY_NAME", "DIMENSION_INPUTS", "MODELS", "Model", "SourceColumns"]
