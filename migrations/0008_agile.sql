-- Agile: global issue rank, saved filters, boards (columns, quick filters), sprints and sprint membership,
-- versions, components, issue links, and the cache stamps that make cached board views safe.
--
-- The JQL catalog reads these tables by name (issue_sprints, sprints, versions, issue_fix_versions,
-- issue_affects_versions, components, issue_components, issue_links, link_types, saved_filters, boards,
-- board_columns); rename nothing without telling jql/.

-- ---------------------------------------------------------------------------------------------------------------
-- Rank: one global order of issues (backlogs, boards). Keys are base-36 strings compared byte-wise (COLLATE "C"),
-- so moving an issue between two others writes one row (tracker/agile/ranking.py computes the key in between).
-- New issues get the next key of a sequence: always below every ranked issue, without any lock, also for rows
-- written by COPY or by code that knows nothing about ranks. Keys never end in '0', so there is always room.
CREATE FUNCTION tracklake_base36(n bigint) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    digits constant text := '0123456789abcdefghijklmnopqrstuvwxyz';
    out text := '';
BEGIN
    IF n < 0 THEN
        RAISE EXCEPTION 'negative value %', n;
    END IF;
    LOOP
        out := substr(digits, (n % 36)::int + 1, 1) || out;
        n := n / 36;
        EXIT WHEN n = 0;
    END LOOP;
    RETURN out;
END $$;

CREATE SEQUENCE issue_rank_seq;
-- 'i' + 13 base-36 digits (every bigint fits) + 'i'; must match tracker/agile/ranking.py sequence_rank().
CREATE FUNCTION next_issue_rank() RETURNS text LANGUAGE sql VOLATILE AS $$
    SELECT 'i' || lpad(tracklake_base36(nextval('issue_rank_seq')), 13, '0') || 'i'
$$;

ALTER TABLE issues ADD COLUMN rank text COLLATE "C";
UPDATE issues SET rank = 'i' || lpad(tracklake_base36(o.n), 13, '0') || 'i'
FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM issues) o
WHERE o.id = issues.id;
SELECT setval('issue_rank_seq', greatest((SELECT count(*) FROM issues), 1), (SELECT count(*) > 0 FROM issues));
ALTER TABLE issues ALTER COLUMN rank SET DEFAULT next_issue_rank();
ALTER TABLE issues ALTER COLUMN rank SET NOT NULL;
CREATE UNIQUE INDEX issues_rank ON issues (rank);

-- ---------------------------------------------------------------------------------------------------------------
-- Saved filters: a named JQL query owned by a user; shared ones are visible to every logged-in user.
CREATE TABLE saved_filters (
    id           bigserial PRIMARY KEY,
    owner_id     bigint NOT NULL REFERENCES users(id),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    jql          text NOT NULL CHECK (length(jql) BETWEEN 1 AND 10000),
    description  text NOT NULL DEFAULT '',
    shared       boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX saved_filters_owner_name ON saved_filters (owner_id, lower(name));
CREATE INDEX saved_filters_shared ON saved_filters (id) WHERE shared;

-- ---------------------------------------------------------------------------------------------------------------
-- Boards: a saved filter shown as columns. project_id is the board's location (permissions, cache scope).
-- Deleting a board keeps the row (deleted_at): its sprints stay in issues' sprint history and in reports.
CREATE TABLE boards (
    id                 bigserial PRIMARY KEY,
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    type               text NOT NULL CHECK (type IN ('scrum', 'kanban')),
    project_id         bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    filter_id          bigint REFERENCES saved_filters(id) ON DELETE SET NULL,  -- set on every live board
    owner_id           bigint REFERENCES users(id),
    -- the estimation statistic of reports: story points, or every issue counts 1
    estimation         text NOT NULL DEFAULT 'story_points' CHECK (estimation IN ('story_points', 'issue_count')),
    swimlanes          text NOT NULL DEFAULT 'none' CHECK (swimlanes IN ('none', 'assignee', 'epic')),
    -- Kanban: issues in the rightmost column for longer than this are hidden (NULL: never hidden)
    done_max_age_days  int DEFAULT 14 CHECK (done_max_age_days BETWEEN 1 AND 3650),
    -- working time of the board's reports (burndown guideline, control chart): an IANA time zone, ISO weekdays
    -- (Monday = 1) and the non-working dates in board_non_working_days
    timezone           text NOT NULL DEFAULT 'UTC' CHECK (length(timezone) BETWEEN 1 AND 64),
    working_weekdays   int[] NOT NULL DEFAULT '{1,2,3,4,5}' CHECK (working_weekdays <@ '{1,2,3,4,5,6,7}'),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    deleted_at         timestamptz
);
CREATE INDEX boards_project ON boards (project_id) WHERE deleted_at IS NULL;
CREATE INDEX boards_filter ON boards (filter_id);

-- Ordered columns, each mapped to statuses. The rightmost column (highest position) is what "done" means for
-- the board's reports. A status is in at most one column of a board (checked by the application).
CREATE TABLE board_columns (
    id          bigserial PRIMARY KEY,
    board_id    bigint NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    position    int NOT NULL CHECK (position >= 0),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    status_ids  bigint[] NOT NULL DEFAULT '{}',
    min_issues  int CHECK (min_issues >= 0),
    max_issues  int CHECK (max_issues >= 1),
    CHECK (min_issues IS NULL OR max_issues IS NULL OR min_issues <= max_issues),
    UNIQUE (board_id, position)
);

CREATE TABLE board_non_working_days (
    board_id  bigint NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    day       date NOT NULL,
    PRIMARY KEY (board_id, day)
);

CREATE TABLE board_quick_filters (
    id           bigserial PRIMARY KEY,
    board_id     bigint NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    jql          text NOT NULL CHECK (length(jql) BETWEEN 1 AND 10000),
    description  text NOT NULL DEFAULT '',
    position     int NOT NULL DEFAULT 0
);
CREATE INDEX board_quick_filters_board ON board_quick_filters (board_id, position);

-- ---------------------------------------------------------------------------------------------------------------
-- Sprints belong to a board: future -> active -> closed. start_date/end_date are the planned dates (start_date is
-- the commitment instant of reports), activated_date is when it was actually started, complete_date when closed.
CREATE TABLE sprints (
    id              bigserial PRIMARY KEY,
    board_id        bigint NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    state           text NOT NULL DEFAULT 'future' CHECK (state IN ('future', 'active', 'closed')),
    goal            text NOT NULL DEFAULT '',
    start_date      timestamptz,
    end_date        timestamptz,
    activated_date  timestamptz,
    complete_date   timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    external_id     text UNIQUE,
    CHECK (start_date IS NULL OR end_date IS NULL OR end_date > start_date),
    CHECK (state = 'future' OR (start_date IS NOT NULL AND end_date IS NOT NULL AND activated_date IS NOT NULL)),
    CHECK ((state = 'closed') = (complete_date IS NOT NULL))
);
CREATE INDEX sprints_board ON sprints (board_id, id);
CREATE UNIQUE INDEX sprints_one_active_per_board ON sprints (board_id) WHERE state = 'active';

-- The sprints an issue is in now, plus the closed sprints it was in when they closed (Jira's Sprint field:
-- `sprint in closedSprints()` matches them). Every change is also a 'Sprint' history row of the issue.
CREATE TABLE issue_sprints (
    issue_id   bigint NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    sprint_id  bigint NOT NULL REFERENCES sprints(id) ON DELETE CASCADE,
    PRIMARY KEY (issue_id, sprint_id)
);
CREATE INDEX issue_sprints_sprint ON issue_sprints (sprint_id, issue_id);

-- ---------------------------------------------------------------------------------------------------------------
-- Versions (releases) and components, per project.
CREATE TABLE versions (
    id            bigserial PRIMARY KEY,
    project_id    bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    description   text NOT NULL DEFAULT '',
    start_date    date,
    release_date  date,
    released      boolean NOT NULL DEFAULT false,
    archived      boolean NOT NULL DEFAULT false,
    sequence      int NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (start_date IS NULL OR release_date IS NULL OR release_date >= start_date)
);
CREATE UNIQUE INDEX versions_project_name ON versions (project_id, lower(name));
CREATE INDEX versions_project_sequence ON versions (project_id, sequence);

CREATE TABLE issue_fix_versions (
    issue_id    bigint NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    version_id  bigint NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
    PRIMARY KEY (issue_id, version_id)
);
CREATE INDEX issue_fix_versions_version ON issue_fix_versions (version_id, issue_id);

CREATE TABLE issue_affects_versions (
    issue_id    bigint NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    version_id  bigint NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
    PRIMARY KEY (issue_id, version_id)
);
CREATE INDEX issue_affects_versions_version ON issue_affects_versions (version_id, issue_id);
-- jql.agile_fields() defaults to this name for affectedVersion; one table, two names.
CREATE VIEW issue_affected_versions AS SELECT issue_id, version_id FROM issue_affects_versions;

CREATE TABLE components (
    id                   bigserial PRIMARY KEY,
    project_id           bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    description          text NOT NULL DEFAULT '',
    lead_id              bigint REFERENCES users(id),
    default_assignee_id  bigint REFERENCES users(id),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX components_project_name ON components (project_id, lower(name));

CREATE TABLE issue_components (
    issue_id      bigint NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    component_id  bigint NOT NULL REFERENCES components(id) ON DELETE CASCADE,
    PRIMARY KEY (issue_id, component_id)
);
CREATE INDEX issue_components_component ON issue_components (component_id, issue_id);

-- ---------------------------------------------------------------------------------------------------------------
-- Issue links: a row means source --(outward)--> target, e.g. A blocks B; B shows it as "is blocked by A".
CREATE TABLE link_types (
    id        bigint PRIMARY KEY,
    name      text NOT NULL,
    outward   text NOT NULL,
    inward    text NOT NULL
);
CREATE UNIQUE INDEX link_types_name ON link_types (lower(name));
CREATE SEQUENCE link_types_id_seq START 10100 OWNED BY link_types.id;
ALTER TABLE link_types ALTER COLUMN id SET DEFAULT nextval('link_types_id_seq');
-- Jira's ids and names, so Jira clients and imports find what they assume.
INSERT INTO link_types (id, name, outward, inward) VALUES
    (10000, 'Blocks', 'blocks', 'is blocked by'),
    (10001, 'Cloners', 'clones', 'is cloned by'),
    (10002, 'Duplicate', 'duplicates', 'is duplicated by'),
    (10003, 'Relates', 'relates to', 'relates to');

CREATE TABLE issue_links (
    id               bigserial PRIMARY KEY,
    link_type_id     bigint NOT NULL REFERENCES link_types(id),
    source_issue_id  bigint NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    target_issue_id  bigint NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    created_by       bigint REFERENCES users(id),
    CHECK (source_issue_id <> target_issue_id),
    UNIQUE (link_type_id, source_issue_id, target_issue_id)
);
CREATE INDEX issue_links_source ON issue_links (source_issue_id);
CREATE INDEX issue_links_target ON issue_links (target_issue_id);

-- ---------------------------------------------------------------------------------------------------------------
-- Cache stamps. A cached board view is keyed by the stamps of what it shows ('project:<id>' for the issues of a
-- project, 'board:<id>' for a board's configuration and sprints, 'meta:<id>' for a project's versions and
-- components). A stamp changes in the transaction that changes the data, so the new value becomes visible
-- exactly at commit: a reader either sees the old stamp (and data at least as new) or the new stamp. Nothing has
-- to remember to invalidate after commit, whichever code wrote the issue.
CREATE SEQUENCE cache_stamp_seq;
CREATE TABLE cache_stamps (
    scope  text PRIMARY KEY,
    stamp  bigint NOT NULL
);

-- A random identity of this database, part of every cache key: two databases sharing one Redis (or a database
-- recreated from scratch, whose stamps start again at 1) never read each other's entries.
INSERT INTO cache_stamps (scope, stamp) VALUES ('instance', (random() * 9e18)::bigint);

CREATE FUNCTION touch_cache_stamp(p_scope text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO cache_stamps (scope, stamp) VALUES (p_scope, nextval('cache_stamp_seq'))
    ON CONFLICT (scope) DO UPDATE SET stamp = EXCLUDED.stamp
$$;

-- Every statement on `issues` notes the projects it touched in a transaction-local setting (no lock); a constraint
-- trigger deferred to commit then changes the stamps of all of them in one statement, in project order. So a stamp
-- row is locked only while its transaction commits, and two committing transactions that touched the same projects
-- lock them in the same order (no deadlock).
CREATE FUNCTION issues_note_projects() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pids text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT string_agg(DISTINCT project_id::text, ',') INTO pids FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT string_agg(DISTINCT project_id::text, ',') INTO pids FROM old_rows;
    ELSE
        SELECT string_agg(DISTINCT p::text, ',') INTO pids
        FROM (SELECT project_id AS p FROM new_rows UNION SELECT project_id FROM old_rows) x;
    END IF;
    IF pids IS NOT NULL THEN
        PERFORM set_config('tracklake.touched_projects',
                           coalesce(current_setting('tracklake.touched_projects', true), '') || ',' || pids, true);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER issues_note_insert AFTER INSERT ON issues REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION issues_note_projects();
CREATE TRIGGER issues_note_update AFTER UPDATE ON issues REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION issues_note_projects();
CREATE TRIGGER issues_note_delete AFTER DELETE ON issues REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION issues_note_projects();

CREATE FUNCTION issues_touch_cache_stamps() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched text := current_setting('tracklake.touched_projects', true);
BEGIN
    IF coalesce(touched, '') <> '' THEN
        PERFORM set_config('tracklake.touched_projects', '', true);
        INSERT INTO cache_stamps (scope, stamp)
        SELECT 'project:' || p, nextval('cache_stamp_seq')
        FROM (SELECT DISTINCT p::bigint AS p FROM unnest(string_to_array(touched, ',')) p WHERE p <> '') x
        ORDER BY p
        ON CONFLICT (scope) DO UPDATE SET stamp = EXCLUDED.stamp;
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER issues_cache_stamp AFTER INSERT OR UPDATE OR DELETE ON issues
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION issues_touch_cache_stamps();
