"""Mart: when each issue was in each sprint.

Grain: one row per issue per sprint per membership interval.

The Sprint field holds comma-separated sprint ids, several at once (an issue carried from sprint 101 to 102
holds "101,102": it never left 101). Consecutive field values containing a sprint merge into one membership
interval; removal and re-adding make two. Half-open intervals as status_intervals.
"""

from warehouse.models._states import field_states
from warehouse.models.base import Model

SPRINT_LIST = (
    "list_filter(list_transform(string_split(regexp_replace(coalesce(r.v, ''), '\\s', '', 'g'), ','), "
    "lambda x: TRY_CAST(x AS BIGINT)), lambda x: x IS NOT NULL)"
)

MODEL = Model(
    name="sprint_membership",
    grain="one row per issue per sprint per membership interval",
    layer="mart",
    materialized="table",
    per_issue=True,
    sort="issue_id, sprint_id, valid_from",
    sql=f"""
WITH {field_states("'Sprint'", SPRINT_LIST)},
exploded AS (
    SELECT issue_id, state_seq, valid_from, valid_to, unnest(list_distinct(value)) AS sprint_id FROM states
), islands AS (
    SELECT *, state_seq - row_number() OVER (PARTITION BY issue_id, sprint_id ORDER BY state_seq) AS island
    FROM exploded
), merged AS (
    SELECT issue_id, sprint_id, min(valid_from) AS valid_from, last(valid_to ORDER BY state_seq) AS valid_to
    FROM islands GROUP BY issue_id, sprint_id, island
)
SELECT issue_id, sprint_id,
       row_number() OVER (PARTITION BY issue_id, sprint_id ORDER BY valid_from) AS membership_seq,
       valid_from, valid_to
FROM merged
""",
)
