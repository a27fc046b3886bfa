"""Mart: how long each issue held each status.

Grain: one row per issue per status interval (issue, status, entered, left).

`valid_from` is when the issue entered the status and `valid_to` when it left (NULL: it still holds it; an
issue's deletion ends its last interval). Intervals are half-open [valid_from, valid_to): the state at instant t
is the interval with valid_from ≤ t < valid_to, so a change stamped exactly at t already counts at t.
"""

from warehouse.models._states import field_states
from warehouse.models.base import Model

MODEL = Model(
    name="status_intervals",
    grain="one row per issue per status interval",
    layer="mart",
    materialized="table",
    per_issue=True,
    sort="issue_id, interval_seq",
    sql=f"""
WITH {field_states("'status'", "TRY_CAST(r.v AS BIGINT)")}
SELECT issue_id, state_seq AS interval_seq, value AS status_id, valid_from, valid_to,
       CASE WHEN valid_to IS NULL THEN NULL ELSE epoch(valid_to) - epoch(valid_from) END AS seconds
FROM states
WHERE value IS NOT NULL
""",
)
