"""The permission matrix: every route of the API, called by a user lacking the permission it needs.

The routes come from `app.routes`, so a new route without an entry here fails `test_every_route_has_an_entry`.
For each entry the test builds a fresh project whose permission scheme grants every permission to two users,
`holder` and `lacker`, then takes the entry's permissions away from `lacker` and checks that:
  * lacker gets the expected refusal (404 where the thing must stay invisible, 403 where it is visible),
  * the refusal does not contain the issue's secret summary (nothing is read),
  * no table changed (nothing is written: a fingerprint of every table before and after),
  * holder (or an administrator, for administration routes) succeeds with the same request, so the refusal
    is about the permission and not about a broken request,
  * without credentials the route answers 401.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts

from tests.conftest import unique
from tracker.permissions import Permission

P = Permission
ADMIN = "admin"  # system administrators only (lacker: a non-admin holding every project permission)
AUTH = "auth"  # any logged-in user
PUBLIC = "public"  # no credentials needed


@dataclass(frozen=True)
class Case:
    """One way a route is guarded."""

    need: str  # a Permission value, ADMIN, AUTH or PUBLIC
    method: str
    url: str  # formatted with the world
    body: Any = None
    denied: int = 403  # what lacker gets
    ok: tuple[int, ...] = (200,)  # what holder / an admin gets
    withhold: tuple[Permission, ...] = ()  # extra permissions taken from lacker
    actor: str = "lacker"  # who is refused: "lacker", or "holder" when the refusal is about someone else
    filtered: bool = False  # the route answers 200 but must leave the hidden thing out
    extra: dict[str, Any] = field(default_factory=dict)


def c(need: Any, method: str, url: str, **kw: Any) -> Case:
    if isinstance(need, Permission):
        need = need.value
        if need == P.BROWSE_PROJECTS.value:
            kw.setdefault("denied", 404)
    return Case(need, method, url, **kw)


I = "/api/v1/issues/{issue}"  # noqa: E741
PR = "/api/v1/projects/{project}"
MATRIX: dict[tuple[str, str], list[Case]] = {
    # operations and docs
    ("GET", "/health"): [c(PUBLIC, "GET", "/health")],
    ("GET", "/metrics"): [c(PUBLIC, "GET", "/metrics")],
    ("GET", "/openapi.json"): [c(PUBLIC, "GET", "/openapi.json")],
    ("GET", "/docs"): [c(PUBLIC, "GET", "/docs")],
    ("GET", "/docs/oauth2-redirect"): [c(PUBLIC, "GET", "/docs/oauth2-redirect")],
    ("GET", "/redoc"): [c(PUBLIC, "GET", "/redoc")],
    # accounts
    ("GET", "/api/v1/myself"): [c(AUTH, "GET", "/api/v1/myself")],
    ("GET", "/api/v1/users"): [c(AUTH, "GET", "/api/v1/users")],
    ("POST", "/api/v1/users"): [
        c(ADMIN, "POST", "/api/v1/users", body={"username": "{new_name}", "display_name": "N"}, ok=(201,))
    ],
    ("GET", "/api/v1/users/{username}"): [c(AUTH, "GET", "/api/v1/users/{holder}")],
    ("PATCH", "/api/v1/users/{username}"): [
        c(ADMIN, "PATCH", "/api/v1/users/{other}", body={"display_name": "Renamed"})
    ],
    ("GET", "/api/v1/users/{username}/tokens"): [c(ADMIN, "GET", "/api/v1/users/{holder}/tokens")],
    ("POST", "/api/v1/users/{username}/tokens"): [
        c(ADMIN, "POST", "/api/v1/users/{holder}/tokens", body={"name": "x"}, ok=(201,))
    ],
    ("DELETE", "/api/v1/users/{username}/tokens/{token_id}"): [
        c(ADMIN, "DELETE", "/api/v1/users/{other}/tokens/{other_token}", ok=(204,))
    ],
    ("GET", "/api/v1/groups"): [c(AUTH, "GET", "/api/v1/groups")],
    ("POST", "/api/v1/groups"): [c(ADMIN, "POST", "/api/v1/groups", body={"name": "{new_name}"}, ok=(201,))],
    ("GET", "/api/v1/groups/{name}"): [c(AUTH, "GET", "/api/v1/groups/{group}")],
    ("DELETE", "/api/v1/groups/{name}"): [c(ADMIN, "DELETE", "/api/v1/groups/{group}", ok=(204,))],
    ("POST", "/api/v1/groups/{name}/members"): [
        c(ADMIN, "POST", "/api/v1/groups/{group}/members", body={"username": "{lacker}"}, ok=(204,))
    ],
    ("DELETE", "/api/v1/groups/{name}/members/{username}"): [
        c(ADMIN, "DELETE", "/api/v1/groups/{group}/members/{other}", ok=(204,))
    ],
    # projects and metadata
    ("GET", "/api/v1/projects"): [c(P.BROWSE_PROJECTS, "GET", "/api/v1/projects", denied=200, filtered=True)],
    ("POST", "/api/v1/projects"): [
        c(ADMIN, "POST", "/api/v1/projects", body={"key": "{new_key}", "name": "New"}, ok=(201,))
    ],
    ("GET", "/api/v1/projects/{key}"): [c(P.BROWSE_PROJECTS, "GET", PR)],
    ("PATCH", "/api/v1/projects/{key}"): [
        c(P.ADMINISTER_PROJECTS, "PATCH", PR, body={"name": "Renamed"}),
        c(P.BROWSE_PROJECTS, "PATCH", PR, body={"name": "Renamed"}),
    ],
    ("GET", "/api/v1/issuetypes"): [c(AUTH, "GET", "/api/v1/issuetypes")],
    ("GET", "/api/v1/priorities"): [c(AUTH, "GET", "/api/v1/priorities")],
    ("GET", "/api/v1/statuses"): [c(AUTH, "GET", "/api/v1/statuses")],
    ("GET", "/api/v1/resolutions"): [c(AUTH, "GET", "/api/v1/resolutions")],
    # issues
    ("POST", "/api/v1/issues"): [
        c(
            P.CREATE_ISSUES,
            "POST",
            "/api/v1/issues",
            body={"project": "{project}", "type": "Task", "summary": "x"},
            ok=(201,),
        ),
        c(
            P.BROWSE_PROJECTS,
            "POST",
            "/api/v1/issues",
            body={"project": "{project}", "type": "Task", "summary": "x"},
            ok=(201,),
        ),
        c(
            P.ASSIGN_ISSUES,
            "POST",
            "/api/v1/issues",
            body={"project": "{project}", "type": "Task", "summary": "x", "assignee": "{holder}"},
            ok=(201,),
        ),
    ],
    ("GET", "/api/v1/issues/{ref}"): [
        c(P.BROWSE_PROJECTS, "GET", I),
        c(P.BROWSE_PROJECTS, "GET", "/api/v1/issues/{issue_id}"),
    ],
    ("PATCH", "/api/v1/issues/{ref}"): [
        c(P.EDIT_ISSUES, "PATCH", I, body={"summary": "changed"}),
        c(P.BROWSE_PROJECTS, "PATCH", I, body={"summary": "changed"}),
    ],
    ("DELETE", "/api/v1/issues/{ref}"): [
        c(P.DELETE_ISSUES, "DELETE", I, ok=(204,)),
        c(P.BROWSE_PROJECTS, "DELETE", I, ok=(204,)),
    ],
    ("PUT", "/api/v1/issues/{ref}/assignee"): [
        c(P.ASSIGN_ISSUES, "PUT", I + "/assignee", body={"assignee": "{holder}"}),
        c(P.BROWSE_PROJECTS, "PUT", I + "/assignee", body={"assignee": "{holder}"}),
        # the assignee must be assignable: holder assigning lacker, who lacks ASSIGNABLE_USER
        c(
            P.ASSIGNABLE_USER,
            "PUT",
            I + "/assignee",
            body={"assignee": "{lacker}"},
            actor="holder",
            denied=422,
            extra={"ok_body": {"assignee": "{holder}"}},
        ),
    ],
    ("GET", "/api/v1/issues/{ref}/history"): [c(P.BROWSE_PROJECTS, "GET", I + "/history")],
    ("GET", "/api/v1/issues/{ref}/comments"): [c(P.BROWSE_PROJECTS, "GET", I + "/comments")],
    ("POST", "/api/v1/issues/{ref}/comments"): [
        c(P.ADD_COMMENTS, "POST", I + "/comments", body={"body": "hello"}, ok=(201,)),
        c(P.BROWSE_PROJECTS, "POST", I + "/comments", body={"body": "hello"}, ok=(201,)),
    ],
    ("GET", "/api/v1/issues/{ref}/comments/{comment_id}"): [
        c(P.BROWSE_PROJECTS, "GET", I + "/comments/{other_comment}")
    ],
    ("PATCH", "/api/v1/issues/{ref}/comments/{comment_id}"): [
        c(
            P.EDIT_OWN_COMMENTS,
            "PATCH",
            I + "/comments/{own_comment}",
            body={"body": "edited"},
            withhold=(P.EDIT_ALL_COMMENTS,),
            extra={"ok_url": I + "/comments/{other_comment}"},
        ),
        c(P.EDIT_ALL_COMMENTS, "PATCH", I + "/comments/{other_comment}", body={"body": "edited"}),
        c(
            P.BROWSE_PROJECTS,
            "PATCH",
            I + "/comments/{own_comment}",
            body={"body": "edited"},
            extra={"ok_url": I + "/comments/{other_comment}"},
        ),
    ],
    ("DELETE", "/api/v1/issues/{ref}/comments/{comment_id}"): [
        c(
            P.DELETE_OWN_COMMENTS,
            "DELETE",
            I + "/comments/{own_comment}",
            withhold=(P.DELETE_ALL_COMMENTS,),
            ok=(204,),
            extra={"ok_url": I + "/comments/{other_comment}"},
        ),
        c(P.DELETE_ALL_COMMENTS, "DELETE", I + "/comments/{other_comment}", ok=(204,)),
        c(P.BROWSE_PROJECTS, "DELETE", I + "/comments/{other_comment}", ok=(204,)),
    ],
    ("GET", "/api/v1/issues/{ref}/transitions"): [
        c(P.BROWSE_PROJECTS, "GET", I + "/transitions"),
        c(P.TRANSITION_ISSUES, "GET", I + "/transitions", denied=200, filtered=True),
        c(P.CLOSE_ISSUES, "GET", I + "/transitions", denied=200, filtered=True, extra={"hidden": "Done"}),
    ],
    ("POST", "/api/v1/issues/{ref}/transitions"): [
        c(P.TRANSITION_ISSUES, "POST", I + "/transitions", body={"transition": "Start Progress"}),
        c(P.BROWSE_PROJECTS, "POST", I + "/transitions", body={"transition": "Start Progress"}),
        c(P.CLOSE_ISSUES, "POST", I + "/transitions", body={"transition": "Done"}),
        c(P.RESOLVE_ISSUES, "POST", I + "/transitions", body={"transition": "Done"}),
        c(P.ADD_COMMENTS, "POST", I + "/transitions", body={"transition": "Start Progress", "comment": "c"}),
    ],
    # watchers (notifications router)
    ("GET", "/api/v1/issues/{ref}/watchers"): [c(P.BROWSE_PROJECTS, "GET", I + "/watchers")],
    ("POST", "/api/v1/issues/{ref}/watchers"): [
        c(P.BROWSE_PROJECTS, "POST", I + "/watchers", ok=(204,)),
        c(P.ADMINISTER_PROJECTS, "POST", I + "/watchers", body={"username": "{other}"}, ok=(204,)),
    ],
    ("DELETE", "/api/v1/issues/{ref}/watchers"): [c(P.BROWSE_PROJECTS, "DELETE", I + "/watchers", ok=(204,))],
    # notifications: the caller's own
    ("GET", "/api/v1/notifications"): [c(AUTH, "GET", "/api/v1/notifications")],
    ("POST", "/api/v1/notifications/read"): [c(AUTH, "POST", "/api/v1/notifications/read", body={"all": True})],
    ("POST", "/api/v1/notifications/{notification_id}/read"): [
        c(AUTH, "POST", "/api/v1/notifications/{notification}/read")
    ],
    # webhooks
    ("POST", "/api/v1/webhooks"): [
        c(
            ADMIN,
            "POST",
            "/api/v1/webhooks",
            body={"name": "h", "url": "https://hooks.example.com/x", "events": ["*"]},
            ok=(201,),
        )
    ],
    ("GET", "/api/v1/webhooks"): [c(ADMIN, "GET", "/api/v1/webhooks")],
    ("GET", "/api/v1/webhooks/{webhook_id}"): [c(ADMIN, "GET", "/api/v1/webhooks/{webhook}")],
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): [
        c(ADMIN, "PATCH", "/api/v1/webhooks/{webhook}", body={"name": "renamed"})
    ],
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): [c(ADMIN, "DELETE", "/api/v1/webhooks/{webhook}", ok=(204,))],
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"): [c(ADMIN, "GET", "/api/v1/webhooks/{webhook}/deliveries")],
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}"): [
        c(ADMIN, "GET", "/api/v1/webhooks/{webhook}/deliveries/{delivery}")
    ],
    ("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"): [
        c(ADMIN, "POST", "/api/v1/webhooks/{webhook}/deliveries/{delivery}/redeliver", ok=(202,))
    ],
    # workflows
    ("GET", "/api/v1/workflows"): [c(ADMIN, "GET", "/api/v1/workflows")],
    ("POST", "/api/v1/workflows"): [
        c(
            ADMIN,
            "POST",
            "/api/v1/workflows",
            body={"name": "{new_name}", "statuses": ["To Do"], "initial_status": "To Do"},
            ok=(201,),
        )
    ],
    ("GET", "/api/v1/workflows/rules"): [c(AUTH, "GET", "/api/v1/workflows/rules")],
    ("GET", "/api/v1/workflows/{workflow_id}"): [c(ADMIN, "GET", "/api/v1/workflows/{workflow}")],
    ("PUT", "/api/v1/workflows/{workflow_id}"): [
        c(ADMIN, "PUT", "/api/v1/workflows/{workflow}", body={"statuses": ["To Do"], "initial_status": "To Do"})
    ],
    ("DELETE", "/api/v1/workflows/{workflow_id}"): [c(ADMIN, "DELETE", "/api/v1/workflows/{workflow}", ok=(204,))],
    ("POST", "/api/v1/workflows/{workflow_id}/publish"): [
        c(ADMIN, "POST", "/api/v1/workflows/{used_workflow}/publish", body={})
    ],
    ("DELETE", "/api/v1/workflows/{workflow_id}/draft"): [
        c(ADMIN, "DELETE", "/api/v1/workflows/{used_workflow}/draft", ok=(204,))
    ],
    ("GET", "/api/v1/workflowschemes"): [c(ADMIN, "GET", "/api/v1/workflowschemes")],
    ("POST", "/api/v1/workflowschemes"): [
        c(ADMIN, "POST", "/api/v1/workflowschemes", body={"name": "{new_name}", "default_workflow": 2}, ok=(201,))
    ],
    ("GET", "/api/v1/workflowschemes/{scheme_id}"): [c(ADMIN, "GET", "/api/v1/workflowschemes/{wscheme}")],
    ("PUT", "/api/v1/workflowschemes/{scheme_id}"): [
        c(ADMIN, "PUT", "/api/v1/workflowschemes/{wscheme}", body={"description": "changed"})
    ],
    ("DELETE", "/api/v1/workflowschemes/{scheme_id}"): [
        c(ADMIN, "DELETE", "/api/v1/workflowschemes/{wscheme}", ok=(204,))
    ],
    ("PUT", "/api/v1/projects/{key}/workflowscheme"): [c(ADMIN, "PUT", PR + "/workflowscheme", body={"scheme": 2})],
    # custom fields
    ("GET", "/api/v1/fieldtypes"): [c(AUTH, "GET", "/api/v1/fieldtypes")],
    ("GET", "/api/v1/fields"): [c(AUTH, "GET", "/api/v1/fields")],
    ("POST", "/api/v1/fields"): [
        c(ADMIN, "POST", "/api/v1/fields", body={"name": "{new_name}", "type": "text", "contexts": []}, ok=(201,))
    ],
    ("GET", "/api/v1/fields/{field_id}"): [c(AUTH, "GET", "/api/v1/fields/{field}")],
    ("PATCH", "/api/v1/fields/{field_id}"): [c(ADMIN, "PATCH", "/api/v1/fields/{field}", body={"description": "d"})],
    ("DELETE", "/api/v1/fields/{field_id}"): [c(ADMIN, "DELETE", "/api/v1/fields/{field}", ok=(204,))],
    ("PUT", "/api/v1/fields/{field_id}/contexts"): [
        c(ADMIN, "PUT", "/api/v1/fields/{field}/contexts", body={"contexts": [{"projects": ["{project}"]}]})
    ],
    ("POST", "/api/v1/fields/{field_id}/options"): [
        c(ADMIN, "POST", "/api/v1/fields/{field}/options", body={"value": "new"}, ok=(201,))
    ],
    ("PATCH", "/api/v1/fields/{field_id}/options/{option_id}"): [
        c(ADMIN, "PATCH", "/api/v1/fields/{field}/options/{option}", body={"value": "renamed"})
    ],
    ("DELETE", "/api/v1/fields/{field_id}/options/{option_id}"): [
        c(ADMIN, "DELETE", "/api/v1/fields/{field}/options/{option}")
    ],
    ("GET", "/api/v1/projects/{key}/fields"): [c(P.BROWSE_PROJECTS, "GET", PR + "/fields")],
    # permissions and roles
    ("GET", "/api/v1/permissions"): [c(AUTH, "GET", "/api/v1/permissions")],
    ("GET", "/api/v1/mypermissions"): [
        c(AUTH, "GET", "/api/v1/mypermissions"),
        c(P.BROWSE_PROJECTS, "GET", "/api/v1/mypermissions?project={project}"),
    ],
    ("GET", "/api/v1/permissionschemes"): [c(ADMIN, "GET", "/api/v1/permissionschemes")],
    ("POST", "/api/v1/permissionschemes"): [
        c(ADMIN, "POST", "/api/v1/permissionschemes", body={"name": "{new_name}"}, ok=(201,))
    ],
    ("GET", "/api/v1/permissionschemes/{scheme_id}"): [c(ADMIN, "GET", "/api/v1/permissionschemes/{pscheme}")],
    ("PATCH", "/api/v1/permissionschemes/{scheme_id}"): [
        c(ADMIN, "PATCH", "/api/v1/permissionschemes/{pscheme}", body={"description": "d"})
    ],
    ("DELETE", "/api/v1/permissionschemes/{scheme_id}"): [
        c(ADMIN, "DELETE", "/api/v1/permissionschemes/{pscheme}", ok=(204,))
    ],
    ("POST", "/api/v1/permissionschemes/{scheme_id}/grants"): [
        c(
            ADMIN,
            "POST",
            "/api/v1/permissionschemes/{project_scheme}/grants",
            body={"permission": "BROWSE_PROJECTS", "grantee": "anyone"},
            ok=(201,),
        )
    ],
    ("DELETE", "/api/v1/permissionschemes/{scheme_id}/grants/{grant_id}"): [
        c(ADMIN, "DELETE", "/api/v1/permissionschemes/{pscheme}/grants/{grant}", ok=(204,))
    ],
    ("PUT", "/api/v1/projects/{key}/permissionscheme"): [c(ADMIN, "PUT", PR + "/permissionscheme", body={"scheme": 1})],
    ("GET", "/api/v1/roles"): [c(AUTH, "GET", "/api/v1/roles")],
    ("POST", "/api/v1/roles"): [c(ADMIN, "POST", "/api/v1/roles", body={"name": "{new_name}"}, ok=(201,))],
    ("DELETE", "/api/v1/roles/{role}"): [c(ADMIN, "DELETE", "/api/v1/roles/{role}", ok=(204,))],
    ("GET", "/api/v1/projects/{key}/roles"): [c(P.BROWSE_PROJECTS, "GET", PR + "/roles")],
    ("GET", "/api/v1/projects/{key}/roles/{role}"): [c(P.BROWSE_PROJECTS, "GET", PR + "/roles/Users")],
    ("POST", "/api/v1/projects/{key}/roles/{role}/members"): [
        c(P.ADMINISTER_PROJECTS, "POST", PR + "/roles/Developers/members", body={"users": ["{other}"]}),
        c(P.BROWSE_PROJECTS, "POST", PR + "/roles/Developers/members", body={"users": ["{other}"]}),
    ],
    ("DELETE", "/api/v1/projects/{key}/roles/{role}/members"): [
        c(P.ADMINISTER_PROJECTS, "DELETE", PR + "/roles/Users/members?user={other}", ok=(204,)),
    ],
    # search: the scope comes from tracker.permissions.browsable_project_ids
    ("GET", "/api/v1/search"): [
        c(P.BROWSE_PROJECTS, "GET", '/api/v1/search?jql=summary ~ "{secret}"', denied=200, filtered=True)
    ],
    ("POST", "/api/v1/search"): [
        c(P.BROWSE_PROJECTS, "POST", "/api/v1/search", body={"jql": "key = {issue}"}, denied=400)
    ],
    ("POST", "/api/v1/jql/parse"): [c(AUTH, "POST", "/api/v1/jql/parse", body={"queries": ["project = {project}"]})],
    ("GET", "/api/v1/reports"): [c(AUTH, "GET", "/api/v1/reports")],
    ("GET", "/api/v1/reports/{name}/export"): [
        c(AUTH, "GET", "/api/v1/reports/statistics/export?field=status&format=json")
    ],
    ("GET", "/api/v1/schedules"): [c(AUTH, "GET", "/api/v1/schedules")],
    ("POST", "/api/v1/schedules"): [
        c(
            AUTH,
            "POST",
            "/api/v1/schedules",
            body={"name": "s", "report": "statistics", "params": {"field": "status"}, "cron": "@yearly"},
            ok=(201,),
        )
    ],
    ("POST", "/api/v1/import/jira"): [c(ADMIN, "POST", "/api/v1/import/jira?dry_run=true", body={"issues": []})],
}

# Routes of work streams still in progress (boards, sprints, versions, components, links, filters): each needs an
# entry above once its rules settle. A route in neither list fails test_every_route_has_an_entry.
PENDING: set[tuple[str, str]] = {
    ("POST", "/api/v1/backlog/issues"),
    ("GET", "/api/v1/boards"),
    ("POST", "/api/v1/boards"),
    ("DELETE", "/api/v1/boards/{board_id}"),
    ("GET", "/api/v1/boards/{board_id}"),
    ("PATCH", "/api/v1/boards/{board_id}"),
    ("GET", "/api/v1/boards/{board_id}/backlog"),
    ("PUT", "/api/v1/boards/{board_id}/columns"),
    ("GET", "/api/v1/boards/{board_id}/quickfilters"),
    ("POST", "/api/v1/boards/{board_id}/quickfilters"),
    ("DELETE", "/api/v1/boards/{board_id}/quickfilters/{quick_id}"),
    ("PATCH", "/api/v1/boards/{board_id}/quickfilters/{quick_id}"),
    ("GET", "/api/v1/boards/{board_id}/sprints"),
    ("GET", "/api/v1/boards/{board_id}/view"),
    ("DELETE", "/api/v1/components/{component_id}"),
    ("GET", "/api/v1/components/{component_id}"),
    ("PATCH", "/api/v1/components/{component_id}"),
    ("GET", "/api/v1/filters"),
    ("POST", "/api/v1/filters"),
    ("DELETE", "/api/v1/filters/{filter_id}"),
    ("GET", "/api/v1/filters/{filter_id}"),
    ("PATCH", "/api/v1/filters/{filter_id}"),
    ("POST", "/api/v1/issuelinks"),
    ("DELETE", "/api/v1/issuelinks/{link_id}"),
    ("GET", "/api/v1/issuelinks/{link_id}"),
    ("GET", "/api/v1/issuelinktypes"),
    ("GET", "/api/v1/issues/{ref}/agile"),
    ("GET", "/api/v1/issues/{ref}/children"),
    ("PUT", "/api/v1/issues/{ref}/components"),
    ("PUT", "/api/v1/issues/{ref}/estimation"),
    ("GET", "/api/v1/issues/{ref}/links"),
    ("PUT", "/api/v1/issues/{ref}/versions"),
    ("GET", "/api/v1/projects/{key}/agile"),
    ("GET", "/api/v1/projects/{key}/components"),
    ("POST", "/api/v1/projects/{key}/components"),
    ("GET", "/api/v1/projects/{key}/versions"),
    ("POST", "/api/v1/projects/{key}/versions"),
    ("PUT", "/api/v1/rank"),
    ("POST", "/api/v1/sprints"),
    ("DELETE", "/api/v1/sprints/{sprint_id}"),
    ("GET", "/api/v1/sprints/{sprint_id}"),
    ("PATCH", "/api/v1/sprints/{sprint_id}"),
    ("POST", "/api/v1/sprints/{sprint_id}/complete"),
    ("GET", "/api/v1/sprints/{sprint_id}/issues"),
    ("POST", "/api/v1/sprints/{sprint_id}/issues"),
    ("POST", "/api/v1/sprints/{sprint_id}/start"),
    ("DELETE", "/api/v1/versions/{version_id}"),
    ("GET", "/api/v1/versions/{version_id}"),
    ("PATCH", "/api/v1/versions/{version_id}"),
    ("GET", "/api/v1/reports/{name}"),  # reads the warehouse, scoped by browsable_project_ids
    # one schedule: its owner or an administrator (tests/exports/test_schedules.py)
    ("GET", "/api/v1/schedules/{schedule_id}"),
    ("DELETE", "/api/v1/schedules/{schedule_id}"),
    ("POST", "/api/v1/schedules/{schedule_id}/run"),
    ("GET", "/api/v1/schedules/{schedule_id}/runs"),
    ("GET", "/api/v1/schedules/{schedule_id}/runs/{run_id}"),
    ("GET", "/api/v1/schedules/{schedule_id}/runs/{run_id}/file"),
    # HTML dashboards: no credentials answers 303 to the login form, not 401 (tests/dashboards/test_pages.py)
    ("GET", "/reports"),
    ("GET", "/reports/login"),
    ("POST", "/reports/login"),
    ("POST", "/reports/logout"),
    ("GET", "/reports/static/{filename}"),
    ("GET", "/reports/boards/{board_id}"),
    ("GET", "/reports/{name}"),
    ("GET", "/reports/{name}/export"),
}


def app_routes(app: Any) -> set[tuple[str, str]]:
    found = set()
    for route in iter_route_contexts(app.routes):
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                found.add((method, route.path))
    return found


def test_every_route_has_an_entry(app):
    routes = app_routes(app)
    missing = sorted(routes - set(MATRIX) - PENDING)
    assert not missing, f"routes without a permission-matrix entry in {__file__}: {missing}"
    stale = sorted((set(MATRIX) | PENDING) - routes)
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"
    assert not set(MATRIX) & PENDING


def test_every_project_permission_is_exercised():
    exercised = {case.need for cases in MATRIX.values() for case in cases}
    # LINK_ISSUES and MANAGE_SPRINTS guard routes that do not exist yet (links, sprints)
    assert {p.value for p in Permission} - exercised <= {P.LINK_ISSUES.value, P.MANAGE_SPRINTS.value}


FINGERPRINT_SKIP = {"api_tokens", "idempotency_keys", "schema_migrations"}


async def fingerprint(db) -> dict[str, str]:
    """A digest of every table's rows (tokens' last-use stamps excepted)."""
    cur = await db.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    )
    tables = sorted(r["table_name"] for r in await cur.fetchall() if r["table_name"] not in FINGERPRINT_SKIP)
    parts = [
        f"(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM \"{name}\" t) AS \"{name}\""
        for name in tables
    ]
    cur = await db.execute("SELECT " + ", ".join(parts))
    row = await cur.fetchone()
    return dict(row)


async def build_world(
    app, admin: httpx.AsyncClient, make_user, db, withheld: set[Permission], *, admin_resources: bool
) -> dict[str, Any]:
    """A project whose scheme grants everything to holder and (but for `withheld`) to lacker, and around it one
    of every resource the routes name (the administration ones only when `admin_resources`)."""
    holder, holder_client = await make_user()
    lacker, lacker_client = await make_user()
    other, _ = await make_user()
    everything = [
        {"permission": p.value, "grantee": {"type": "user", "user": u}} for p in Permission for u in (holder, lacker)
    ]
    r = await admin.post("/api/v1/permissionschemes", json={"name": unique("matrix "), "grants": everything})
    assert r.status_code == 201, r.text
    project_scheme = r.json()["id"]
    key = "M" + secrets.token_hex(3).upper().replace("0", "Q")
    r = await admin.post("/api/v1/projects", json={"key": key, "name": "Matrix", "permission_scheme": project_scheme})
    assert r.status_code == 201, r.text
    secret = "SECRET-" + secrets.token_hex(6)
    r = await admin.post("/api/v1/issues", json={"project": key, "type": "Task", "summary": secret})
    issue = r.json()
    own = await lacker_client.post(f"/api/v1/issues/{issue['key']}/comments", json={"body": "mine"})
    theirs = await holder_client.post(f"/api/v1/issues/{issue['key']}/comments", json={"body": "theirs"})
    await admin.post(f"/api/v1/projects/{key}/roles/Users/members", json={"users": [other]})
    cur = await db.execute(
        "INSERT INTO notifications (user_id, issue_id, issue_key, first_at, last_at)"
        " SELECT id, %s, %s, now(), now() FROM users WHERE username = %s RETURNING id",
        (issue["id"], issue["key"], lacker),
    )
    world: dict[str, Any] = {
        "holder": holder,
        "lacker": lacker,
        "other": other,
        "clients": {"holder": holder_client, "lacker": lacker_client},
        "project": key,
        "project_scheme": project_scheme,
        "issue": issue["key"],
        "issue_id": issue["id"],
        "secret": secret,
        "own_comment": own.json()["id"],
        "other_comment": theirs.json()["id"],
        "notification": (await cur.fetchone())["id"],
        "new_name": unique("new"),
        "new_key": "N" + secrets.token_hex(3).upper().replace("0", "Q"),
    }
    if admin_resources:
        world |= await admin_world(app, admin, db, other)
    if withheld:
        keep = [g for g in everything if not (g["grantee"]["user"] == lacker and P(g["permission"]) in withheld)]
        r = await admin.patch(f"/api/v1/permissionschemes/{project_scheme}", json={"grants": keep})
        assert r.status_code == 200, r.text
    return world


async def admin_world(app, admin: httpx.AsyncClient, db, other: str) -> dict[str, Any]:
    """One of every resource the administration routes name."""
    group = unique("g-")
    await admin.post("/api/v1/groups", json={"name": group})
    await admin.post(f"/api/v1/groups/{group}/members", json={"username": other})
    other_token = (await admin.post(f"/api/v1/users/{other}/tokens", json={"name": "t"})).json()["id"]
    statuses = {"statuses": ["To Do", "Done"], "initial_status": "To Do"}
    transitions = [{"name": "Go", "from": ["To Do"], "to": "Done"}, {"name": "Back", "from": ["Done"], "to": "To Do"}]
    workflow = (
        await admin.post("/api/v1/workflows", json={"name": unique("wf "), **statuses, "transitions": transitions})
    ).json()["id"]
    used = (
        await admin.post("/api/v1/workflows", json={"name": unique("wf "), **statuses, "transitions": transitions})
    ).json()["id"]
    wscheme = (await admin.post("/api/v1/workflowschemes", json={"name": unique("ws "), "default_workflow": 2})).json()
    used_scheme = (
        await admin.post("/api/v1/workflowschemes", json={"name": unique("ws "), "default_workflow": used})
    ).json()
    used_key = "U" + secrets.token_hex(3).upper().replace("0", "Q")
    await admin.post("/api/v1/projects", json={"key": used_key, "name": "U", "workflow_scheme": used_scheme["id"]})
    await admin.post("/api/v1/issues", json={"project": used_key, "type": "Task", "summary": "follows it"})
    r = await admin.put(
        f"/api/v1/workflows/{used}", json={**statuses, "transitions": transitions, "description": "draft"}
    )
    assert r.json()["draft"] is not None
    field = (
        await admin.post(
            "/api/v1/fields", json={"name": unique("f "), "type": "select", "options": ["a", "b"], "contexts": []}
        )
    ).json()
    pscheme = (
        await admin.post(
            "/api/v1/permissionschemes",
            json={"name": unique("ps "), "grants": [{"permission": "BROWSE_PROJECTS", "grantee": "anyone"}]},
        )
    ).json()
    role = (await admin.post("/api/v1/roles", json={"name": unique("role ")})).json()
    webhook = (
        await admin.post("/api/v1/webhooks", json={"name": "w", "url": "https://hooks.example.com/x", "events": ["*"]})
    ).json()["id"]
    cur = await db.execute(
        "INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, payload, status)"
        " VALUES (%s, gen_random_uuid(), 'issue.created', '{}', 'failed') RETURNING id",
        (webhook,),
    )
    delivery = (await cur.fetchone())["id"]
    return {
        "group": group,
        "other_token": other_token,
        "workflow": workflow,
        "used_workflow": used,
        "wscheme": wscheme["id"],
        "field": field["id"],
        "option": field["options"][0]["id"],
        "pscheme": pscheme["id"],
        "grant": pscheme["grants"][0]["id"],
        "role": role["id"],
        "webhook": webhook,
        "delivery": delivery,
    }


def fill(template: Any, world: dict[str, Any]) -> Any:
    if isinstance(template, str):
        return template.format(**world)
    if isinstance(template, list):
        return [fill(t, world) for t in template]
    if isinstance(template, dict):
        return {k: fill(v, world) for k, v in template.items()}
    return template


async def call(client: httpx.AsyncClient, method: str, url: str, body: Any) -> httpx.Response:
    return await client.request(method, url, json=body) if body is not None else await client.request(method, url)


CASES = [
    pytest.param(route, n, id=f"{route[0]} {route[1]} [{case.need}{'+' if case.withhold else ''}]#{n}")
    for route, cases in MATRIX.items()
    for n, case in enumerate(cases)
]


@pytest.mark.parametrize(("route", "n"), CASES)
async def test_route_refuses_a_user_lacking_its_permission(app, admin, anonymous, make_user, db, monkeypatch, route, n):
    case = MATRIX[route][n]
    monkeypatch.setattr(app.state.tracklake.settings, "webhook_allowed_hosts", "*.example.com")
    if case.need == PUBLIC:
        r = await call(anonymous, case.method, case.url, None)
        assert r.status_code in case.ok, r.text
        return
    withheld = {P(case.need), *case.withhold} if case.need not in (ADMIN, AUTH) else set()
    needs_admin_world = case.need == ADMIN or "{group}" in case.url or "{field}" in case.url
    world = await build_world(app, admin, make_user, db, withheld, admin_resources=needs_admin_world)
    url, body = fill(case.url, world), fill(case.body, world)

    # without credentials: 401, nothing written
    before = await fingerprint(db)
    r = await call(anonymous, case.method, url, body)
    assert r.status_code == 401, r.text
    assert await fingerprint(db) == before

    if case.need == AUTH:
        r = await call(world["clients"]["lacker"], case.method, url, body)
        assert r.status_code in case.ok, r.text
        return

    # the user lacking the permission is refused; nothing leaks, nothing is written
    refused = world["clients"][case.actor]
    before = await fingerprint(db)
    r = await call(refused, case.method, url, body)
    assert r.status_code == case.denied, (case, r.text)
    if case.denied >= 400:
        assert r.headers["content-type"] == "application/problem+json"
    assert world["secret"] not in r.text
    if case.filtered:
        hidden = case.extra.get("hidden")
        if route == ("GET", "/api/v1/projects"):
            assert world["project"] not in r.text
        elif route[1] == "/api/v1/search":
            assert r.json()["total"] == 0
        elif hidden:
            assert hidden not in [t["name"] for t in r.json()["transitions"]]
        else:
            assert r.json()["transitions"] == []
    assert await fingerprint(db) == before, "a refused request changed the database"

    # the same request succeeds for someone holding the permission
    allowed = admin if case.need == ADMIN else world["clients"]["holder"]
    ok_url = fill(case.extra.get("ok_url", case.url), world)
    ok_body = fill(case.extra.get("ok_body", case.body), world)
    if case.actor == "holder":
        allowed = admin
    r = await call(allowed, case.method, ok_url, ok_body)
    assert r.status_code in case.ok, (case, r.text)
    if case.filtered and route == ("GET", "/api/v1/projects"):
        assert world["project"] in r.text
    if route[1] == "/api/v1/search":
        assert world["secret"] in r.text
    if case.filtered and route[1].endswith("/transitions"):
        names = [t["name"] for t in r.json()["transitions"]]
        assert names and case.extra.get("hidden", names[0]) in names
