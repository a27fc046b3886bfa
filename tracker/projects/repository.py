"""SQL of the projects domain."""

from tracker.permissions import GRANTS_LATERAL

PROJECT_COLUMNS = """
p.id, p.key, p.name, p.description, p.workflow_id, p.workflow_scheme_id, p.permission_scheme_id, p.lead_id,
p.created_at, u.username AS lead_username, u.display_name AS lead_display_name
"""

# A project with what %(actor_id)s holds in it: load and authorize in one round trip.
SELECT_PROJECT_WITH_GRANTS = f"""
SELECT {PROJECT_COLUMNS}, grants.perm_always, grants.perm_reporter, grants.perm_assignee
FROM projects p JOIN users u ON u.id = p.lead_id {GRANTS_LATERAL}
WHERE p.key = %(key)s
"""

# Projects the actor sees: browse held outright, or on the issues it reports or is assigned to.
SELECT_VISIBLE_PROJECTS = f"""
SELECT {PROJECT_COLUMNS} FROM projects p JOIN users u ON u.id = p.lead_id {GRANTS_LATERAL}
WHERE 'BROWSE_PROJECTS' = ANY(grants.perm_always || grants.perm_reporter || grants.perm_assignee)
ORDER BY p.key
"""

SELECT_PROJECT_BY_KEY = f"""
SELECT {PROJECT_COLUMNS} FROM projects p JOIN users u ON u.id = p.lead_id WHERE p.key = %(key)s
"""

SELECT_PROJECT_BY_ID = f"""
SELECT {PROJECT_COLUMNS} FROM projects p JOIN users u ON u.id = p.lead_id WHERE p.id = %(id)s
"""

SELECT_PROJECTS = f"""
SELECT {PROJECT_COLUMNS} FROM projects p JOIN users u ON u.id = p.lead_id ORDER BY p.key
"""

INSERT_PROJECT = """
INSERT INTO projects (key, name, description, lead_id, workflow_id, workflow_scheme_id, permission_scheme_id)
SELECT %(key)s, %(name)s, %(description)s, %(lead_id)s, ws.default_workflow_id, ws.id, %(permission_scheme_id)s
FROM workflow_schemes ws WHERE ws.id = %(workflow_scheme_id)s
ON CONFLICT (key) DO NOTHING
RETURNING id
"""

UPDATE_PROJECT = """
UPDATE projects SET name = COALESCE(%(name)s, name), description = COALESCE(%(description)s, description),
                    lead_id = COALESCE(%(lead_id)s, lead_id)
WHERE id = %(id)s
"""

INSERT_PROJECT_ISSUE_TYPES = """
INSERT INTO project_issue_types (project_id, issue_type_id)
SELECT %(project_id)s, id FROM issue_types WHERE id = ANY(%(type_ids)s)
"""

SELECT_PROJECT_ISSUE_TYPES = """
SELECT t.id, t.name, t.description, t.subtask, t.hierarchy_level
FROM project_issue_types pt JOIN issue_types t ON t.id = pt.issue_type_id
WHERE pt.project_id = %(project_id)s ORDER BY t.id
"""

SELECT_ISSUE_TYPES = "SELECT id, name, description, subtask, hierarchy_level FROM issue_types ORDER BY id"
SELECT_PRIORITIES = "SELECT id, name, sequence FROM priorities ORDER BY sequence"
SELECT_STATUSES = "SELECT id, name, category FROM statuses ORDER BY id"
SELECT_RESOLUTIONS = "SELECT id, name, description FROM resolutions ORDER BY id"

# Statuses of every workflow the project's scheme uses.
SELECT_PROJECT_STATUSES = """
SELECT s.id, s.name, s.category
FROM projects p JOIN workflow_schemes sc ON sc.id = p.workflow_scheme_id
JOIN workflow_statuses ws ON ws.workflow_id = sc.default_workflow_id
    OR ws.workflow_id IN (SELECT m.workflow_id FROM workflow_scheme_mappings m WHERE m.scheme_id = sc.id)
JOIN statuses s ON s.id = ws.status_id
WHERE p.id = %(project_id)s GROUP BY s.id ORDER BY min(ws.position), s.id
"""
SCHEME_EXISTS = "SELECT EXISTS (SELECT 1 FROM workflow_schemes WHERE id = %(id)s)"
PERMISSION_SCHEME_EXISTS = "SELECT EXISTS (SELECT 1 FROM permission_schemes WHERE id = %(id)s)"

DELETE_PROJECT = "DELETE FROM projects WHERE id = %(id)s"
