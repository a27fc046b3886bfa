"""Browser dashboards under /reports (docs/dashboards.md): a page per registered report, a dashboard per board,
exports as downloads, a login form, and the static files the pages load (Plotly's JavaScript from the installed
plotly package: pages need no network beyond tracklake itself).

Every page runs reports through the registry exactly as `GET /api/v1/reports/<name>` does and embeds the result
dict as JSON (`<script type="application/json" id="report-data">`); the chart is drawn from that dict.

Authentication: the API's `Authorization` header (Bearer or Basic), or the `tracklake_session` cookie that the
login form sets from an API token (HttpOnly, SameSite=Lax, path /reports, Secure over HTTPS). A browser without
either is sent to the login form. Tokens are never accepted in URLs (they would end up in histories and logs).
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

import reports
from api.deps import DB, app_state, parse_credentials
from api.routes.exports import export_response, query_params, run_reports
from reports import figures
from reports.exports import FORMATS
from tracker.accounts.models import Actor
from tracker.agile.boards import board_columns, get_board, list_boards
from tracker.agile.sprints import get_sprint, list_sprints
from tracker.db import Conn
from tracker.errors import NotFound, Unauthorized

router = APIRouter(prefix="/reports", include_in_schema=False)

COOKIE = "tracklake_session"
COOKIE_PATH = "/reports"
MAX_FORM_BYTES = 8192
# Pages run only tracklake's own scripts; Plotly adds <style> elements, hence 'unsafe-inline' for styles only.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
LABELS = {"jql": "JQL", "from": "From", "to": "To", "board": "Board", "sprint": "Sprint"}
FIRST = ("jql", "board", "sprint", "from", "to")
# Board dashboards: the flow reports every board shows (Scrum boards show the sprint burndown and velocity first).
FLOW_PANELS = ("cfd", "control-chart", "throughput", "aging-wip", "lead-time", "forecast-how-many")
FORECAST_DAYS = 14


@dataclass
class Viewer:
    actor: Actor
    session: bool  # authenticated by the cookie (so the page offers "Log out")


@dataclass
class Control:
    """One field of a page's controls form."""

    name: str
    label: str
    kind: str = "text"  # text, date, number or select
    value: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    help: str = ""
    required: bool = False
    placeholder: str = ""

    @property
    def wide(self) -> bool:
        return self.name == "jql"


# --- responses ------------------------------------------------------------------------------------------------------


def page(template: str, status: int = 200, viewer: Viewer | None = None, **context: Any) -> HTMLResponse:
    html = figures.render(
        template,
        assets=figures.page_assets(),
        user=viewer.actor if viewer else None,
        session=bool(viewer and viewer.session),
        **context,
    )
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def error_page(status: int, message: str, viewer: Viewer | None = None, title: str = "Error") -> HTMLResponse:
    return page("error.html", status, viewer, title=title, message=message)


# Query parameters that may carry a secret: never copied into the login form's `next` (and so into another URL).
SECRET_PARAMS = frozenset({"token", "access_token", "api_token", "apikey", "api_key", "auth", "password", "session"})


def _login_redirect(request: Request, *, clear: bool = False) -> Response:
    kept = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True) if k.lower() not in SECRET_PARAMS]
    target = request.url.path + (f"?{urlencode(kept)}" if kept else "")
    response = RedirectResponse("/reports/login?" + urlencode({"next": target}), status_code=303)
    if clear:
        response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response


async def _viewer(request: Request, conn: Conn) -> Viewer | Response:
    """Who is asking: the Authorization header, else the session cookie; otherwise a response to send instead."""
    header = request.headers.get("authorization")
    if header:
        try:
            token, username = parse_credentials(header)
        except Unauthorized as exc:
            return error_page(401, exc.message, title="Not authenticated")
        actor = await app_state(request).auth.authenticate(conn, token, username)
        if actor is None:
            return error_page(401, "Invalid or revoked credentials", title="Not authenticated")
        return Viewer(actor, session=False)
    session = request.cookies.get(COOKIE)
    if session:
        actor = await app_state(request).auth.authenticate(conn, session)
        if actor is not None:
            return Viewer(actor, session=True)
        return _login_redirect(request, clear=True)
    return _login_redirect(request)


def _safe_next(value: str | None) -> str:
    """A post-login target on this site's dashboards (never another host)."""
    if not value or not value.startswith("/reports") or value.startswith("//") or "\\" in value:
        return "/reports"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(c in value for c in "\r\n"):
        return "/reports"
    return value


def _same_origin(request: Request) -> bool:
    """Form posts must come from our own pages (a cross-site form cannot log a browser in or out)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if source is None:
        return True  # not a browser, or one that sends neither: nothing to forge through
    return urlsplit(source).netloc == request.headers.get("host", "")


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    parsed = parse_qs(body.decode("utf-8", "replace"), max_num_fields=20)
    return {k: v[0] for k, v in parsed.items()}


# --- login ----------------------------------------------------------------------------------------------------------


@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    return page("login.html", title="Log in", next=_safe_next(next), error=None)


@router.post("/login")
async def login(request: Request, conn: DB) -> Response:
    if not _same_origin(request):
        return error_page(403, "Cross-site login refused", title="Forbidden")
    form = await _form(request)
    target = _safe_next(form.get("next"))
    token = form.get("token", "").strip()
    actor = await app_state(request).auth.authenticate(conn, token) if token else None
    if actor is None:
        return page("login.html", 401, title="Log in", next=target, error="Invalid or revoked API token")
    settings = app_state(request).settings
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(settings.dashboard_session_hours * 3600),
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=settings.dashboard_secure_cookie or request.url.scheme == "https",
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    if not _same_origin(request):
        return error_page(403, "Cross-site logout refused", title="Forbidden")
    response = RedirectResponse("/reports/login", status_code=303)
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response


# --- static files ---------------------------------------------------------------------------------------------------


@cache
def _gzipped(name: str) -> bytes:
    found = figures.asset(name)
    assert found is not None
    return gzip.compress(found.content, compresslevel=9, mtime=0)


@router.get("/static/{filename}")
async def static(filename: str, request: Request) -> Response:
    """Plotly's JavaScript (from the installed plotly package) and the dashboards' script and style sheet."""
    found = figures.asset(filename)
    if found is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    etag = f'"{found.etag}"'
    headers = {
        "ETag": etag,
        "Cache-Control": "public, max-age=31536000, immutable",
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(_gzipped(filename), media_type=found.media_type, headers=headers | {"Content-Encoding": "gzip"})
    return Response(found.content, media_type=found.media_type, headers=headers)


# --- controls -------------------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def _control(name: str, prop: Mapping[str, Any], value: Any, required: bool) -> Control:
    variants = [v for v in prop.get("anyOf", [prop]) if v.get("type") != "null"] or [prop]
    kind_of = variants[0]
    default = prop.get("default")
    label = LABELS.get(name) or str(prop.get("title") or name)
    control = Control(name, label, value=_text(value), help=str(prop.get("description") or ""), required=required)
    control.placeholder = _text(default)
    if "enum" in kind_of or kind_of.get("type") == "boolean":
        choices = [str(v).lower() if isinstance(v, bool) else str(v) for v in kind_of.get("enum", [True, False])]
        first = f"default ({_text(default).lower()})" if default is not None else "(default)"
        control.kind = "select"
        control.options = [("", first)] + [(c, c.replace("_", " ")) for c in choices]
    elif kind_of.get("format") == "date":
        control.kind = "date"
    elif kind_of.get("type") in ("integer", "number"):
        control.kind = "number"
    return control


def _board_control(boards: Sequence[Mapping[str, Any]], value: Any, required: bool) -> Control:
    options = [("", "(choose a board)" if required else "(no board)")]
    options += [(str(b["id"]), f"{b['name']} ({b['project_key']}, {b['type']})") for b in boards]
    return Control("board", "Board", "select", _text(value), options, "the board: its filter, columns and sprints")


def _sprint_control(sprints: Sequence[Mapping[str, Any]], value: Any) -> Control:
    options = [("", "(choose a sprint)" if sprints else "(choose a board first)")]
    options += [(str(s["id"]), f"{s['name']} ({s['state']})") for s in reversed(sprints)]
    return Control("sprint", "Sprint", "select", _text(value), options, "sprint id", required=True)


def _controls(
    spec: reports.ReportSpec,
    raw: Mapping[str, Any],
    boards: Sequence[Mapping[str, Any]],
    sprints: Sequence[Mapping[str, Any]],
) -> list[Control]:
    schema = spec.params.model_json_schema(by_alias=True)
    props: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    names = [n for n in FIRST if n in props or n == "board"] + [n for n in props if n not in FIRST]
    out = []
    for name in names:
        if name == "board":
            out.append(_board_control(boards, raw.get("board"), "board" in required))
        elif name == "sprint":
            out.append(_sprint_control(sprints, raw.get("sprint")))
        else:
            out.append(_control(name, props[name], raw.get(name), name in required))
    return out


def _int(value: Any) -> int | None:
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


def default_sprint(sprints: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The sprint a page shows when none is chosen: the active one, else the last closed one."""
    active = [s for s in sprints if s["state"] == "active"]
    closed = [s for s in sprints if s["state"] == "closed"]
    if active:
        return active[-1]
    if closed:
        return max(closed, key=lambda s: (s["complete_date"] or s["end_date"] or s["created_at"], s["id"]))
    return None


async def _sprints(conn: Conn, actor: Actor, board_id: int | None) -> list[Any]:
    if board_id is None:
        return []
    try:
        return await list_sprints(conn, actor, board_id)
    except NotFound:
        return []


def _url(path: str, params: Mapping[str, Any]) -> str:
    query = urlencode([(k, _text(v)) for k, v in params.items() if v not in (None, "")])
    return f"{path}?{query}" if query else path


def _export_links(name: str, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [
        (
            fmt.upper() if fmt != "parquet" else "Parquet",
            _url(f"/reports/{name}/export", {"format": fmt} | dict(params)),
        )
        for fmt in FORMATS
    ]


def _panel(
    name: str, title: str, outcome: dict[str, Any] | reports.ReportError, params: Mapping[str, Any]
) -> figures.Panel:
    api_url = _url(f"/api/v1/reports/{name}", params)
    if isinstance(outcome, reports.ReportError):
        return figures.error_panel(name, title, outcome.message, api_url=api_url)
    return figures.panel(name, title, outcome, api_url=api_url)


# --- pages ----------------------------------------------------------------------------------------------------------


@router.get("")
async def index(request: Request, conn: DB) -> Response:
    viewer = await _viewer(request, conn)
    if not isinstance(viewer, Viewer):
        return viewer
    boards = await list_boards(conn, viewer.actor)
    warehouse = reports.warehouse_status(app_state(request).settings.warehouse_dir)
    return page(
        "index.html", 200, viewer, title="Reports", reports=reports.describe(), boards=boards, warehouse=warehouse
    )


@router.get("/boards/{board_id}")
async def board_dashboard(board_id: int, request: Request, conn: DB) -> Response:
    """A board's dashboard: its sprint and flow reports side by side, for one JQL filter, sprint and date range."""
    viewer = await _viewer(request, conn)
    if not isinstance(viewer, Viewer):
        return viewer
    try:
        board = await get_board(conn, viewer.actor, board_id)
    except NotFound as exc:
        return error_page(404, exc.message, viewer, title="Board not found")
    raw = {k: v for k, v in query_params(request).items() if v not in ("", [])}
    sprints = await _sprints(conn, viewer.actor, board_id) if board["type"] == "scrum" else []
    notice = None
    if "sprint" not in raw and board["type"] == "scrum":
        chosen = default_sprint(sprints)
        if chosen is not None:
            raw["sprint"] = str(chosen["id"])
        else:
            notice = "This board has no started sprint yet: the sprint reports appear once one starts."
    common = {"jql": raw.get("jql")}
    dated = common | {"from": raw.get("from"), "to": raw.get("to")}
    jobs: list[tuple[str, dict[str, Any]]] = []
    if board["type"] == "scrum":
        if "sprint" in raw:
            jobs.append(("sprint-burndown", common | {"sprint": raw["sprint"]}))
        jobs.append(("velocity", common | {"board": board_id}))
    for name in FLOW_PANELS:
        if name == "forecast-how-many":
            params = common | {"history_from": raw.get("from"), "history_to": raw.get("to"), "days": FORECAST_DAYS}
        elif name == "aging-wip":
            params = dict(common)
        else:
            params = dict(dated)
        jobs.append((name, {"board": board_id} | params))
    jobs = [(n, {k: v for k, v in p.items() if v not in (None, "")}) for n, p in jobs]
    outcomes = await run_reports(request, conn, viewer.actor, jobs)
    panels = [
        _panel(name, reports.REGISTRY[name].title, outcome, params)
        for (name, params), outcome in zip(jobs, outcomes, strict=True)
    ]
    # An invalid filter (the form's JQL, or the board's own) fails every panel alike: say it once, under the
    # controls, instead of once per panel.
    error = None
    if outcomes and all(isinstance(o, reports.JqlReportError) for o in outcomes):
        error = "; ".join(dict.fromkeys(o.message for o in outcomes if isinstance(o, reports.JqlReportError)))
        panels = []
    form_fields = [
        _control("jql", {"title": "JQL", "description": "JQL filter ANDed with the board's"}, raw.get("jql"), False)
    ]
    if board["type"] == "scrum":
        form_fields.append(_sprint_control(sprints, raw.get("sprint")))
    form_fields += [
        Control("from", "From", "date", _text(raw.get("from")), help="first day (default: 90 days ago)"),
        Control("to", "To", "date", _text(raw.get("to")), help="last day (default: today)"),
    ]
    columns = await board_columns(conn, board_id)
    return page(
        "board.html",
        200 if error is None else 400,
        viewer,
        title=f"{board['name']} dashboard",
        board={"id": board_id, "name": board["name"], "type": board["type"], "columns": columns},
        form={"action": f"/reports/boards/{board_id}", "fields": form_fields},
        notice=notice,
        error=error,
        panels=panels,
        links={name: _url(f"/reports/{name}", params) for name, params in jobs},
        exports={name: _export_links(name, params) for name, params in jobs},
    )


@router.get("/{name}/export")
async def export_download(name: str, request: Request, conn: DB) -> Response:
    """The API's export as a browser download (authenticated by the session cookie as well)."""
    viewer = await _viewer(request, conn)
    if not isinstance(viewer, Viewer):
        return viewer
    made = await export_response(request, conn, viewer.actor, name, query_params(request))
    if isinstance(made, reports.ReportError):
        return error_page(made.status, made.message, viewer, title="Export failed")
    return made


@router.get("/{name}")
async def report_page(name: str, request: Request, conn: DB) -> Response:
    """One report with its controls; it runs once every required parameter has a value."""
    viewer = await _viewer(request, conn)
    if not isinstance(viewer, Viewer):
        return viewer
    spec = reports.REGISTRY.get(name)
    if spec is None:
        return error_page(404, f"No report named '{name}'", viewer, title="Report not found")
    raw = {k: v for k, v in query_params(request).items() if v not in ("", [])}
    schema = spec.params.model_json_schema(by_alias=True)
    accepted = set(schema.get("properties", {}))
    required = set(schema.get("required", []))
    boards = await list_boards(conn, viewer.actor)
    board_id = _int(raw.get("board"))
    if "sprint" in accepted and board_id is None and _int(raw.get("sprint")) is not None:
        try:
            board_id = (await get_sprint(conn, viewer.actor, _int(raw.get("sprint")) or 0))["board_id"]
            raw["board"] = str(board_id)
        except NotFound:
            pass
    sprints = await _sprints(conn, viewer.actor, board_id) if "sprint" in accepted else []
    if "sprint" in accepted and "sprint" not in raw:
        chosen = default_sprint(sprints)
        if chosen is not None:
            raw["sprint"] = str(chosen["id"])
    # `board` only picks the sprints of a sprint report; every other parameter goes to the report (unknown ones
    # get the registry's "unknown parameter" error).
    params = {k: v for k, v in raw.items() if k in accepted or k != "board"}
    missing = [LABELS.get(n, n).lower() for n in sorted(required - params.keys())]
    form = {"action": f"/reports/{name}", "fields": _controls(spec, raw, boards, sprints)}
    context: dict[str, Any] = {"title": spec.title, "description": spec.description, "form": form}
    if missing:
        hint = " (pick a board to list its sprints)" if "sprint" in required and board_id is None else ""
        notice = f"To run this report, choose: {', '.join(missing)}{hint}."
        return page("report.html", 200, viewer, panel=None, exports=[], notice=notice, **context)
    [outcome] = await run_reports(request, conn, viewer.actor, [(name, params)])
    status = outcome.status if isinstance(outcome, reports.ReportError) else 200
    return page(
        "report.html",
        status,
        viewer,
        panel=_panel(name, spec.title, outcome, params),
        exports=_export_links(name, params),
        notice=None,
        **context,
    )
