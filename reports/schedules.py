"""Scheduled report exports (docs/dashboards.md): schedules stored in PostgreSQL, run by `Scheduler`.

A schedule names a report with its parameters, an export format, a cron expression (five fields or @daily-style,
in the schedule's time zone) and optionally a webhook. `Scheduler.run_due()` claims due schedules with
`FOR UPDATE SKIP LOCKED`, moves each one's `next_run_at` past now and inserts its run row in the same transaction
(unique per schedule and occurrence), then runs the claimed exports outside that transaction: the report as the
schedule's owner (with the owner's browse scope at run time), the file under `DATA_DIR/exports/schedule-<id>/`,
then the webhook POST. Two schedulers never run the same occurrence; a scheduler that was down runs a missed
schedule once when it comes back, then follows the cron again.

What this package cannot know (the owner's browse scope, which webhook hosts are allowed, how deliveries are signed)
is passed in as `SchedulerDeps` by the application shell.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
import orjson
import psycopg
from croniter import CroniterBadCronError, CroniterBadDateError, CroniterNotAlphaError, croniter
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import Jsonb

from reports import exports
from reports.context import ReportError, ReportNotFound, iso, open_context, warehouse_status
from reports.exports import invalid
from reports.registry import get_spec, parse_params, run_report

log = logging.getLogger("tracklake.scheduler")

Conn = psycopg.AsyncConnection[DictRow]
MAX_NAME = 255
MAX_URL = 2048
MAX_ERROR = 2000

SCHEDULE_COLUMNS = """
s.id, s.name, s.owner_id, u.username AS owner, s.report, s.params, s.format, s.export_table, s.cron, s.timezone,
s.webhook_url, s.webhook_secret IS NOT NULL AS webhook_signed, s.enabled, s.next_run_at, s.created_at, s.updated_at,
r.id AS last_run_id, r.status AS last_run_status, r.scheduled_for AS last_run_scheduled_for,
r.finished_at AS last_run_finished_at, r.error AS last_run_error
"""
SCHEDULE_FROM = """
FROM report_schedules s JOIN users u ON u.id = s.owner_id
LEFT JOIN LATERAL (
    SELECT id, status, scheduled_for, finished_at, error FROM report_schedule_runs
    WHERE schedule_id = s.id ORDER BY id DESC LIMIT 1
) r ON true
"""
INSERT_SCHEDULE = """
INSERT INTO report_schedules (name, owner_id, report, params, format, export_table, cron, timezone, webhook_url,
                              webhook_secret, enabled, next_run_at)
VALUES (%(name)s, %(owner_id)s, %(report)s, %(params)s, %(format)s, %(export_table)s, %(cron)s, %(timezone)s,
        %(webhook_url)s, %(webhook_secret)s, %(enabled)s, %(next_run_at)s)
RETURNING id
"""
SELECT_SCHEDULE = f"SELECT {SCHEDULE_COLUMNS} {SCHEDULE_FROM} WHERE s.id = %(id)s"
SELECT_SCHEDULES = f"""
SELECT {SCHEDULE_COLUMNS} {SCHEDULE_FROM}
WHERE %(all)s OR s.owner_id = %(owner_id)s
ORDER BY s.id
"""
DELETE_SCHEDULE = "DELETE FROM report_schedules WHERE id = %(id)s"
REQUEST_RUN = "UPDATE report_schedules SET next_run_at = %(now)s, updated_at = now() WHERE id = %(id)s"
SELECT_RUNS = """
SELECT * FROM report_schedule_runs WHERE schedule_id = %(id)s
ORDER BY id DESC LIMIT %(limit)s OFFSET %(offset)s
"""
SELECT_RUN = "SELECT * FROM report_schedule_runs WHERE id = %(run_id)s AND schedule_id = %(id)s"

# The claim: due, enabled schedules no other scheduler holds; the caller moves them on in the same transaction.
CLAIM_DUE = """
SELECT id, name, owner_id, report, params, format, export_table, cron, timezone, webhook_url, webhook_secret,
       next_run_at
FROM report_schedules
WHERE enabled AND next_run_at <= %(now)s
ORDER BY next_run_at, id
LIMIT %(limit)s
FOR UPDATE SKIP LOCKED
"""
ADVANCE = "UPDATE report_schedules SET next_run_at = %(next_run_at)s WHERE id = %(id)s"
INSERT_RUN = """
INSERT INTO report_schedule_runs (schedule_id, scheduled_for, runner)
VALUES (%(schedule_id)s, %(scheduled_for)s, %(runner)s)
ON CONFLICT (schedule_id, scheduled_for) DO NOTHING
RETURNING id
"""
FINISH_RUN = """
UPDATE report_schedule_runs
SET status = %(status)s, finished_at = now(), file = %(file)s, bytes = %(bytes)s, error = %(error)s,
    webhook_status = %(webhook_status)s, webhook_error = %(webhook_error)s
WHERE id = %(id)s
"""
# A run still "running" long after it started belongs to a scheduler that stopped mid-run.
ABANDON_RUNS = """
UPDATE report_schedule_runs
SET status = 'failed', finished_at = now(), error = 'abandoned: the scheduler stopped during the run'
WHERE status = 'running' AND started_at < now() - make_interval(secs => %(seconds)s)
"""


# --- validation -----------------------------------------------------------------------------------------------------


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid("timezone", f"unknown time zone '{name}'") from None


def next_run(cron: str, timezone: str, after: datetime) -> datetime:
    """The first occurrence of `cron` (read in `timezone`) strictly after `after`, in UTC."""
    try:
        following = croniter(cron, after.astimezone(zone(timezone))).get_next(datetime)
    except CroniterBadDateError:
        raise invalid("cron", f"'{cron}' never fires (no such date, e.g. 30 February)") from None
    except (CroniterBadCronError, CroniterNotAlphaError, ValueError, KeyError) as exc:
        raise invalid("cron", str(exc)) from None
    assert isinstance(following, datetime)
    return following.astimezone(UTC)


def check_cron(value: Any, timezone: str, now: datetime) -> str:
    """A cron expression: five fields (minute hour day month weekday) or @hourly/@daily/@weekly/@monthly/@yearly."""
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise invalid("cron", "a cron expression such as '0 6 * * 1-5'")
    text = " ".join(value.split())
    if not text.startswith("@") and len(text.split(" ")) != 5:
        raise invalid("cron", "five fields (minute hour day-of-month month day-of-week)")
    if not croniter.is_valid(text):
        raise invalid("cron", f"'{text}' is not a valid cron expression")
    next_run(text, timezone, now)  # an expression that never fires (30 February) is an error now, not later
    return text


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_NAME:
        raise invalid("name", f"1-{MAX_NAME} characters")
    return value.strip()


def _params(report: str, value: Any) -> dict[str, Any]:
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise invalid("params", "an object of report parameters")
    clashes = [k for k in value if k in exports.OPTIONS]
    if clashes:
        raise invalid("params", f"'{clashes[0]}' is a schedule setting, not a report parameter")
    spec = get_spec(report)
    try:
        parse_params(spec, value)
    except ReportError as exc:
        errors = {f"params.{k}": v for k, v in exc.errors.items()}
        raise ReportError(f"params.{exc.message}", field="params", errors=errors) from None
    return dict(value)


def validate(data: Mapping[str, Any], now: datetime, url_check: Callable[[str], str]) -> dict[str, Any]:
    """The columns of a new schedule from its JSON (ReportError names the first bad field).

    `url_check` returns the webhook URL when it may be used, or raises ReportError."""
    report = data.get("report")
    if not isinstance(report, str):
        raise invalid("report", "the name of a report (GET /api/v1/reports lists them)")
    try:
        get_spec(report)
    except ReportNotFound:
        raise invalid("report", f"no report named '{report}'") from None
    fmt = data.get("format", "csv")
    if fmt not in exports.FORMATS:
        raise invalid("format", f"one of {', '.join(exports.FORMATS)}")
    table = data.get("table")
    if table is not None and (fmt not in ("csv", "parquet") or not isinstance(table, str) or not table):
        raise invalid("table", "a table name, for csv and parquet exports only")
    timezone = data.get("timezone") or "UTC"
    if not isinstance(timezone, str):
        raise invalid("timezone", "an IANA time zone name")
    zone(timezone)
    cron = check_cron(data.get("cron"), timezone, now)
    webhook = data.get("webhook_url")
    if webhook is not None and (not isinstance(webhook, str) or len(webhook) > MAX_URL):
        raise invalid("webhook_url", f"an http(s) URL of at most {MAX_URL} characters")
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise invalid("enabled", "true or false")
    return {
        "name": _name(data.get("name")),
        "report": report,
        "params": _params(report, data.get("params")),
        "format": fmt,
        "export_table": table,
        "cron": cron,
        "timezone": timezone,
        "webhook_url": url_check(webhook) if webhook else None,
        "enabled": enabled,
        "next_run_at": next_run(cron, timezone, now),
    }


# --- views ----------------------------------------------------------------------------------------------------------


def schedule_view(row: Mapping[str, Any]) -> dict[str, Any]:
    last = None
    if row.get("last_run_id") is not None:
        last = {
            "id": row["last_run_id"],
            "status": row["last_run_status"],
            "scheduled_for": iso(row["last_run_scheduled_for"]),
            "finished_at": iso(row["last_run_finished_at"]),
            "error": row["last_run_error"],
        }
    return {
        "id": row["id"],
        "name": row["name"],
        "owner": row["owner"],
        "report": row["report"],
        "params": row["params"],
        "format": row["format"],
        "table": row["export_table"],
        "cron": row["cron"],
        "timezone": row["timezone"],
        "webhook_url": row["webhook_url"],
        "webhook_signed": row["webhook_signed"],
        "enabled": row["enabled"],
        "next_run_at": iso(row["next_run_at"]) if row["enabled"] else None,
        "created": iso(row["created_at"]),
        "last_run": last,
    }


def run_view(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "schedule_id": row["schedule_id"],
        "scheduled_for": iso(row["scheduled_for"]),
        "status": row["status"],
        "runner": row["runner"],
        "started_at": iso(row["started_at"]),
        "finished_at": iso(row["finished_at"]),
        "file": row["file"],
        "bytes": row["bytes"],
        "error": row["error"],
        "webhook_status": row["webhook_status"],
        "webhook_error": row["webhook_error"],
    }


# --- the API's operations (the caller owns the transaction) -----------------------------------------------------


async def _one(conn: Conn, sql: str, params: Mapping[str, Any]) -> DictRow | None:
    cur = await conn.execute(sql, params)
    return await cur.fetchone()


async def create_schedule(
    conn: Conn, owner_id: int, data: Mapping[str, Any], url_check: Callable[[str], str], now: datetime | None = None
) -> tuple[DictRow, str | None]:
    """Store a new schedule; returns it and the webhook signing secret (generated, shown only now)."""
    values = validate(data, now or datetime.now(UTC), url_check)
    secret = secrets.token_urlsafe(32) if values["webhook_url"] else None
    row = await _one(
        conn,
        INSERT_SCHEDULE,
        values | {"owner_id": owner_id, "params": Jsonb(values["params"]), "webhook_secret": secret},
    )
    assert row is not None
    created = await _one(conn, SELECT_SCHEDULE, {"id": row["id"]})
    assert created is not None
    return created, secret


async def get_schedule(conn: Conn, schedule_id: int, user_id: int, is_admin: bool) -> DictRow:
    """A schedule its owner (or an administrator) may see; ReportNotFound otherwise."""
    row = await _one(conn, SELECT_SCHEDULE, {"id": schedule_id}) if 0 < schedule_id < 2**63 else None
    if row is None or not (is_admin or row["owner_id"] == user_id):
        raise ReportNotFound(f"Schedule {schedule_id} does not exist", field="id")
    return row


async def list_schedules(conn: Conn, user_id: int, is_admin: bool) -> list[DictRow]:
    """The caller's schedules (every schedule for administrators)."""
    cur = await conn.execute(SELECT_SCHEDULES, {"all": is_admin, "owner_id": user_id})
    return await cur.fetchall()


async def delete_schedule(conn: Conn, schedule_id: int, user_id: int, is_admin: bool) -> None:
    """Delete a schedule and its run history (files already written stay)."""
    await get_schedule(conn, schedule_id, user_id, is_admin)
    await conn.execute(DELETE_SCHEDULE, {"id": schedule_id})


async def request_run(
    conn: Conn, schedule_id: int, user_id: int, is_admin: bool, now: datetime | None = None
) -> DictRow:
    """Make a schedule due now: the next scheduler tick runs it (then the cron resumes)."""
    row = await get_schedule(conn, schedule_id, user_id, is_admin)
    if not row["enabled"]:
        raise ReportError("The schedule is disabled", field="enabled")
    await conn.execute(REQUEST_RUN, {"id": schedule_id, "now": now or datetime.now(UTC)})
    return await get_schedule(conn, schedule_id, user_id, is_admin)


async def list_runs(
    conn: Conn, schedule_id: int, user_id: int, is_admin: bool, *, limit: int = 50, offset: int = 0
) -> list[DictRow]:
    """A schedule's runs, latest first."""
    await get_schedule(conn, schedule_id, user_id, is_admin)
    cur = await conn.execute(SELECT_RUNS, {"id": schedule_id, "limit": limit, "offset": offset})
    return await cur.fetchall()


async def get_run(conn: Conn, schedule_id: int, run_id: int, user_id: int, is_admin: bool) -> DictRow:
    await get_schedule(conn, schedule_id, user_id, is_admin)
    row = await _one(conn, SELECT_RUN, {"id": schedule_id, "run_id": run_id}) if 0 < run_id < 2**63 else None
    if row is None:
        raise ReportNotFound(f"Run {run_id} of schedule {schedule_id} does not exist", field="run_id")
    return row


# --- running --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchedulerDeps:
    """What the scheduler takes from the rest of tracklake."""

    # The project ids the user may browse now (None: every project); ReportError when the user may not run reports.
    scope_of: Callable[[Conn, int], Awaitable[Collection[int] | None]]
    # Whether a webhook URL may still be called (the allow-list can change after a schedule was made).
    url_allowed: Callable[[str], bool]
    # The signature header value of a webhook body.
    sign: Callable[[str, bytes], str]
    signature_header: str = "X-Tracklake-Signature"


@dataclass(frozen=True)
class Claim:
    run_id: int
    schedule: DictRow


@dataclass
class Outcome:
    status: str = "succeeded"
    file: str | None = None
    bytes: int | None = None
    error: str | None = None
    webhook_status: int | None = None
    webhook_error: str | None = None


def _short(text: str) -> str:
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"


def write_atomic(path: Path, content: bytes) -> None:
    """Write a file under a temporary name and rename it, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)


class Scheduler:
    """Claims and runs due scheduled exports; run several at once safely."""

    def __init__(
        self,
        database_url: str,
        *,
        warehouse_root: Path,
        exports_dir: Path,
        deps: SchedulerDeps,
        poll_seconds: float = 15.0,
        refresh_warehouse: bool = False,
        webhook_timeout: float = 10.0,
        webhook_delays: tuple[float, ...] = (1.0, 4.0),
        batch: int = 10,
        abandon_after_seconds: float = 3600.0,
        name: str | None = None,
    ) -> None:
        self.database_url = database_url
        self.warehouse_root = warehouse_root
        self.exports_dir = exports_dir
        self.deps = deps
        self.poll_seconds = poll_seconds
        self.refresh_warehouse = refresh_warehouse
        self.webhook_timeout = webhook_timeout
        self.webhook_delays = webhook_delays
        self.batch = batch
        self.abandon_after_seconds = abandon_after_seconds
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    async def _connect(self) -> Conn:
        return await psycopg.AsyncConnection.connect(self.database_url, autocommit=True, row_factory=dict_row)

    async def claim(self, now: datetime | None = None) -> list[Claim]:
        """Take the due schedules no other scheduler holds, move them to their next occurrence and record a run."""
        at = now or datetime.now(UTC)
        claims = []
        async with await self._connect() as conn, conn.transaction():
            cur = await conn.execute(CLAIM_DUE, {"now": at, "limit": self.batch})
            for row in await cur.fetchall():
                try:
                    following = next_run(row["cron"], row["timezone"], max(at, row["next_run_at"]))
                except ReportError as exc:  # stored before a rule changed: park it far away, visibly
                    log.error("schedule %s has an unusable cron expression: %s", row["id"], exc.message)
                    following = datetime.max.replace(tzinfo=UTC)
                await conn.execute(ADVANCE, {"id": row["id"], "next_run_at": following})
                run = await _one(
                    conn,
                    INSERT_RUN,
                    {"schedule_id": row["id"], "scheduled_for": row["next_run_at"], "runner": self.name},
                )
                if run is not None:
                    claims.append(Claim(run["id"], row))
        return claims

    async def run_due(self, now: datetime | None = None) -> list[int]:
        """Run every schedule due at `now` (default: now); returns the ids of the runs made."""
        async with await self._connect() as conn:
            await conn.execute(ABANDON_RUNS, {"seconds": self.abandon_after_seconds})
        claims = await self.claim(now)
        if claims and self.refresh_warehouse:
            await asyncio.to_thread(self._refresh)
        for claim in claims:
            await self.run(claim)
        return [c.run_id for c in claims]

    def _refresh(self) -> None:
        from warehouse import refresh

        try:
            refresh(self.warehouse_root, self.database_url)
        except Exception:
            log.exception("warehouse refresh before scheduled exports failed; exporting the current generation")

    async def run(self, claim: Claim) -> Outcome:
        """Run one claimed export and record how it went."""
        schedule = claim.schedule
        outcome = Outcome()
        content: bytes | None = None
        result: dict[str, Any] | None = None
        media_type = exports.FORMATS[schedule["format"]][0]
        try:
            async with await self._connect() as conn:
                scope = await self.deps.scope_of(conn, schedule["owner_id"])
            result, made = await asyncio.to_thread(self._export, schedule, scope, claim)
            path = self.exports_dir / f"schedule-{schedule['id']}" / f"run-{claim.run_id}-{made.filename}"
            await asyncio.to_thread(write_atomic, path, made.content)
            content = made.content
            outcome.file, outcome.bytes = path.relative_to(self.exports_dir).as_posix(), len(made.content)
        except ReportError as exc:
            outcome.status, outcome.error = "failed", _short(exc.message)
        except Exception as exc:
            log.exception("scheduled export %s failed", schedule["id"])
            outcome.status, outcome.error = "failed", _short(f"{type(exc).__name__}: {exc}")
        if schedule["webhook_url"]:
            await self._notify(claim, outcome, result, content, media_type)
        async with await self._connect() as conn:
            await conn.execute(FINISH_RUN, {"id": claim.run_id} | vars(outcome))
        log.info("scheduled export %s run %s: %s", schedule["id"], claim.run_id, outcome.status)
        return outcome

    def _export(
        self, schedule: Mapping[str, Any], scope: Collection[int] | None, claim: Claim
    ) -> tuple[dict[str, Any], exports.Export]:
        ctx = open_context(self.warehouse_root, scope=scope, user_id=schedule["owner_id"])
        try:
            result = run_report(schedule["report"], ctx, schedule["params"])
        finally:
            ctx.cursor.close()
        made = exports.export_report(
            schedule["report"],
            result,
            schedule["format"],
            table=schedule["export_table"],
            params=schedule["params"],
            generated_at=ctx.now,
            warehouse=warehouse_status(self.warehouse_root)["generation"],
        )
        return result, made

    async def _notify(
        self,
        claim: Claim,
        outcome: Outcome,
        result: Mapping[str, Any] | None,
        content: bytes | None,
        media_type: str,
    ) -> None:
        """POST the run's outcome (and the report's JSON) to the schedule's webhook; failures mark the run failed."""
        schedule = claim.schedule
        url = schedule["webhook_url"]
        body = orjson.dumps(
            {
                "schedule": {"id": schedule["id"], "name": schedule["name"], "report": schedule["report"]},
                "run": {
                    "id": claim.run_id,
                    "scheduled_for": iso(schedule["next_run_at"]),
                    "status": outcome.status,
                    "error": outcome.error,
                },
                "params": schedule["params"],
                "file": None
                if outcome.file is None or content is None
                else {
                    "path": outcome.file,
                    "format": schedule["format"],
                    "media_type": media_type,
                    "bytes": outcome.bytes,
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "url": f"/api/v1/schedules/{schedule['id']}/runs/{claim.run_id}/file",
                },
                "result": result,
            },
            option=orjson.OPT_SERIALIZE_NUMPY,
        )
        if not self.deps.url_allowed(url):
            outcome.webhook_error = "the webhook host is no longer allowed (TRACKLAKE_WEBHOOK_ALLOWED_HOSTS)"
            outcome.status = "failed"
            return
        headers = {"Content-Type": "application/json", "User-Agent": "tracklake-scheduler"}
        if schedule["webhook_secret"]:
            headers[self.deps.signature_header] = self.deps.sign(schedule["webhook_secret"], body)
        async with httpx.AsyncClient(timeout=self.webhook_timeout, follow_redirects=False) as client:
            for delay in (0.0, *self.webhook_delays):
                await asyncio.sleep(delay)
                try:
                    response = await client.post(url, content=body, headers=headers)
                except httpx.HTTPError as exc:
                    outcome.webhook_status, outcome.webhook_error = None, _short(f"{type(exc).__name__}: {exc}")
                    continue
                outcome.webhook_status = response.status_code
                if response.is_success:
                    outcome.webhook_error = None
                    return
                outcome.webhook_error = f"HTTP {response.status_code}"
        outcome.status = "failed"

    # --- the loop ---------------------------------------------------------------------------------------------------

    async def run_forever(self) -> None:
        """Claim and run due schedules every `poll_seconds` until `stop()`."""
        log.info("scheduler %s started (every %.0f s)", self.name, self.poll_seconds)
        while not self._stop.is_set():
            try:
                await self.run_due()
            except Exception:
                log.exception("scheduler tick failed")
            try:
                await asyncio.wait_for(self._stop.wait(), self.poll_seconds)
            except TimeoutError:
                pass
        log.info("scheduler %s stopped", self.name)

    def start(self) -> None:
        """Run the loop as a background task (in `serve`)."""
        self._stop.clear()
        self._task = asyncio.create_task(self.run_forever(), name="tracklake-scheduler")

    def request_stop(self) -> None:
        """Let the loop finish its current tick and end (signal handlers call this)."""
        self._stop.set()

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop the background task, waiting up to `grace_seconds` for a running export."""
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, grace_seconds)
            except TimeoutError:
                self._task.cancel()
            self._task = None
