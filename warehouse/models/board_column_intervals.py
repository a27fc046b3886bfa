"""Mart: how long each issue sat in each column of each board that can show it.

Grain: one row per board per issue per column interval.

Consecutive status intervals mapped to the same column merge into one column interval; time in a status the
board does not map leaves a gap (the issue is not on the board then). Half-open intervals as status_intervals.
"""

from warehouse.models.base import Model

MODEL = Model(
    name="board_column_intervals",
    grain="one row per board per issue per column interval",
    layer="mart",
    materialized="table",
    per_issue=True,
    sort="board_id, issue_id, valid_from",
    sql="""
WITH mapped AS (
    SELECT m.board_id, si.issue_id, si.interval_seq, m.column_index, m.column_name, m.is_done_column,
           si.valid_from, si.valid_to
    FROM status_intervals si
    JOIN issue_snapshot s ON s.issue_id = si.issue_id
    JOIN board_column_map m ON m.status_id = si.status_id
    JOIN board_projects bp ON bp.board_id = m.board_id AND bp.project_id = s.project_id
), islands AS (
    SELECT *, interval_seq - row_number() OVER (
        PARTITION BY board_id, issue_id, column_index ORDER BY interval_seq) AS island
    FROM mapped
)
SELECT board_id, issue_id, column_index, any_value(column_name) AS column_name,
       bool_and(is_done_column) AS is_done_column,
       min(valid_from) AS valid_from, last(valid_to ORDER BY interval_seq) AS valid_to
FROM islands
GROUP BY board_id, issue_id, column_index, island
""",
)
