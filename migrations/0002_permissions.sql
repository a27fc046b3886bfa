-- Permission schemes, project roles and their members.
--
-- A project points at one permission scheme; a scheme is a set of grants (permission, grantee). Whether an actor
-- holds a permission in a project is one query over these tables (see tracker/permissions.py).

CREATE TABLE project_roles (
    id           bigint PRIMARY KEY,
    name         text NOT NULL,
    description  text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX project_roles_name ON project_roles (lower(name));
CREATE SEQUENCE project_roles_id_seq START 10100 OWNED BY project_roles.id;
ALTER TABLE project_roles ALTER COLUMN id SET DEFAULT nextval('project_roles_id_seq');

-- Members of a role in one project: a user or a group (every member of the group).
CREATE TABLE project_role_actors (
    id          bigserial PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    role_id     bigint NOT NULL REFERENCES project_roles(id) ON DELETE CASCADE,
    user_id     bigint REFERENCES users(id) ON DELETE CASCADE,
    group_id    bigint REFERENCES groups(id) ON DELETE CASCADE,
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE UNIQUE INDEX project_role_actors_user ON project_role_actors (project_id, role_id, user_id)
    WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX project_role_actors_group ON project_role_actors (project_id, role_id, group_id)
    WHERE group_id IS NOT NULL;
CREATE INDEX project_role_actors_by_user ON project_role_actors (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX project_role_actors_by_group ON project_role_actors (group_id) WHERE group_id IS NOT NULL;
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE permission_schemes (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX permission_schemes_name ON permission_schemes (lower(name));

-- grantee_type decides which of user_id / group_id / role_id is set; the permission names are checked by the
-- application (tracker.permissions.Permission), so adding a permission needs no migration.
CREATE TABLE permission_grants (
    id            bigserial PRIMARY KEY,
    scheme_id     bigint NOT NULL REFERENCES permission_schemes(id) ON DELETE CASCADE,
    permission    text NOT NULL CHECK (permission ~ '^[A-Z][A-Z_]{2,63}$'),
    grantee_type  text NOT NULL CHECK (grantee_type IN
                      ('anyone', 'user', 'group', 'project_role', 'reporter', 'assignee', 'project_lead')),
    user_id       bigint REFERENCES users(id) ON DELETE CASCADE,
    group_id      bigint REFERENCES groups(id) ON DELETE CASCADE,
    role_id       bigint REFERENCES project_roles(id) ON DELETE CASCADE,
    CHECK ((user_id IS NOT NULL) = (grantee_type = 'user')),
    CHECK ((group_id IS NOT NULL) = (grantee_type = 'group')),
    CHECK ((role_id IS NOT NULL) = (grantee_type = 'project_role'))
);
CREATE UNIQUE INDEX permission_grants_unique ON permission_grants
    (scheme_id, permission, grantee_type, coalesce(user_id, 0), coalesce(group_id, 0), coalesce(role_id, 0));

ALTER TABLE projects ADD COLUMN permission_scheme_id bigint NOT NULL DEFAULT 1;

INSERT INTO project_roles (id, name, description) VALUES
    (10000, 'Users', 'People who use the project.'),
    (10001, 'Developers', 'People who work on the project''s issues.'),
    (10002, 'Administrators', 'People who administer the project.');

-- The default scheme keeps the foundation's behaviour: every logged-in user works on issues; the project lead
-- and the project's Administrators administer it and may edit or delete anyone's comments.
INSERT INTO permission_schemes (id, name, description) VALUES
    (1, 'Default permission scheme', 'Everyone works on issues; leads and Administrators administer the project.');
SELECT setval('permission_schemes_id_seq', 1);
ALTER TABLE projects ADD CONSTRAINT projects_permission_scheme
    FOREIGN KEY (permission_scheme_id) REFERENCES permission_schemes(id);
CREATE INDEX projects_permission_scheme ON projects (permission_scheme_id);

INSERT INTO permission_grants (scheme_id, permission, grantee_type)
SELECT 1, p, 'anyone' FROM unnest(ARRAY[
    'BROWSE_PROJECTS', 'CREATE_ISSUES', 'EDIT_ISSUES', 'DELETE_ISSUES', 'ASSIGN_ISSUES', 'ASSIGNABLE_USER',
    'TRANSITION_ISSUES', 'RESOLVE_ISSUES', 'CLOSE_ISSUES', 'ADD_COMMENTS', 'EDIT_OWN_COMMENTS',
    'DELETE_OWN_COMMENTS', 'LINK_ISSUES', 'MANAGE_SPRINTS']) AS p;
INSERT INTO permission_grants (scheme_id, permission, grantee_type)
SELECT 1, p, 'project_lead' FROM unnest(ARRAY['ADMINISTER_PROJECTS', 'EDIT_ALL_COMMENTS', 'DELETE_ALL_COMMENTS']) AS p;
INSERT INTO permission_grants (scheme_id, permission, grantee_type, role_id)
SELECT 1, p, 'project_role', 10002
FROM unnest(ARRAY['ADMINISTER_PROJECTS', 'EDIT_ALL_COMMENTS', 'DELETE_ALL_COMMENTS']) AS p;
