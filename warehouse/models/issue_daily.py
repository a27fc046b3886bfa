"""Mart (view): the state of every issue at the end of every UTC day of its life.

Grain: one row per issue per day, from its creation day to today (or its deletion day).

End of day means the last instant of the day: a change at 23:59:59.999999 counts for that day, one at 00:00 for
the next. Computed on read (ASOF joins over the interval marts), so filter by issue or day range when querying.
"""

from warehouse.models.base import Model

MODEL = Model(
    name="issue_daily",
    grain="one row per issue per day",
    layer="mart",
    sql="""
WITH days AS (
    SELECT s.issue_id, s.project_id, s.is_subtask, CAST(d.day AS DATE) AS day,
           CAST(d.day AS TIMESTAMPTZ) + INTERVAL 1 DAY AS day_end
    FROM issue_snapshot s,
         LATERAL generate_series(CAST(s.created_at AS DATE),
                                 coalesce(CAST(s.deleted_at AS DATE), current_date), INTERVAL 1 DAY) d(day)
)
SELECT d.issue_id, d.project_id, d.day, d.is_subtask, si.status_id, st.status_category, e.points AS story_points,
       (SELECT list_sort(list(m.sprint_id)) FROM sprint_membership m
        WHERE m.issue_id = d.issue_id AND m.valid_from < d.day_end
          AND (m.valid_to IS NULL OR m.valid_to >= d.day_end)) AS sprint_ids
FROM days d
ASOF LEFT JOIN status_intervals si ON si.issue_id = d.issue_id AND si.valid_from < d.day_end
ASOF LEFT JOIN estimate_intervals e ON e.issue_id = d.issue_id AND e.valid_from < d.day_end
LEFT JOIN stg_statuses st ON st.status_id = si.status_id
""",
)
