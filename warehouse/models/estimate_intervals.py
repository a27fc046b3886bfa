"""Mart: the story-point estimate each issue held over time.

Grain: one row per issue per estimate interval (NULL points: the issue was unestimated during the interval).

Read from the 'Story Points' field and Jira's team-managed 'Story point estimate' alike. An issue whose history
never mentions an estimate has no rows (it is unestimated throughout). Half-open intervals as status_intervals.
"""

from warehouse.models._states import field_states
from warehouse.models.base import Model

MODEL = Model(
    name="estimate_intervals",
    grain="one row per issue per estimate interval",
    layer="mart",
    materialized="table",
    per_issue=True,
    sort="issue_id, interval_seq",
    sql=f"""
WITH {field_states("'Story Points', 'Story point estimate'", "TRY_CAST(r.v AS DOUBLE)")}
SELECT issue_id, state_seq AS interval_seq, value AS points, valid_from, valid_to
FROM states
""",
)
