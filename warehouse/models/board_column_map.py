"""Mart: each board's columns in order, with the statuses mapped to them and which column means done.

Grain: one row per board column per mapped status (columns without statuses keep one row with a NULL status).

`column_index` is 0 for the leftmost column; `is_done_column` marks the rightmost column, the definition of done
for every agile report (not resolution, not status category). Jira applies the current mapping to all history,
and so does every model and report built on this one.
"""

from warehouse.models.base import Model

MODEL = Model(
    name="board_column_map",
    grain="one row per board column per mapped status",
    layer="mart",
    sql="""
WITH cols AS (
    SELECT DISTINCT board_id, column_id, column_name, column_position FROM stg_board_columns
), ranked AS (
    SELECT *, dense_rank() OVER (PARTITION BY board_id ORDER BY column_position, column_id) - 1 AS column_index,
           count(*) OVER (PARTITION BY board_id) AS column_count
    FROM cols
)
SELECT r.board_id, r.column_id, r.column_name, r.column_index, r.column_count,
       r.column_index = r.column_count - 1 AS is_done_column,
       r.column_index = 0 AS is_first_column,
       m.status_id
FROM ranked r
LEFT JOIN stg_board_columns m USING (board_id, column_id)
""",
)
