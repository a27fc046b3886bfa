-- Typed custom fields. Values live in issues.custom_fields under the key 'customfield_<id>'; option, user and
-- version values are stored as ids, so renaming an option (or a user) rewrites no issue data.
--
-- Indexing: equality and membership on any custom field use the GIN jsonb_path_ops index of 0001
-- (custom_fields @> '{"customfield_10001": 10100}'); range-comparable types (number, date, datetime) and text
-- search get per-field expression indexes, created with the field (tracker/fields/indexes.py).

CREATE SEQUENCE custom_fields_id_seq START 10001;
CREATE TABLE custom_fields (
    id             bigint PRIMARY KEY DEFAULT nextval('custom_fields_id_seq'),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    description    text NOT NULL DEFAULT '',
    type           text NOT NULL,
    config         jsonb NOT NULL DEFAULT '{}',
    default_value  jsonb,
    required       boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    -- deleted fields are kept (names in history stay explained) but leave every context and every issue
    deleted_at     timestamptz
);
ALTER SEQUENCE custom_fields_id_seq OWNED BY custom_fields.id;
CREATE UNIQUE INDEX custom_fields_name ON custom_fields (lower(name)) WHERE deleted_at IS NULL;

-- Where a field applies: empty arrays mean every project / every issue type.
CREATE TABLE custom_field_contexts (
    id              bigserial PRIMARY KEY,
    field_id        bigint NOT NULL REFERENCES custom_fields(id) ON DELETE CASCADE,
    project_ids     bigint[] NOT NULL DEFAULT '{}',
    issue_type_ids  bigint[] NOT NULL DEFAULT '{}'
);
CREATE INDEX custom_field_contexts_field ON custom_field_contexts (field_id);
CREATE INDEX custom_field_contexts_projects ON custom_field_contexts USING gin (project_ids);

-- Options of select, multi-select, checkbox and cascading select fields; children of a cascading field's
-- option have parent_id set. Ids are global, so an option id alone identifies its field.
CREATE SEQUENCE custom_field_options_id_seq START 10100;
CREATE TABLE custom_field_options (
    id         bigint PRIMARY KEY DEFAULT nextval('custom_field_options_id_seq'),
    field_id   bigint NOT NULL REFERENCES custom_fields(id) ON DELETE CASCADE,
    parent_id  bigint REFERENCES custom_field_options(id) ON DELETE CASCADE,
    value      text NOT NULL CHECK (length(value) BETWEEN 1 AND 255),
    position   int NOT NULL DEFAULT 0,
    disabled   boolean NOT NULL DEFAULT false
);
ALTER SEQUENCE custom_field_options_id_seq OWNED BY custom_field_options.id;
CREATE UNIQUE INDEX custom_field_options_value ON custom_field_options (field_id, coalesce(parent_id, 0), lower(value));
CREATE INDEX custom_field_options_field ON custom_field_options (field_id, position);
