-- Configurable workflows: transitions with several source statuses, rules (conditions, validators,
-- post-functions) and screens; versions (drafts and the published history); workflow schemes mapping
-- (project, issue type) to a workflow; and the default software workflow new projects use.

ALTER TABLE workflows
    ADD COLUMN description text NOT NULL DEFAULT '',
    ADD COLUMN version     int NOT NULL DEFAULT 1,
    -- a fresh value at every published change; caches of parsed definitions are keyed by it, so a rolled-back
    -- change can never leave a stale entry behind (its revision is never seen again).
    ADD COLUMN revision    uuid NOT NULL DEFAULT gen_random_uuid(),
    ADD COLUMN created_at  timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN updated_at  timestamptz NOT NULL DEFAULT now();
ALTER TABLE workflows DROP CONSTRAINT workflows_name_key;
CREATE UNIQUE INDEX workflows_name ON workflows (lower(name));

-- statuses keep the order the administrator gave them
ALTER TABLE workflow_statuses ADD COLUMN position int NOT NULL DEFAULT 0;
UPDATE workflow_statuses ws SET position = s.rank
FROM (SELECT status_id, workflow_id,
             rank() OVER (PARTITION BY workflow_id ORDER BY CASE st.category WHEN 'todo' THEN 0
                                                             WHEN 'in_progress' THEN 1 ELSE 2 END, st.id) AS rank
      FROM workflow_statuses JOIN statuses st ON st.id = status_id) s
WHERE s.status_id = ws.status_id AND s.workflow_id = ws.workflow_id;

ALTER TABLE workflow_transitions
    ADD COLUMN description     text NOT NULL DEFAULT '',
    ADD COLUMN is_global       boolean NOT NULL DEFAULT false,
    ADD COLUMN from_status_ids bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN conditions      jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN validators      jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN post_functions  jsonb NOT NULL DEFAULT '[]',
    -- fields shown while running the transition: [{"field": "resolution", "required": true}, ...]
    ADD COLUMN screen          jsonb NOT NULL DEFAULT '[]',
    -- entering a done status sets the resolution and leaving one clears it, unless this is false
    ADD COLUMN auto_resolution boolean NOT NULL DEFAULT true;
UPDATE workflow_transitions
SET is_global = from_status_id IS NULL,
    from_status_ids = CASE WHEN from_status_id IS NULL THEN '{}' ELSE ARRAY[from_status_id] END;
ALTER TABLE workflow_transitions DROP COLUMN from_status_id;
ALTER TABLE workflow_transitions ADD CHECK (is_global OR cardinality(from_status_ids) > 0);

-- Drafts (at most one per workflow) and the definitions of earlier published versions, as JSON documents.
-- The published version itself lives in workflows / workflow_statuses / workflow_transitions.
CREATE TABLE workflow_versions (
    workflow_id   bigint NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    version       int NOT NULL,
    state         text NOT NULL CHECK (state IN ('draft', 'archived')),
    definition    jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    bigint REFERENCES users(id) ON DELETE SET NULL,
    published_at  timestamptz,
    published_by  bigint REFERENCES users(id) ON DELETE SET NULL,
    PRIMARY KEY (workflow_id, version)
);
CREATE UNIQUE INDEX workflow_versions_one_draft ON workflow_versions (workflow_id) WHERE state = 'draft';

CREATE TABLE workflow_schemes (
    id                   bigserial PRIMARY KEY,
    name                 text NOT NULL,
    description          text NOT NULL DEFAULT '',
    default_workflow_id  bigint NOT NULL REFERENCES workflows(id)
);
CREATE UNIQUE INDEX workflow_schemes_name ON workflow_schemes (lower(name));

CREATE TABLE workflow_scheme_mappings (
    scheme_id      bigint NOT NULL REFERENCES workflow_schemes(id) ON DELETE CASCADE,
    issue_type_id  bigint NOT NULL REFERENCES issue_types(id),
    workflow_id    bigint NOT NULL REFERENCES workflows(id),
    PRIMARY KEY (scheme_id, issue_type_id)
);
CREATE INDEX workflow_scheme_mappings_workflow ON workflow_scheme_mappings (workflow_id);
CREATE INDEX workflow_schemes_default ON workflow_schemes (default_workflow_id);

-- The default software workflow.
INSERT INTO statuses (id, name, category) VALUES (10002, 'In Review', 'in_progress');
INSERT INTO workflows (id, name, description, initial_status_id) VALUES
    (2, 'Software workflow', 'To Do, In Progress, In Review, Done, with back-moves and a global Done.', 1);
SELECT setval('workflows_id_seq', 100);
INSERT INTO workflow_statuses (workflow_id, status_id, position) VALUES (2, 1, 1), (2, 3, 2), (2, 10002, 3), (2, 10001, 4);
INSERT INTO workflow_transitions (workflow_id, name, is_global, from_status_ids, to_status_id, position, screen) VALUES
    (2, 'Start Progress', false, '{1}', 3, 1, '[]'),
    (2, 'Request Review', false, '{3}', 10002, 2, '[]'),
    (2, 'Stop Progress', false, '{3}', 1, 3, '[]'),
    (2, 'Request Changes', false, '{10002}', 3, 4, '[]'),
    (2, 'Done', true, '{}', 10001, 5, '[{"field": "resolution", "required": false}]'),
    (2, 'Reopen', false, '{10001}', 1, 6, '[]');
UPDATE workflow_transitions SET screen = '[{"field": "resolution", "required": false}]'
WHERE workflow_id = 1 AND to_status_id = 10001;

INSERT INTO workflow_schemes (id, name, description, default_workflow_id) VALUES
    (1, 'Simple workflow scheme', 'Every issue type uses the simple workflow.', 1),
    (2, 'Software workflow scheme', 'Every issue type uses the software workflow.', 2);
SELECT setval('workflow_schemes_id_seq', 100);

-- Projects created before schemes keep the simple workflow; new projects get scheme 2 from the application.
-- projects.workflow_id stays as a copy of the scheme's default workflow for readers that predate schemes.
ALTER TABLE projects ADD COLUMN workflow_scheme_id bigint NOT NULL DEFAULT 1 REFERENCES workflow_schemes(id);
CREATE INDEX projects_workflow_scheme ON projects (workflow_scheme_id);
