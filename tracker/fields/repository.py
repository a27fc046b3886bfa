"""SQL of the custom fields domain."""

# A definition with its options and contexts, as one row.
FIELD_SELECT = """
SELECT f.id, f.name, f.description, f.type, f.config, f.default_value, f.required, f.created_at, f.updated_at,
       coalesce((SELECT json_agg(json_build_object('id', o.id, 'value', o.value, 'parent_id', o.parent_id,
                                                   'position', o.position, 'disabled', o.disabled)
                                 ORDER BY o.parent_id NULLS FIRST, o.position, o.id)
                 FROM custom_field_options o WHERE o.field_id = f.id), '[]') AS options,
       coalesce((SELECT json_agg(json_build_object('id', c.id, 'project_ids', c.project_ids,
                                                   'issue_type_ids', c.issue_type_ids) ORDER BY c.id)
                 FROM custom_field_contexts c WHERE c.field_id = f.id), '[]') AS contexts
FROM custom_fields f
"""

SELECT_FIELDS = FIELD_SELECT + " WHERE f.deleted_at IS NULL ORDER BY f.id"
SELECT_FIELDS_BY_IDS = FIELD_SELECT + " WHERE f.deleted_at IS NULL AND f.id = ANY(%(ids)s) ORDER BY f.id"
SELECT_FIELD = FIELD_SELECT + " WHERE f.deleted_at IS NULL AND f.id = %(id)s"
LOCK_FIELD = "SELECT id FROM custom_fields WHERE id = %(id)s AND deleted_at IS NULL FOR UPDATE"

# Fields that apply to issues of one type in one project.
SELECT_APPLICABLE = (
    FIELD_SELECT
    + """
WHERE f.deleted_at IS NULL AND EXISTS (
    SELECT 1 FROM custom_field_contexts c
    WHERE c.field_id = f.id
      AND (c.project_ids = '{}' OR %(project_id)s = ANY(c.project_ids))
      AND (c.issue_type_ids = '{}' OR %(issue_type_id)s = ANY(c.issue_type_ids)))
ORDER BY f.id
"""
)

# Fields of any context touching a project (the project's field list).
SELECT_PROJECT_FIELDS = (
    FIELD_SELECT
    + """
WHERE f.deleted_at IS NULL AND EXISTS (
    SELECT 1 FROM custom_field_contexts c
    WHERE c.field_id = f.id AND (c.project_ids = '{}' OR %(project_id)s = ANY(c.project_ids)))
ORDER BY f.id
"""
)

INSERT_FIELD = """
INSERT INTO custom_fields (name, description, type, config, default_value, required)
VALUES (%(name)s, %(description)s, %(type)s, %(config)s, %(default_value)s, %(required)s)
RETURNING id
"""

UPDATE_FIELD = """
UPDATE custom_fields SET name = %(name)s, description = %(description)s, config = %(config)s,
                         default_value = %(default_value)s, required = %(required)s, updated_at = now()
WHERE id = %(id)s
"""

NAME_TAKEN = """
SELECT id FROM custom_fields WHERE lower(name) = lower(%(name)s) AND deleted_at IS NULL AND id <> %(id)s
"""

SOFT_DELETE_FIELD = "UPDATE custom_fields SET deleted_at = now(), updated_at = now() WHERE id = %(id)s"
DELETE_CONTEXTS = "DELETE FROM custom_field_contexts WHERE field_id = %(id)s"
INSERT_CONTEXT = """
INSERT INTO custom_field_contexts (field_id, project_ids, issue_type_ids)
VALUES (%(field_id)s, %(project_ids)s, %(issue_type_ids)s)
"""
# Values of a deleted field leave every issue (without a version bump: the field no longer exists).
STRIP_VALUES = """
UPDATE issues SET custom_fields = custom_fields - %(key)s::text WHERE custom_fields ? %(key)s::text
"""

INSERT_OPTION = """
INSERT INTO custom_field_options (field_id, parent_id, value, position, disabled)
VALUES (%(field_id)s, %(parent_id)s, %(value)s,
        coalesce(%(position)s, (SELECT coalesce(max(position), 0) + 1 FROM custom_field_options
                                WHERE field_id = %(field_id)s AND parent_id IS NOT DISTINCT FROM %(parent_id)s)),
        %(disabled)s)
ON CONFLICT DO NOTHING
RETURNING id
"""
UPDATE_OPTION = """
UPDATE custom_field_options SET value = coalesce(%(value)s, value), position = coalesce(%(position)s, position),
                                disabled = coalesce(%(disabled)s, disabled)
WHERE id = %(id)s AND field_id = %(field_id)s
RETURNING id
"""
OPTION_VALUE_TAKEN = """
SELECT id FROM custom_field_options
WHERE field_id = %(field_id)s AND parent_id IS NOT DISTINCT FROM %(parent_id)s AND lower(value) = lower(%(value)s)
  AND id <> %(id)s
"""
DELETE_OPTION = "DELETE FROM custom_field_options WHERE id = %(id)s AND field_id = %(field_id)s"
# Whether any issue holds an option (scalar or inside an array): both shapes are served by the GIN index.
OPTION_IN_USE = """
SELECT EXISTS (SELECT 1 FROM issues WHERE custom_fields @> %(scalar)s OR custom_fields @> %(array)s)
"""

SELECT_PROJECT_IDS_BY_KEYS = "SELECT id, key FROM projects WHERE key = ANY(%(keys)s)"
SELECT_PROJECT_KEYS_BY_IDS = "SELECT id, key FROM projects WHERE id = ANY(%(ids)s)"
SELECT_TYPES = "SELECT id, name FROM issue_types"
