"""SQL of the import domain."""

# Serializes imports: two runs of one bundle must not both decide that an issue is new.
IMPORT_LOCK = "SELECT pg_advisory_xact_lock(7314159267)"

# A join, not `external_id = ANY(...)`: with thousands of ids the planner would filter them one by one.
SELECT_MAPPED = """
SELECT m.external_id, m.local_id
FROM unnest(%(ids)s::text[]) AS x(id)
JOIN import_external_ids m ON m.source = %(source)s AND m.kind = %(kind)s AND m.external_id = x.id
"""
INSERT_MAPPING = """
INSERT INTO import_external_ids (source, kind, external_id, local_id) VALUES (%(source)s, %(kind)s, %(id)s, %(local)s)
ON CONFLICT (source, kind, external_id) DO UPDATE SET local_id = EXCLUDED.local_id
"""
SELECT_MAPPED_LOCAL_IDS = "SELECT local_id FROM import_external_ids WHERE source = %(source)s AND kind = %(kind)s"
COPY_MAPPINGS = "COPY import_external_ids (source, kind, external_id, local_id) FROM STDIN"

SELECT_USERS_BY_IDS = "SELECT id, username, display_name FROM users WHERE id = ANY(%(ids)s::bigint[])"
SELECT_USERS_BY_NAMES = "SELECT id, username, display_name FROM users WHERE username = ANY(%(names)s::text[])"
INSERT_USER = """
INSERT INTO users (username, display_name, email, active) VALUES (%(username)s, %(display_name)s, %(email)s, %(active)s)
ON CONFLICT (username) DO NOTHING
RETURNING id, username, display_name
"""

SELECT_STATUSES = "SELECT id, name, category FROM statuses"
SELECT_ISSUE_TYPES = "SELECT id, name FROM issue_types"
INSERT_ISSUE_TYPE = """
INSERT INTO issue_types (id, name, description, subtask, hierarchy_level)
SELECT greatest(coalesce(max(id), 0) + 1, 10100), %(name)s, 'Imported.', %(subtask)s, %(level)s FROM issue_types
RETURNING id, name
"""
SELECT_PRIORITIES = "SELECT id, name FROM priorities"
INSERT_PRIORITY = """
INSERT INTO priorities (id, name, sequence)
SELECT coalesce(max(id), 0) + 1, %(name)s, coalesce(max(sequence), 0) + 1 FROM priorities
RETURNING id, name
"""
SELECT_RESOLUTIONS = "SELECT id, name FROM resolutions"
INSERT_RESOLUTION = """
INSERT INTO resolutions (id, name, description)
SELECT greatest(coalesce(max(id), 0) + 1, 10100), %(name)s, 'Imported.' FROM resolutions
RETURNING id, name
"""

SELECT_PROJECT = "SELECT id, key, workflow_scheme_id FROM projects WHERE key = %(key)s"
SELECT_PROJECT_BY_ID = "SELECT id, key, workflow_scheme_id FROM projects WHERE id = %(id)s"
ENABLE_ISSUE_TYPES = """
INSERT INTO project_issue_types (project_id, issue_type_id)
SELECT %(project_id)s, unnest(%(type_ids)s::bigint[]) ON CONFLICT DO NOTHING
"""
SELECT_PROJECT_ISSUE_STATUSES = """
SELECT DISTINCT s.name FROM issues i JOIN statuses s ON s.id = i.status_id WHERE i.project_id = %(project_id)s
"""
WORKFLOW_NAME_TAKEN = "SELECT 1 FROM workflows WHERE lower(name) = lower(%(name)s)"
SCHEME_NAME_TAKEN = "SELECT 1 FROM workflow_schemes WHERE lower(name) = lower(%(name)s)"
WORKFLOW_EXISTS = "SELECT 1 FROM workflows WHERE id = %(id)s"

SELECT_LIVE_BOARD = "SELECT id, name, type FROM boards WHERE id = %(id)s AND deleted_at IS NULL"
SELECT_BOARD_COLUMNS = (
    "SELECT name, status_ids, min_issues, max_issues FROM board_columns WHERE board_id = %(id)s ORDER BY position"
)

SELECT_SPRINT_ROW = "SELECT * FROM sprints WHERE id = %(id)s"
SET_SPRINT_STATE = """
UPDATE sprints SET name = %(name)s, goal = %(goal)s, state = %(state)s, start_date = %(start)s, end_date = %(end)s,
                   activated_date = %(activated)s, complete_date = %(completed)s, updated_at = %(now)s
WHERE id = %(id)s
"""
SELECT_SPRINT_BY_EXTERNAL_ID = """
SELECT s.* FROM import_external_ids m JOIN sprints s ON s.id = m.local_id
WHERE m.source = %(source)s AND m.kind = 'sprint' AND m.external_id = %(id)s
"""

SELECT_ISSUES_BY_IDS = "SELECT id, key, version, project_id FROM issues WHERE id = ANY(%(ids)s::bigint[])"
SELECT_ISSUE_IDS_BY_KEYS = "SELECT id, key FROM issues WHERE key = ANY(%(keys)s::text[])"
SELECT_CHANGE_IDS = """
SELECT issue_id, array_agg(DISTINCT change_id::text) AS change_ids FROM issue_history
WHERE issue_id = ANY(%(ids)s::bigint[]) GROUP BY issue_id
"""
COUNT_ISSUES = "SELECT count(*) FROM issues"
NEXT_ISSUE_IDS = "SELECT nextval('issues_id_seq') AS id FROM generate_series(1, %(n)s)"
COPY_ISSUES = """
COPY issues (id, project_id, number, key, issue_type_id, priority_id, status_id, resolution_id, summary, description,
             assignee_id, reporter_id, labels, due_date, story_points, created_at, updated_at, resolved_at, version,
             custom_fields)
FROM STDIN
"""
UPDATE_ISSUE = """
UPDATE issues SET issue_type_id = %(issue_type_id)s, priority_id = %(priority_id)s, status_id = %(status_id)s,
                  resolution_id = %(resolution_id)s, summary = %(summary)s, description = %(description)s,
                  assignee_id = %(assignee_id)s, reporter_id = %(reporter_id)s, labels = %(labels)s,
                  due_date = %(due_date)s, story_points = %(story_points)s, updated_at = %(updated_at)s,
                  resolved_at = %(resolved_at)s, version = %(version)s,
                  custom_fields = (custom_fields - %(imported_fields)s::text[]) || %(custom_fields)s
WHERE id = %(id)s
"""
COPY_HISTORY = """
COPY issue_history (issue_id, issue_key, project_id, change_id, actor_id, occurred_at, field, field_type, from_value,
                    from_string, to_value, to_string, is_create)
FROM STDIN
"""
COPY_OUTBOX = """
COPY outbox (event_id, event_type, issue_id, issue_key, project_key, occurred_at, payload) FROM STDIN
"""
DELETE_ISSUE_SPRINTS = "DELETE FROM issue_sprints WHERE issue_id = ANY(%(ids)s::bigint[])"
COPY_ISSUE_SPRINTS = "COPY issue_sprints (issue_id, sprint_id) FROM STDIN"
SET_PARENTS = """
UPDATE issues i SET parent_id = p.parent_id
FROM unnest(%(ids)s::bigint[], %(parents)s::bigint[]) AS p(id, parent_id)
WHERE i.id = p.id AND i.parent_id IS DISTINCT FROM p.parent_id
"""
BUMP_ISSUE_SEQ = """
UPDATE projects p SET issue_seq = m.top
FROM (SELECT project_id, max(number) AS top FROM issues WHERE project_id = ANY(%(ids)s::bigint[]) GROUP BY project_id) m
WHERE p.id = m.project_id AND p.issue_seq < m.top
"""

SELECT_PROJECT_VERSIONS = (
    "SELECT id, name, released, release_date, archived FROM versions WHERE project_id = %(project_id)s ORDER BY id"
)
INSERT_VERSION = """
INSERT INTO versions (project_id, name, description, release_date, released, archived, sequence, created_at, updated_at)
VALUES (%(project_id)s, %(name)s, %(description)s, %(release_date)s::date, %(released)s, %(archived)s,
        (SELECT coalesce(max(sequence), 0) + 1 FROM versions WHERE project_id = %(project_id)s), %(now)s, %(now)s)
RETURNING id
"""
UPDATE_VERSION = """
UPDATE versions SET released = %(released)s, release_date = %(release_date)s::date, archived = %(archived)s,
                    updated_at = %(now)s
WHERE id = %(id)s
"""
SELECT_PROJECT_COMPONENTS = "SELECT id, name FROM components WHERE project_id = %(project_id)s ORDER BY id"
INSERT_COMPONENT = """
INSERT INTO components (project_id, name, created_at, updated_at) VALUES (%(project_id)s, %(name)s, %(now)s, %(now)s)
RETURNING id
"""
SELECT_LINK_TYPES = "SELECT id, name, outward, inward FROM link_types"
INSERT_LINK_TYPE = """
INSERT INTO link_types (name, outward, inward) VALUES (%(name)s, %(outward)s, %(inward)s) RETURNING id, name, outward, inward
"""

NEXT_COMMENT_IDS = "SELECT nextval('comments_id_seq') AS id FROM generate_series(1, %(n)s)"
COPY_COMMENTS = "COPY comments (id, issue_id, author_id, body, created_at, updated_at) FROM STDIN"
DELETE_ISSUE_MEMBERS = {
    table: f"DELETE FROM {table} WHERE issue_id = ANY(%(ids)s::bigint[])"
    for table in ("issue_fix_versions", "issue_affects_versions", "issue_components")
}
COPY_MEMBERS = {
    "issue_fix_versions": "COPY issue_fix_versions (issue_id, version_id) FROM STDIN",
    "issue_affects_versions": "COPY issue_affects_versions (issue_id, version_id) FROM STDIN",
    "issue_components": "COPY issue_components (issue_id, component_id) FROM STDIN",
}
# Issues imported from this source before, by key: the other ends of links.
SELECT_IMPORTED_BY_KEYS = """
SELECT i.id, i.key FROM issues i
JOIN import_external_ids m ON m.source = %(source)s AND m.kind = 'issue' AND m.local_id = i.id
WHERE i.key = ANY(%(keys)s::text[])
"""
# A link exists once per type and pair (both directions for a symmetric type like 'relates to').
INSERT_LINKS = """
INSERT INTO issue_links (link_type_id, source_issue_id, target_issue_id, created_at, created_by)
SELECT x.t, x.s, x.g, x.at, x.by
FROM unnest(%(types)s::bigint[], %(sources)s::bigint[], %(targets)s::bigint[], %(symmetric)s::boolean[],
            %(at)s::timestamptz[], %(by)s::bigint[]) AS x(t, s, g, sym, at, by)
WHERE NOT EXISTS (SELECT 1 FROM issue_links l WHERE l.link_type_id = x.t AND x.sym
                  AND l.source_issue_id = x.g AND l.target_issue_id = x.s)
ON CONFLICT (link_type_id, source_issue_id, target_issue_id) DO NOTHING
"""

INSERT_RUN = """
INSERT INTO import_runs (source, actor_id, started_at, counts, problems)
VALUES (%(source)s, %(actor_id)s, %(started_at)s, %(counts)s, %(problems)s)
RETURNING id
"""
