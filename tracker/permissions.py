"""Permissions: one load-and-authorize path for every action and read.

A project points at a permission scheme, a set of grants `(permission, grantee)`. What an actor holds in a
project is computed by ONE SQL fragment (`GRANTS_LATERAL`), joined laterally into the query that loads the
project or the issue, so loading and authorizing is one round trip. The result, `ProjectGrants`, separates
permissions held outright from those held only on issues the actor reports or is assigned to.

System administrators (`users.is_admin`, the global ADMINISTER permission) hold every project permission.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from tracker.accounts.models import Actor
from tracker.db import Conn, fetch_all, fetch_one
from tracker.errors import Forbidden, NotFound


class Permission(enum.StrEnum):
    """Project permissions, granted by a project's permission scheme."""

    BROWSE_PROJECTS = "BROWSE_PROJECTS"
    CREATE_ISSUES = "CREATE_ISSUES"
    EDIT_ISSUES = "EDIT_ISSUES"
    DELETE_ISSUES = "DELETE_ISSUES"
    ASSIGN_ISSUES = "ASSIGN_ISSUES"
    ASSIGNABLE_USER = "ASSIGNABLE_USER"
    TRANSITION_ISSUES = "TRANSITION_ISSUES"
    RESOLVE_ISSUES = "RESOLVE_ISSUES"
    CLOSE_ISSUES = "CLOSE_ISSUES"
    ADD_COMMENTS = "ADD_COMMENTS"
    EDIT_OWN_COMMENTS = "EDIT_OWN_COMMENTS"
    EDIT_ALL_COMMENTS = "EDIT_ALL_COMMENTS"
    DELETE_OWN_COMMENTS = "DELETE_OWN_COMMENTS"
    DELETE_ALL_COMMENTS = "DELETE_ALL_COMMENTS"
    LINK_ISSUES = "LINK_ISSUES"
    MANAGE_SPRINTS = "MANAGE_SPRINTS"
    ADMINISTER_PROJECTS = "ADMINISTER_PROJECTS"


class GlobalPermission(enum.StrEnum):
    """Permissions that are not about one project."""

    ADMINISTER = "ADMINISTER"  # administer the system: users, groups, projects, schemes, workflows, fields


class Grantee(enum.StrEnum):
    """Who a grant is for."""

    ANYONE = "anyone"  # any logged-in user
    USER = "user"
    GROUP = "group"
    PROJECT_ROLE = "project_role"
    REPORTER = "reporter"
    ASSIGNEE = "assignee"
    PROJECT_LEAD = "project_lead"


DESCRIPTIONS: dict[Permission, str] = {
    Permission.BROWSE_PROJECTS: "See the project and its issues",
    Permission.CREATE_ISSUES: "Create issues",
    Permission.EDIT_ISSUES: "Edit issues",
    Permission.DELETE_ISSUES: "Delete issues",
    Permission.ASSIGN_ISSUES: "Assign issues to people",
    Permission.ASSIGNABLE_USER: "Be assigned issues",
    Permission.TRANSITION_ISSUES: "Move issues through their workflow",
    Permission.RESOLVE_ISSUES: "Set and clear the resolution of issues",
    Permission.CLOSE_ISSUES: "Move issues into a done status",
    Permission.ADD_COMMENTS: "Comment on issues",
    Permission.EDIT_OWN_COMMENTS: "Edit one's own comments",
    Permission.EDIT_ALL_COMMENTS: "Edit anyone's comments",
    Permission.DELETE_OWN_COMMENTS: "Delete one's own comments",
    Permission.DELETE_ALL_COMMENTS: "Delete anyone's comments",
    Permission.LINK_ISSUES: "Link issues",
    Permission.MANAGE_SPRINTS: "Create, start and close sprints",
    Permission.ADMINISTER_PROJECTS: "Administer the project: its details and role members",
}

# What the actor holds in the project of alias `p` (a projects row), for %(actor_id)s. Grants to the reporter
# or the assignee are kept apart: they only count on issues the actor reports or is assigned to.
GRANTS_LATERAL = """
JOIN LATERAL (
    SELECT coalesce(array_agg(DISTINCT g.permission)
                    FILTER (WHERE g.grantee_type NOT IN ('reporter', 'assignee')), '{}') AS perm_always,
           coalesce(array_agg(DISTINCT g.permission) FILTER (WHERE g.grantee_type = 'reporter'), '{}')
               AS perm_reporter,
           coalesce(array_agg(DISTINCT g.permission) FILTER (WHERE g.grantee_type = 'assignee'), '{}')
               AS perm_assignee
    FROM permission_grants g
    WHERE g.scheme_id = p.permission_scheme_id
      AND (g.grantee_type IN ('anyone', 'reporter', 'assignee')
           OR (g.grantee_type = 'user' AND g.user_id = %(actor_id)s)
           OR (g.grantee_type = 'project_lead' AND p.lead_id = %(actor_id)s)
           OR (g.grantee_type = 'group'
               AND g.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = %(actor_id)s))
           OR (g.grantee_type = 'project_role' AND EXISTS (
                   SELECT 1 FROM project_role_actors ra
                   WHERE ra.project_id = p.id AND ra.role_id = g.role_id
                     AND (ra.user_id = %(actor_id)s
                          OR ra.group_id IN (SELECT gm.group_id FROM group_members gm
                                             WHERE gm.user_id = %(actor_id)s)))))
) grants ON true
"""

SELECT_GRANTS = f"""
SELECT p.id AS project_id, p.key, grants.* FROM projects p {GRANTS_LATERAL}
WHERE (%(project_ids)s::bigint[] IS NULL OR p.id = ANY(%(project_ids)s::bigint[]))
"""


@dataclass(frozen=True, slots=True)
class ProjectGrants:
    """The permissions one actor holds in one project."""

    project_id: int
    actor_id: int
    admin: bool
    always: frozenset[str]
    as_reporter: frozenset[str] = frozenset()
    as_assignee: frozenset[str] = frozenset()

    @classmethod
    def from_row(cls, actor: Actor | int, row: Mapping[str, Any], project_id: int | None = None) -> ProjectGrants:
        """Grants from a row carrying perm_always / perm_reporter / perm_assignee (see GRANTS_LATERAL)."""
        actor_id = actor if isinstance(actor, int) else actor.id
        admin = False if isinstance(actor, int) else actor.is_admin
        return cls(
            project_id=project_id if project_id is not None else row["project_id"],
            actor_id=actor_id,
            admin=admin,
            always=frozenset(row.get("perm_always") or ()),
            as_reporter=frozenset(row.get("perm_reporter") or ()),
            as_assignee=frozenset(row.get("perm_assignee") or ()),
        )

    def allows(self, permission: Permission, issue: Mapping[str, Any] | None = None) -> bool:
        """Whether the permission is held, in the project or (for reporter/assignee grants) on `issue`."""
        if self.admin or permission in self.always:
            return True
        if issue is None:
            return False
        return (permission in self.as_reporter and issue.get("reporter_id") == self.actor_id) or (
            permission in self.as_assignee and issue.get("assignee_id") == self.actor_id
        )

    def sees_project(self) -> bool:
        """Whether the project is visible at all (browse held outright or on some issues)."""
        browse = Permission.BROWSE_PROJECTS
        return self.admin or browse in self.always or browse in self.as_reporter or browse in self.as_assignee

    def held(self, issue: Mapping[str, Any] | None = None) -> list[Permission]:
        """Every permission held (on `issue` when given), in enum order."""
        return [p for p in Permission if self.allows(p, issue)]


def grants_of(row: Mapping[str, Any]) -> ProjectGrants | None:
    """The grants a load-and-authorize query attached to a project or issue row, if any."""
    grants = row.get("grants")
    return grants if isinstance(grants, ProjectGrants) else None


async def project_grants(
    conn: Conn, actor: Actor | int, project_ids: Collection[int] | None = None
) -> dict[int, ProjectGrants]:
    """Grants of the actor (or of the user with that id) in the given projects (None: all), in one query."""
    actor_id = actor if isinstance(actor, int) else actor.id
    ids = None if project_ids is None else sorted(set(project_ids))
    rows = await fetch_all(conn, SELECT_GRANTS, {"actor_id": actor_id, "project_ids": ids})
    return {r["project_id"]: ProjectGrants.from_row(actor, r) for r in rows}


async def _grants(conn: Conn, actor: Actor, project: Mapping[str, Any]) -> ProjectGrants:
    attached = grants_of(project)
    if attached is not None and attached.actor_id == actor.id:
        return attached
    project_id: int = project["project_id"] if "project_id" in project else project["id"]
    if actor.is_admin:
        return ProjectGrants(project_id=project_id, actor_id=actor.id, admin=True, always=frozenset())
    found = await project_grants(conn, actor, [project_id])
    return found.get(project_id) or ProjectGrants(project_id, actor.id, False, frozenset())


async def has_project_permission(
    conn: Conn,
    actor: Actor,
    project: Mapping[str, Any],
    permission: Permission,
    issue: Mapping[str, Any] | None = None,
) -> bool:
    """Whether the actor holds `permission` in the project (on `issue`, for reporter/assignee grants)."""
    return (await _grants(conn, actor, project)).allows(permission, issue)


async def require_project_permission(
    conn: Conn,
    actor: Actor,
    project: Mapping[str, Any],
    permission: Permission,
    issue: Mapping[str, Any] | None = None,
) -> ProjectGrants:
    """NotFound when the actor may not see the project, Forbidden when it lacks `permission`."""
    grants = await _grants(conn, actor, project)
    if not grants.sees_project():
        raise NotFound(f"No project could be found with key '{project['key']}'.")
    if permission is not Permission.BROWSE_PROJECTS and not grants.allows(permission, issue):
        raise Forbidden(
            f"You do not have the permission {permission.value} in project {project['key']}",
            permission=permission.value,
        )
    return grants


def authorize_issue(actor: Actor, issue: Mapping[str, Any], need: Permission) -> ProjectGrants:
    """Check `need` on an issue row loaded with its grants; a hidden issue is NotFound, a missing right Forbidden."""
    grants = grants_of(issue)
    if grants is None:
        raise RuntimeError("issue row was not loaded through access_issue")
    if not grants.allows(Permission.BROWSE_PROJECTS, issue):
        raise NotFound("Issue Does Not Exist")
    if need is not Permission.BROWSE_PROJECTS and not grants.allows(need, issue):
        raise Forbidden(
            f"You do not have the permission {need.value} on {issue['key']}",
            permission=need.value,
        )
    return grants


async def require_issue_permission(conn: Conn, actor: Actor, issue: Mapping[str, Any], need: Permission) -> None:
    """Check a further permission on an issue already loaded (and browsed) by access_issue."""
    grants = grants_of(issue) or await _grants(conn, actor, {"id": issue["project_id"], "key": issue["project_key"]})
    if not grants.allows(need, issue):
        raise Forbidden(f"You do not have the permission {need.value} on {issue['key']}", permission=need.value)


def is_system_admin(actor: Actor) -> bool:
    """Whether the actor holds the global ADMINISTER permission."""
    return actor.is_admin


def require_global_permission(actor: Actor, permission: GlobalPermission = GlobalPermission.ADMINISTER) -> None:
    """Raise Forbidden unless the actor holds a global permission."""
    if permission is GlobalPermission.ADMINISTER and not is_system_admin(actor):
        raise Forbidden("Only system administrators may do this", permission=permission.value)


async def user_may(conn: Conn, user_id: int, project_id: int, permission: Permission) -> bool:
    """Whether another user (not the actor) holds a permission in a project, e.g. ASSIGNABLE_USER."""
    grants = (await project_grants(conn, user_id, [project_id])).get(project_id)
    return grants is not None and grants.allows(permission)


async def browsable_project_ids(conn: Conn, actor: Actor) -> set[int] | None:
    """Ids of projects whose every issue the actor may browse; None means every project (system admins).

    This is the search scope the JQL compiler adds. Projects where browsing is granted only to the reporter or
    assignee are left out (their issues are reachable by key); `browse_scope` describes those.
    """
    if actor.is_admin:
        return None
    grants = await project_grants(conn, actor)
    return {pid for pid, g in grants.items() if Permission.BROWSE_PROJECTS in g.always}


@dataclass(frozen=True, slots=True)
class BrowseScope:
    """Everything an actor may browse: whole projects, plus projects where only own/assigned issues count."""

    all_projects: bool
    project_ids: frozenset[int]
    reporter_project_ids: frozenset[int]
    assignee_project_ids: frozenset[int]


async def browse_scope(conn: Conn, actor: Actor) -> BrowseScope:
    """The full browse scope of an actor, for a search that also covers reporter/assignee-only grants."""
    if actor.is_admin:
        return BrowseScope(True, frozenset(), frozenset(), frozenset())
    grants = await project_grants(conn, actor)
    browse = Permission.BROWSE_PROJECTS
    return BrowseScope(
        all_projects=False,
        project_ids=frozenset(pid for pid, g in grants.items() if browse in g.always),
        reporter_project_ids=frozenset(pid for pid, g in grants.items() if browse in g.as_reporter),
        assignee_project_ids=frozenset(pid for pid, g in grants.items() if browse in g.as_assignee),
    )


async def visible_project_ids(conn: Conn, actor: Actor) -> set[int] | None:
    """Projects the actor may see listed (browse held outright or on some issues); None means all."""
    if actor.is_admin:
        return None
    return {pid for pid, g in (await project_grants(conn, actor)).items() if g.sees_project()}


async def my_permissions(conn: Conn, actor: Actor, project_id: int) -> ProjectGrants:
    """The actor's grants in one project."""
    row = await fetch_one(conn, "SELECT id, key FROM projects WHERE id = %(id)s", {"id": project_id})
    if row is None:
        raise NotFound(f"Project {project_id} does not exist")
    return await _grants(conn, actor, row)
