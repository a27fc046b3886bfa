"""Mart: which projects' issues each board can show: the projects its filter is limited to by top-level
`project = / in` clauses, or every project when the filter does not say (warehouse/board_scope.py). The filter
itself, evaluated now as in Jira, narrows this further at query time.

Grain: one row per board per project.
"""

from warehouse.models.base import Model

MODEL = Model(
    name="board_projects",
    grain="one row per board per project",
    layer="mart",
    sql="""
SELECT b.board_id, p.project_id
FROM stg_boards b
JOIN stg_projects p
  ON p.project_id IN (SELECT s.project_id FROM src_board_scope s WHERE s.board_id = b.board_id)
  OR NOT EXISTS (SELECT 1 FROM src_board_scope s WHERE s.board_id = b.board_id)
""",
)
