-- Foundation: accounts, projects, issue metadata, issues, comments, history, outbox, idempotency.

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{0,59}$'),
    display_name  text NOT NULL,
    email         text,
    active        boolean NOT NULL DEFAULT true,
    is_admin      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE groups (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE group_members (
    group_id  bigint NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id   bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);

-- API tokens are random 256-bit secrets; only their SHA-256 digest is stored.
CREATE TABLE api_tokens (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          text NOT NULL,
    token_hash    text NOT NULL UNIQUE,
    token_prefix  text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Global issue metadata, as in Jira (shared by all projects).
CREATE TABLE issue_types (
    id           bigint PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    description  text NOT NULL DEFAULT '',
    subtask      boolean NOT NULL DEFAULT false,
    hierarchy_level int NOT NULL DEFAULT 0
);

CREATE TABLE priorities (
    id        bigint PRIMARY KEY,
    name      text NOT NULL UNIQUE,
    sequence  int NOT NULL
);

CREATE TABLE statuses (
    id        bigint PRIMARY KEY,
    name      text NOT NULL UNIQUE,
    category  text NOT NULL CHECK (category IN ('todo', 'in_progress', 'done'))
);
CREATE SEQUENCE statuses_id_seq START 10000 OWNED BY statuses.id;
ALTER TABLE statuses ALTER COLUMN id SET DEFAULT nextval('statuses_id_seq');

CREATE TABLE resolutions (
    id    bigint PRIMARY KEY,
    name  text NOT NULL UNIQUE,
    description text NOT NULL DEFAULT ''
);

-- Workflows: the foundation seeds one simple workflow; the workflow engine extends these tables.
CREATE TABLE workflows (
    id                 bigserial PRIMARY KEY,
    name               text NOT NULL UNIQUE,
    initial_status_id  bigint NOT NULL REFERENCES statuses(id)
);

CREATE TABLE workflow_statuses (
    workflow_id  bigint NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    status_id    bigint NOT NULL REFERENCES statuses(id),
    PRIMARY KEY (workflow_id, status_id)
);

CREATE TABLE workflow_transitions (
    id              bigserial PRIMARY KEY,
    workflow_id     bigint NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    name            text NOT NULL,
    from_status_id  bigint REFERENCES statuses(id),  -- NULL: a global transition, from any status
    to_status_id    bigint NOT NULL REFERENCES statuses(id),
    position        int NOT NULL DEFAULT 0
);
CREATE INDEX workflow_transitions_wf ON workflow_transitions (workflow_id);

CREATE TABLE projects (
    id           bigserial PRIMARY KEY,
    key          text NOT NULL UNIQUE CHECK (key ~ '^[A-Z][A-Z0-9]{1,9}$'),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    description  text NOT NULL DEFAULT '',
    lead_id      bigint NOT NULL REFERENCES users(id),
    workflow_id  bigint NOT NULL REFERENCES workflows(id),
    -- the last issue number handed out; bumped under the row lock of the creating transaction,
    -- so a rolled-back create gives its number back and keys have no gaps.
    issue_seq    int NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE project_issue_types (
    project_id     bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    issue_type_id  bigint NOT NULL REFERENCES issue_types(id),
    PRIMARY KEY (project_id, issue_type_id)
);

CREATE TABLE issues (
    id             bigserial PRIMARY KEY,
    project_id     bigint NOT NULL REFERENCES projects(id),
    number         int NOT NULL,
    key            text NOT NULL UNIQUE,
    issue_type_id  bigint NOT NULL REFERENCES issue_types(id),
    priority_id    bigint NOT NULL REFERENCES priorities(id),
    status_id      bigint NOT NULL REFERENCES statuses(id),
    resolution_id  bigint REFERENCES resolutions(id),
    summary        text NOT NULL CHECK (length(summary) BETWEEN 1 AND 255),
    description    text,
    assignee_id    bigint REFERENCES users(id),
    reporter_id    bigint NOT NULL REFERENCES users(id),
    labels         text[] NOT NULL DEFAULT '{}',
    due_date       date,
    story_points   numeric(10, 2),
    parent_id      bigint REFERENCES issues(id),
    custom_fields  jsonb NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    resolved_at    timestamptz,
    version        int NOT NULL DEFAULT 1,
    UNIQUE (project_id, number)
);
CREATE INDEX issues_project_status ON issues (project_id, status_id);
CREATE INDEX issues_assignee ON issues (assignee_id);
CREATE INDEX issues_reporter ON issues (reporter_id);
CREATE INDEX issues_parent ON issues (parent_id);
CREATE INDEX issues_updated ON issues (updated_at);
CREATE INDEX issues_created ON issues (created_at);
CREATE INDEX issues_labels ON issues USING gin (labels);
CREATE INDEX issues_custom_fields ON issues USING gin (custom_fields jsonb_path_ops);

CREATE TABLE comments (
    id          bigserial PRIMARY KEY,
    issue_id    bigint NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    author_id   bigint NOT NULL REFERENCES users(id),
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 32767),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comments_issue ON comments (issue_id, id);

-- One row per changed field. No foreign key to issues: the audit trail outlives a deleted issue.
-- change_id groups the rows of one write and equals the event_id of its outbox event.
-- Values are kept as Jira's changelog keeps them: an id-ish "value" and a display "string".
CREATE TABLE issue_history (
    id           bigserial PRIMARY KEY,
    issue_id     bigint NOT NULL,
    issue_key    text NOT NULL,
    project_id   bigint NOT NULL,
    change_id    uuid NOT NULL,
    actor_id     bigint REFERENCES users(id),
    occurred_at  timestamptz NOT NULL,
    field        text NOT NULL,
    field_type   text NOT NULL DEFAULT 'jira' CHECK (field_type IN ('jira', 'custom')),
    from_value   text,
    from_string  text,
    to_value     text,
    to_string    text,
    is_create    boolean NOT NULL DEFAULT false
);
-- History predicates (WAS, CHANGED) probe one issue's rows of one field; time ranges across all issues use
-- BRIN, which costs almost nothing on insert because history is appended in time order.
CREATE INDEX issue_history_issue_field ON issue_history (issue_id, field, occurred_at);
CREATE INDEX issue_history_time ON issue_history USING brin (occurred_at);
CREATE INDEX issue_history_change ON issue_history (change_id);

-- Transactional outbox: written in the same transaction as the change it describes.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    event_id     uuid NOT NULL UNIQUE,
    event_type   text NOT NULL,
    issue_id     bigint,
    issue_key    text,
    project_key  text,
    occurred_at  timestamptz NOT NULL,
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- NOTIFY is delivered at commit, so a listener never sees an event before its change is visible.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tracklake_outbox', NEW.id::text);
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION outbox_notify();

-- Stored responses for Idempotency-Key, scoped per user; kept 24 h.
CREATE TABLE idempotency_keys (
    user_id          bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key              text NOT NULL,
    method           text NOT NULL,
    path             text NOT NULL,
    request_hash     text NOT NULL,
    response_status  int NOT NULL,
    response_body    bytea NOT NULL,
    response_headers jsonb NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL DEFAULT now() + interval '24 hours',
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- Seed data. Ids follow Jira's so unmodified Jira clients find what they assume.
INSERT INTO issue_types (id, name, description, subtask, hierarchy_level) VALUES
    (10001, 'Task', 'A task that needs to be done.', false, 0),
    (10002, 'Bug', 'A problem which impairs or prevents the functions of the product.', false, 0),
    (10003, 'Story', 'A user story.', false, 0),
    (10004, 'Epic', 'A big user story that needs to be broken down.', false, 1),
    (10005, 'Sub-task', 'A small piece of work that is part of a larger task.', true, -1);

INSERT INTO priorities (id, name, sequence) VALUES
    (1, 'Highest', 1), (2, 'High', 2), (3, 'Medium', 3), (4, 'Low', 4), (5, 'Lowest', 5);

INSERT INTO statuses (id, name, category) VALUES
    (1, 'To Do', 'todo'), (3, 'In Progress', 'in_progress'), (10001, 'Done', 'done');
SELECT setval('statuses_id_seq', 10100);

INSERT INTO resolutions (id, name, description) VALUES
    (10000, 'Done', 'Work has been completed on this issue.'),
    (10001, 'Won''t Do', 'This issue won''t be actioned.'),
    (10002, 'Duplicate', 'The problem is a duplicate of an existing issue.'),
    (10003, 'Cannot Reproduce', 'The problem could not be reproduced.');

INSERT INTO workflows (id, name, initial_status_id) VALUES (1, 'Simple workflow', 1);
SELECT setval('workflows_id_seq', 1);
INSERT INTO workflow_statuses (workflow_id, status_id) VALUES (1, 1), (1, 3), (1, 10001);
INSERT INTO workflow_transitions (workflow_id, name, from_status_id, to_status_id, position) VALUES
    (1, 'Start Progress', 1, 3, 1),
    (1, 'Done', 3, 10001, 2),
    (1, 'Stop Progress', 3, 1, 3),
    (1, 'Reopen', 10001, 1, 4);
