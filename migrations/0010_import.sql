-- Imports from other trackers (Jira): where every imported object came from, so that importing the same export
-- again finds it and changes nothing, and a newer export adds only what is new.
--
-- (source, kind, external_id) names an object of the other tracker, e.g. ('jira', 'sprint', '101') is Jira's
-- sprint 101; local_id is the tracklake row it became. History rows and events need no entry here: their ids are
-- derived deterministically from the other tracker's ids (uuid5), so they are found again by change_id.
CREATE TABLE import_external_ids (
    source       text NOT NULL CHECK (source ~ '^[a-z0-9][a-z0-9._-]{0,59}$'),
    kind         text NOT NULL CHECK (kind IN ('user', 'project', 'workflow', 'board', 'sprint', 'issue')),
    external_id  text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 255),
    local_id     bigint NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, kind, external_id)
);
CREATE INDEX import_external_ids_local ON import_external_ids (kind, local_id);

-- One row per import run (CLI or API, dry runs excepted): who ran it, what it did and what it rejected.
CREATE TABLE import_runs (
    id           bigserial PRIMARY KEY,
    source       text NOT NULL,
    actor_id     bigint REFERENCES users(id) ON DELETE SET NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL DEFAULT now(),
    counts       jsonb NOT NULL DEFAULT '{}',
    problems     jsonb NOT NULL DEFAULT '[]'
);
