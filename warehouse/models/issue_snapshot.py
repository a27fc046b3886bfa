"""Mart: each issue as it stands now, replayed from its change log.

Grain: one row per issue (deleted issues included, flagged by `deleted_at`).

Every field takes the value of its latest change. `created_at` is the creation row's time (or the first change
for histories without one), `updated_at` the latest change, `resolved_at` the time the current resolution was
set (Jira's resolutiondate: empty while unresolved, moved by a later re-resolution). `is_subtask` and
`status_category` come from the current issue type and status definitions.
"""

from warehouse.models.base import Model

MODEL = Model(
    name="issue_snapshot",
    grain="one row per issue",
    layer="mart",
    materialized="table",
    per_issue=True,
    sort="issue_id",
    sql="""
WITH per_issue AS (
    SELECT issue_id,
           arg_max(issue_key, seq) AS issue_key,
           arg_max(project_id, seq) AS project_id,
           coalesce(min(occurred_at) FILTER (WHERE is_create), min(occurred_at)) AS created_at,
           max(occurred_at) AS updated_at,
           count(DISTINCT change_id) AS version,
           max(occurred_at) FILTER (WHERE field = 'deleted') AS deleted_at
    FROM changes GROUP BY issue_id
), latest AS (
    SELECT issue_id, field, to_value, occurred_at FROM changes
    QUALIFY row_number() OVER (PARTITION BY issue_id, field ORDER BY seq DESC) = 1
), pivoted AS (
    SELECT issue_id,
           TRY_CAST(max(to_value) FILTER (WHERE field = 'issuetype') AS BIGINT) AS issue_type_id,
           TRY_CAST(max(to_value) FILTER (WHERE field = 'status') AS BIGINT) AS status_id,
           TRY_CAST(max(to_value) FILTER (WHERE field = 'resolution') AS BIGINT) AS resolution_id,
           max(occurred_at) FILTER (WHERE field = 'resolution' AND to_value IS NOT NULL) AS resolution_set_at,
           TRY_CAST(max(to_value) FILTER (WHERE field = 'priority') AS BIGINT) AS priority_id,
           TRY_CAST(max(to_value) FILTER (WHERE field = 'assignee') AS BIGINT) AS assignee_id,
           TRY_CAST(max(to_value) FILTER (WHERE field = 'reporter') AS BIGINT) AS reporter_id,
           TRY_CAST(max(to_value) FILTER (WHERE field = 'parent') AS BIGINT) AS parent_id,
           TRY_CAST(arg_max_null(to_value, occurred_at) FILTER (
               WHERE field IN ('Story Points', 'Story point estimate')) AS DOUBLE) AS story_points,
           max(to_value) FILTER (WHERE field = 'Sprint') AS sprint_value,
           max(to_value) FILTER (WHERE field = 'labels') AS labels_value,
           max(to_value) FILTER (WHERE field = 'summary') AS summary,
           TRY_CAST(max(to_value) FILTER (WHERE field = 'duedate') AS DATE) AS due_date
    FROM latest GROUP BY issue_id
)
SELECT p.issue_id,
       p.issue_key,
       p.project_id,
       v.issue_type_id,
       coalesce(t.is_subtask, false) AS is_subtask,
       v.status_id,
       s.status_category,
       v.resolution_id,
       v.priority_id,
       v.assignee_id,
       v.reporter_id,
       v.parent_id,
       v.story_points,
       list_filter(list_transform(string_split(regexp_replace(coalesce(v.sprint_value, ''), '\\s', '', 'g'), ','),
                                  lambda x: TRY_CAST(x AS BIGINT)), lambda x: x IS NOT NULL) AS sprint_ids,
       list_filter(string_split(coalesce(v.labels_value, ''), ' '), lambda x: x <> '') AS labels,
       v.summary,
       v.due_date,
       p.created_at,
       p.updated_at,
       CASE WHEN v.resolution_id IS NOT NULL THEN v.resolution_set_at END AS resolved_at,
       p.deleted_at,
       p.version
FROM per_issue p
LEFT JOIN pivoted v USING (issue_id)
LEFT JOIN stg_issue_types t ON t.issue_type_id = v.issue_type_id
LEFT JOIN stg_statuses s ON s.status_id = v.status_id
""",
)
