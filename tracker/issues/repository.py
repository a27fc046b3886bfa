"""SQL of the issues domain."""

from tracker.db import one_line
from tracker.fields.repository import FIELD_SELECT
from tracker.permissions import GRANTS_LATERAL
from tracker.projects.repository import PROJECT_COLUMNS
from tracker.workflows.repository import EFFECTIVE_WORKFLOW_JOINS

ISSUE_COLUMNS = """
SELECT i.*, p.key AS project_key, p.name AS project_name, p.lead_id AS project_lead_id,
       wf.id AS workflow_id, wf.revision AS workflow_revision, pl.username AS lead_username,
       t.name AS type_name, t.subtask AS type_subtask,
       pr.name AS priority_name, s.name AS status_name, s.category AS status_category,
       r.name AS resolution_name,
       a.username AS assignee_username, a.display_name AS assignee_display_name,
       rp.username AS reporter_username, rp.display_name AS reporter_display_name,
       par.key AS parent_key
"""
ISSUE_FROM = """
FROM issues i
JOIN projects p ON p.id = i.project_id
JOIN users pl ON pl.id = p.lead_id
JOIN issue_types t ON t.id = i.issue_type_id
JOIN priorities pr ON pr.id = i.priority_id
JOIN statuses s ON s.id = i.status_id
LEFT JOIN resolutions r ON r.id = i.resolution_id
LEFT JOIN users a ON a.id = i.assignee_id
JOIN users rp ON rp.id = i.reporter_id
LEFT JOIN issues par ON par.id = i.parent_id
""" + EFFECTIVE_WORKFLOW_JOINS.format(type="i.issue_type_id")
ISSUE_SELECT = ISSUE_COLUMNS + ISSUE_FROM
# The same row plus what %(actor_id)s holds in the issue's project: load and authorize in one round trip.
ISSUE_SELECT_WITH_GRANTS = (
    ISSUE_COLUMNS + ", grants.perm_always, grants.perm_reporter, grants.perm_assignee" + ISSUE_FROM + GRANTS_LATERAL
)

SELECT_ISSUE_BY_KEY = ISSUE_SELECT + " WHERE i.key = %(key)s"
SELECT_ISSUE_BY_ID = ISSUE_SELECT + " WHERE i.id = %(id)s"
SELECT_ISSUES_BY_IDS = ISSUE_SELECT + " WHERE i.id = ANY(%(ids)s) ORDER BY i.id"
ACCESS_ISSUE_BY_KEY = ISSUE_SELECT_WITH_GRANTS + " WHERE i.key = %(key)s"
ACCESS_ISSUE_BY_ID = ISSUE_SELECT_WITH_GRANTS + " WHERE i.id = %(id)s"
LOCK_ISSUE_BY_KEY = "SELECT id FROM issues WHERE key = %(key)s FOR UPDATE"
LOCK_ISSUE_BY_ID = "SELECT id FROM issues WHERE id = %(id)s FOR UPDATE"

# Everything a create looks up, in one round trip: the project with the actor's grants, the issue type and
# priority named in the request, the users it names, the workflow the new issue starts in (with its initial
# status), the custom fields that apply to the type in the project, and the new issue's id. A name that matches
# nothing comes back as NULL (the caller reports it); an unknown project gives no row.
CREATE_CONTEXT = one_line(f"""
SELECT {PROJECT_COLUMNS}, grants.perm_always, grants.perm_reporter, grants.perm_assignee,
       nextval('issues_id_seq') AS new_issue_id,
       row_to_json(t) AS issue_type, row_to_json(pr) AS priority,
       (SELECT coalesce(json_agg(json_build_object('id', us.id, 'username', us.username,
                                                   'display_name', us.display_name, 'active', us.active)), '[]')
        FROM users us WHERE us.username = ANY(%(usernames)s)) AS users,
       (SELECT row_to_json(w) FROM (
            SELECT wf.id, wf.revision, wf.initial_status_id AS status_id, s.name AS status_name,
                   s.category AS status_category
            FROM workflow_schemes wsc
            LEFT JOIN workflow_scheme_mappings wsm ON wsm.scheme_id = wsc.id AND wsm.issue_type_id = t.id
            JOIN workflows wf ON wf.id = COALESCE(wsm.workflow_id, wsc.default_workflow_id)
            JOIN statuses s ON s.id = wf.initial_status_id
            WHERE wsc.id = p.workflow_scheme_id) w) AS workflow,
       (SELECT coalesce(json_agg(f ORDER BY f.id), '[]') FROM ({FIELD_SELECT}
            WHERE f.deleted_at IS NULL AND EXISTS (
                SELECT 1 FROM custom_field_contexts c
                WHERE c.field_id = f.id
                  AND (c.project_ids = '{{}}' OR p.id = ANY(c.project_ids))
                  AND (c.issue_type_ids = '{{}}' OR t.id = ANY(c.issue_type_ids)))) f) AS fields
FROM projects p JOIN users u ON u.id = p.lead_id {GRANTS_LATERAL}
LEFT JOIN LATERAL (
    SELECT it.id, it.name, it.subtask, it.hierarchy_level FROM issue_types it
    JOIN project_issue_types pt ON pt.issue_type_id = it.id AND pt.project_id = p.id
    WHERE lower(it.name) = lower(%(type)s) OR it.id::text = %(type)s
    ORDER BY it.id LIMIT 1
) t ON true
LEFT JOIN LATERAL (
    SELECT pri.id, pri.name FROM priorities pri
    WHERE lower(pri.name) = lower(%(priority)s) OR pri.id::text = %(priority)s
    ORDER BY pri.id LIMIT 1
) pr ON true
WHERE p.key = %(key)s
""")

# A create's last round trip. INSERT_ISSUE takes the project's next number (the project row stays locked until
# commit, so keys are gapless: a rollback gives the number back) and the history rows and the event read the key
# from the new row. All of it is sent in one pipeline after every lookup and check is done, so the lock is held
# only while these statements run and the commit comes back. The id comes from CREATE_CONTEXT.
INSERT_ISSUE = """
WITH n AS (UPDATE projects SET issue_seq = issue_seq + 1 WHERE id = %(project_id)s RETURNING issue_seq)
INSERT INTO issues (id, project_id, number, key, issue_type_id, priority_id, status_id, summary, description,
                    assignee_id, reporter_id, labels, due_date, story_points, parent_id, custom_fields,
                    created_at, updated_at)
SELECT %(id)s, %(project_id)s, n.issue_seq, %(project_key)s || '-' || n.issue_seq, %(issue_type_id)s,
       %(priority_id)s, %(status_id)s, %(summary)s, %(description)s, %(assignee_id)s, %(reporter_id)s, %(labels)s,
       %(due_date)s, %(story_points)s, %(parent_id)s, %(custom_fields)s, %(now)s, %(now)s
FROM n
RETURNING key, number, rank
"""
INSERT_NEW_ISSUE_HISTORY = """
INSERT INTO issue_history (issue_id, issue_key, project_id, change_id, actor_id, occurred_at, field, field_type,
                           from_value, from_string, to_value, to_string, is_create)
SELECT i.id, i.key, %(project_id)s, %(change_id)s, %(actor_id)s, %(occurred_at)s, %(field)s, %(field_type)s,
       %(from_value)s, %(from_string)s, %(to_value)s, %(to_string)s, %(is_create)s
FROM issues i WHERE i.id = %(issue_id)s
"""
INSERT_NEW_ISSUE_OUTBOX = """
INSERT INTO outbox (event_id, event_type, issue_id, issue_key, project_key, occurred_at, payload)
SELECT %(event_id)s, %(event_type)s, i.id, i.key, %(project_key)s, %(occurred_at)s,
       jsonb_set(jsonb_set(%(payload)s, '{issue_key}', to_jsonb(i.key)), '{issue,key}', to_jsonb(i.key))
FROM issues i WHERE i.id = %(issue_id)s
"""

DELETE_ISSUE = "DELETE FROM issues WHERE id = ANY(%(ids)s)"

SELECT_CHILD_IDS = "SELECT id, key FROM issues WHERE parent_id = %(id)s ORDER BY id"

BUMP_VERSION = """
UPDATE issues SET version = version + 1, updated_at = %(now)s WHERE id = %(id)s RETURNING version
"""

INSERT_HISTORY = """
INSERT INTO issue_history (issue_id, issue_key, project_id, change_id, actor_id, occurred_at, field, field_type,
                           from_value, from_string, to_value, to_string, is_create)
VALUES (%(issue_id)s, %(issue_key)s, %(project_id)s, %(change_id)s, %(actor_id)s, %(occurred_at)s, %(field)s,
        %(field_type)s, %(from_value)s, %(from_string)s, %(to_value)s, %(to_string)s, %(is_create)s)
"""

# One entry per change (a write), oldest first, with its items; paged by change.
SELECT_HISTORY = """
SELECT h.change_id, min(h.occurred_at) AS occurred_at, bool_or(h.is_create) AS is_create,
       min(u.username) AS actor_username, min(u.display_name) AS actor_display_name,
       json_agg(json_build_object('field', h.field, 'fieldtype', h.field_type, 'from', h.from_value,
                                  'fromString', h.from_string, 'to', h.to_value, 'toString', h.to_string)
                ORDER BY h.id) AS items
FROM issue_history h LEFT JOIN users u ON u.id = h.actor_id
WHERE h.issue_id = %(issue_id)s AND (%(include_create)s OR NOT h.is_create)
GROUP BY h.change_id
ORDER BY min(h.occurred_at), min(h.id)
LIMIT %(limit)s OFFSET %(offset)s
"""

COUNT_HISTORY = """
SELECT count(DISTINCT change_id) FROM issue_history
WHERE issue_id = %(issue_id)s AND (%(include_create)s OR NOT is_create)
"""

SELECT_TYPE_BY_NAME = """
SELECT t.id, t.name, t.subtask FROM issue_types t
JOIN project_issue_types pt ON pt.issue_type_id = t.id AND pt.project_id = %(project_id)s
WHERE lower(t.name) = lower(%(name)s) OR t.id::text = %(name)s
"""

SELECT_PRIORITY_BY_NAME = "SELECT id, name FROM priorities WHERE lower(name) = lower(%(name)s) OR id::text = %(name)s"
