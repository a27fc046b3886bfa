"""SQL of the projects domain."""

PROJECT_COLUMNS = """
p.id, p.key, p.name, p.description, p.workflow_id, p.created_at,
u.username AS lead_username, u.display_name AS lead_display_name
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
INSERT INTO projects (key, name, description, lead_id, workflow_id)
VALUES (%(key)s, %(name)s, %(description)s, %(lead_id)s, %(workflow_id)s)
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

SELECT_WORKFLOW_STATUSES = """
SELECT s.id, s.name, s.category FROM workflow_statuses ws JOIN statuses s ON s.id = ws.status_id
WHERE ws.workflow_id = %(workflow_id)s ORDER BY s.id
"""

DELETE_PROJECT = "DELETE FROM projects WHERE id = %(id)s"
