"""SQL of the workflows domain."""

# The workflow an issue of type `{type}` in project `p` follows: its scheme's mapping for the type, else the
# scheme's default. Used as joins after `projects p` (and `issues i` for the type).
EFFECTIVE_WORKFLOW_JOINS = """
JOIN workflow_schemes wsc ON wsc.id = p.workflow_scheme_id
LEFT JOIN workflow_scheme_mappings wsm ON wsm.scheme_id = wsc.id AND wsm.issue_type_id = {type}
JOIN workflows wf ON wf.id = COALESCE(wsm.workflow_id, wsc.default_workflow_id)
"""

SELECT_WORKFLOW_FOR = (
    "SELECT wf.id, wf.initial_status_id FROM projects p "
    + EFFECTIVE_WORKFLOW_JOINS.format(type="%(issue_type_id)s")
    + " WHERE p.id = %(project_id)s"
)

SELECT_WORKFLOW = """
SELECT id, name, description, initial_status_id, version, revision, created_at, updated_at
FROM workflows WHERE id = %(id)s
"""
LOCK_WORKFLOW = "SELECT id FROM workflows WHERE id = %(id)s FOR UPDATE"
SELECT_WORKFLOWS = """
SELECT w.id, w.name, w.description, w.version, w.updated_at,
       EXISTS (SELECT 1 FROM workflow_versions v WHERE v.workflow_id = w.id AND v.state = 'draft') AS has_draft
FROM workflows w ORDER BY w.id
"""
SELECT_WORKFLOW_STATUSES = """
SELECT s.id, s.name, s.category FROM workflow_statuses ws JOIN statuses s ON s.id = ws.status_id
WHERE ws.workflow_id = %(id)s ORDER BY ws.position, s.id
"""
SELECT_TRANSITIONS = """
SELECT id, name, description, is_global, from_status_ids, to_status_id, position, conditions, validators,
       post_functions, screen, auto_resolution
FROM workflow_transitions WHERE workflow_id = %(id)s ORDER BY position, id
"""
WORKFLOW_NAME_TAKEN = "SELECT id FROM workflows WHERE lower(name) = lower(%(name)s) AND id <> %(id)s"

INSERT_WORKFLOW = """
INSERT INTO workflows (name, description, initial_status_id) VALUES (%(name)s, %(description)s, %(initial)s)
RETURNING id
"""
UPDATE_WORKFLOW = """
UPDATE workflows SET name = %(name)s, description = %(description)s, initial_status_id = %(initial)s,
                     version = %(version)s, revision = gen_random_uuid(), updated_at = now()
WHERE id = %(id)s
"""
DELETE_WORKFLOW_STATUSES = "DELETE FROM workflow_statuses WHERE workflow_id = %(id)s"
INSERT_WORKFLOW_STATUSES = """
INSERT INTO workflow_statuses (workflow_id, status_id, position)
SELECT %(id)s, s.id, s.n FROM unnest(%(status_ids)s::bigint[]) WITH ORDINALITY AS s(id, n)
"""
DELETE_OTHER_TRANSITIONS = """
DELETE FROM workflow_transitions WHERE workflow_id = %(id)s AND NOT (id = ANY(%(keep)s::bigint[]))
"""
UPDATE_TRANSITION = """
UPDATE workflow_transitions
SET name = %(name)s, description = %(description)s, is_global = %(is_global)s, from_status_ids = %(from_ids)s,
    to_status_id = %(to)s, position = %(position)s, conditions = %(conditions)s, validators = %(validators)s,
    post_functions = %(post_functions)s, screen = %(screen)s, auto_resolution = %(auto_resolution)s
WHERE id = %(tid)s AND workflow_id = %(id)s
"""
INSERT_TRANSITION = """
INSERT INTO workflow_transitions (workflow_id, name, description, is_global, from_status_ids, to_status_id, position,
                                  conditions, validators, post_functions, screen, auto_resolution)
VALUES (%(id)s, %(name)s, %(description)s, %(is_global)s, %(from_ids)s, %(to)s, %(position)s, %(conditions)s,
        %(validators)s, %(post_functions)s, %(screen)s, %(auto_resolution)s)
"""
DELETE_WORKFLOW = "DELETE FROM workflows WHERE id = %(id)s"

SELECT_DRAFT = """
SELECT version, definition, created_at, created_by FROM workflow_versions
WHERE workflow_id = %(id)s AND state = 'draft'
"""
UPSERT_DRAFT = """
INSERT INTO workflow_versions (workflow_id, version, state, definition, created_by)
VALUES (%(id)s, %(version)s, 'draft', %(definition)s, %(actor_id)s)
ON CONFLICT (workflow_id, version) DO UPDATE SET definition = EXCLUDED.definition, created_by = EXCLUDED.created_by,
                                                 created_at = now()
"""
DELETE_DRAFT = "DELETE FROM workflow_versions WHERE workflow_id = %(id)s AND state = 'draft' RETURNING version"
ARCHIVE_VERSION = """
INSERT INTO workflow_versions (workflow_id, version, state, definition, created_by, published_at, published_by)
VALUES (%(id)s, %(version)s, 'archived', %(definition)s, %(actor_id)s, now(), %(actor_id)s)
ON CONFLICT (workflow_id, version) DO NOTHING
"""
SELECT_VERSIONS = """
SELECT version, state, created_at, published_at FROM workflow_versions WHERE workflow_id = %(id)s ORDER BY version
"""

# Whether any issue follows the workflow (then edits go through a draft and a publish).
WORKFLOW_IN_USE = (
    "SELECT EXISTS (SELECT 1 FROM issues i JOIN projects p ON p.id = i.project_id "
    + EFFECTIVE_WORKFLOW_JOINS.format(type="i.issue_type_id")
    + " WHERE wf.id = %(id)s)"
)
WORKFLOW_SCHEMES_USING = """
SELECT DISTINCT s.id, s.name FROM workflow_schemes s
LEFT JOIN workflow_scheme_mappings m ON m.scheme_id = s.id
WHERE s.default_workflow_id = %(id)s OR m.workflow_id = %(id)s ORDER BY s.id
"""
PROJECTS_USING_WORKFLOW = """
SELECT DISTINCT p.id FROM projects p JOIN workflow_schemes s ON s.id = p.workflow_scheme_id
LEFT JOIN workflow_scheme_mappings m ON m.scheme_id = s.id
WHERE s.default_workflow_id = %(id)s OR m.workflow_id = %(id)s
"""

SELECT_ALL_STATUSES = "SELECT id, name, category FROM statuses"
INSERT_STATUS = "INSERT INTO statuses (name, category) VALUES (%(name)s, %(category)s) RETURNING id, name, category"

# Issues whose status is not in the workflow they now follow (after a publish or a scheme change).
SELECT_STRANDED = (
    """
SELECT i.id, i.status_id, s.name AS status_name, wf.id AS workflow_id, wf.name AS workflow_name
FROM issues i JOIN projects p ON p.id = i.project_id JOIN statuses s ON s.id = i.status_id
"""
    + EFFECTIVE_WORKFLOW_JOINS.format(type="i.issue_type_id")
    + """
WHERE (%(project_ids)s::bigint[] IS NULL OR i.project_id = ANY(%(project_ids)s::bigint[]))
  AND NOT EXISTS (SELECT 1 FROM workflow_statuses ws WHERE ws.workflow_id = wf.id AND ws.status_id = i.status_id)
ORDER BY i.id
FOR UPDATE OF i
"""
)
SELECT_WORKFLOW_STATUS_IDS = "SELECT workflow_id, status_id FROM workflow_statuses WHERE workflow_id = ANY(%(ids)s)"

# Workflow schemes.
SELECT_SCHEMES = """
SELECT s.id, s.name, s.description, s.default_workflow_id,
       coalesce((SELECT json_object_agg(m.issue_type_id::text, m.workflow_id) FROM workflow_scheme_mappings m
                 WHERE m.scheme_id = s.id), '{}') AS mappings,
       (SELECT coalesce(array_agg(p.key ORDER BY p.key), '{}') FROM projects p WHERE p.workflow_scheme_id = s.id)
           AS projects
FROM workflow_schemes s
"""
SELECT_SCHEME = SELECT_SCHEMES + " WHERE s.id = %(id)s"
LOCK_SCHEME = "SELECT id FROM workflow_schemes WHERE id = %(id)s FOR UPDATE"
SCHEME_NAME_TAKEN = "SELECT id FROM workflow_schemes WHERE lower(name) = lower(%(name)s) AND id <> %(id)s"
INSERT_SCHEME = """
INSERT INTO workflow_schemes (name, description, default_workflow_id) VALUES (%(name)s, %(description)s, %(default)s)
RETURNING id
"""
UPDATE_SCHEME = """
UPDATE workflow_schemes SET name = %(name)s, description = %(description)s, default_workflow_id = %(default)s
WHERE id = %(id)s
"""
DELETE_SCHEME_MAPPINGS = "DELETE FROM workflow_scheme_mappings WHERE scheme_id = %(id)s"
INSERT_SCHEME_MAPPING = """
INSERT INTO workflow_scheme_mappings (scheme_id, issue_type_id, workflow_id) VALUES (%(id)s, %(type_id)s, %(wf)s)
"""
DELETE_SCHEME = "DELETE FROM workflow_schemes WHERE id = %(id)s"
SCHEME_PROJECT_IDS = "SELECT id FROM projects WHERE workflow_scheme_id = %(id)s"
# projects.workflow_id mirrors the scheme's default workflow for readers that predate schemes.
SYNC_PROJECT_WORKFLOW = """
UPDATE projects p SET workflow_id = s.default_workflow_id FROM workflow_schemes s
WHERE s.id = p.workflow_scheme_id AND (p.workflow_scheme_id = %(scheme_id)s OR p.id = %(project_id)s)
"""
SET_PROJECT_SCHEME = "UPDATE projects SET workflow_scheme_id = %(scheme_id)s WHERE id = %(project_id)s"
