"""Scheduled exports: the API (create, list, delete, run now, run history), the scheduler writing files under
DATA_DIR/exports and POSTing webhooks, failures in the history, and no double runs with several schedulers."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg
import pytest

from api.app import create_app
from api.routes.schedules import make_scheduler
from reports.schedules import Scheduler
from tests.conftest import ADMIN_TOKEN, _client
from tests.dashboards.fixtures import analytics_settings, report_params
from tracker.webhooks.signing import sign

TRACKLAKE = str(Path(sys.executable).parent / "tracklake")


@pytest.fixture
async def schedules(client: httpx.AsyncClient) -> AsyncIterator[list[int]]:
    """Ids of the schedules a test makes; deleted afterwards, so no other test's scheduler finds them due."""
    made: list[int] = []
    yield made
    for schedule_id in made:
        await client.delete(f"/api/v1/schedules/{schedule_id}")


async def create(client: httpx.AsyncClient, made: list[int], **body: Any) -> dict[str, Any]:
    payload = {"name": "export " + secrets.token_hex(3), "cron": "*/5 * * * *"} | body
    r = await client.post("/api/v1/schedules", json=payload)
    assert r.status_code == 201, r.text
    made.append(r.json()["id"])
    data: dict[str, Any] = r.json()
    return data


def at(schedule: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(schedule["next_run_at"].replace("Z", "+00:00"))


def scheduler(database_url: str, data_dir: Path, **settings: Any) -> Scheduler:
    runner = make_scheduler(
        analytics_settings(
            database_url,
            data_dir,
            scheduler_refresh_warehouse=False,
            webhook_allowed_hosts=settings.pop("webhook_allowed_hosts", "127.0.0.1"),
            **settings,
        ),
        database_url,
    )
    runner.webhook_delays = ()
    return runner


async def runs(client: httpx.AsyncClient, schedule_id: int) -> list[dict[str, Any]]:
    r = await client.get(f"/api/v1/schedules/{schedule_id}/runs")
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()["runs"]
    return found


async def test_create_list_and_delete(
    client: httpx.AsyncClient, analytics_app: Any, dataset: dict[str, Any], schedules: list[int], db: Any
) -> None:
    params = report_params(dataset)["velocity"]
    made = await create(
        client, schedules, report="velocity", params=params, cron="0 6 * * 1-5", timezone="Europe/Paris"
    )
    assert made["report"] == "velocity" and made["params"] == params and made["format"] == "csv"
    assert made["owner"] == "admin" and made["last_run"] is None and "webhook_secret" not in made
    # The next run: 06:00 in Paris, on a weekday, within the next four days.
    local = at(made).astimezone(ZoneInfo("Europe/Paris"))
    assert (local.hour, local.minute) == (6, 0) and local.weekday() < 5
    assert datetime.now(UTC) < at(made) < datetime.now(UTC) + timedelta(days=4)
    listed = await client.get("/api/v1/schedules")
    assert made["id"] in [s["id"] for s in listed.json()["schedules"]]
    assert (await client.get(f"/api/v1/schedules/{made['id']}")).json() == made
    # Other users neither see nor touch it; their own schedules are theirs.
    username = "sched" + secrets.token_hex(3)
    assert (await client.post("/api/v1/users", json={"username": username, "display_name": "S"})).status_code == 201
    token = (await client.post(f"/api/v1/users/{username}/tokens", json={"name": "t"})).json()["token"]
    async with _client(analytics_app, token) as user:
        assert made["id"] not in [s["id"] for s in (await user.get("/api/v1/schedules")).json()["schedules"]]
        assert (await user.get(f"/api/v1/schedules/{made['id']}")).status_code == 404
        assert (await user.delete(f"/api/v1/schedules/{made['id']}")).status_code == 404
        assert (await user.get(f"/api/v1/schedules/{made['id']}/runs")).status_code == 404
        own = await create(user, schedules, report="statistics", params={"field": "status"}, format="json")
        assert own["owner"] == username
    everyone = [s["id"] for s in (await client.get("/api/v1/schedules")).json()["schedules"]]
    assert {made["id"], own["id"]} <= set(everyone)  # administrators see every schedule
    # Idempotency-Key replays the creation.
    body = {"name": "once", "report": "velocity", "params": params, "cron": "@daily"}
    key = {"Idempotency-Key": secrets.token_hex(8)}
    first = await client.post("/api/v1/schedules", json=body, headers=key)
    again = await client.post("/api/v1/schedules", json=body, headers=key)
    schedules.append(first.json()["id"])
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    deleted = await client.delete(f"/api/v1/schedules/{made['id']}")
    assert deleted.status_code == 204
    assert (await client.get(f"/api/v1/schedules/{made['id']}")).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cron": "61 * * * *"}, "cron"),
        ({"cron": "* * * * * *"}, "cron"),
        ({"cron": "0 0 31 2 *"}, "cron"),  # 31 February never comes
        ({"cron": ""}, "cron"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"report": "no-such-report"}, "report"),
        ({"params": {"board": "abc"}}, "params.board"),
        ({"params": {"colour": "red"}}, "params.colour"),
        ({"params": {"format": "csv"}}, "params"),
        ({"format": "xlsx"}, "format"),
        ({"format": "json", "table": "sprints"}, "table"),
        ({"webhook_url": "http://evil.example/hook"}, "webhook_url"),
        ({"webhook_url": "ftp://127.0.0.1/x"}, "webhook_url"),
        ({"name": ""}, "name"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_invalid_schedules_are_refused_and_nothing_is_written(
    body: dict[str, Any], field: str, client: httpx.AsyncClient, dataset: dict[str, Any], db: Any
) -> None:
    count = "SELECT count(*) AS n FROM report_schedules"
    before = (await (await db.execute(count)).fetchone())["n"]
    valid = {"name": "x", "report": "velocity", "params": {"board": dataset["scrum"]["id"]}, "cron": "@hourly"}
    r = await client.post("/api/v1/schedules", json=valid | body)
    assert r.status_code == 422, r.text
    assert field in r.json()["errors"], r.json()
    if body.get("cron") == "0 0 31 2 *":
        assert "never fires" in r.json()["errors"]["cron"]
    assert (await (await db.execute(count)).fetchone())["n"] == before


async def test_scheduler_writes_the_export_and_records_the_run(
    client: httpx.AsyncClient, dataset: dict[str, Any], schedules: list[int], database_url: str, analytics_dir: Path
) -> None:
    params = report_params(dataset)["velocity"]
    made = await create(client, schedules, report="velocity", params=params, format="csv")
    runner = scheduler(database_url, analytics_dir)
    due = at(made)
    assert await runner.run_due(due - timedelta(seconds=1)) == []  # not due yet
    [run_id] = await runner.run_due(due)
    [run] = await runs(client, made["id"])
    assert run["id"] == run_id and run["status"] == "succeeded" and run["error"] is None
    assert run["scheduled_for"] == made["next_run_at"] and run["runner"] == runner.name
    path = analytics_dir / "exports" / run["file"]
    assert path.parent.name == f"schedule-{made['id']}" and path.name.startswith(f"run-{run_id}-velocity-")
    # The file is the export the API gives for the same parameters.
    api = await client.get("/api/v1/reports/velocity/export", params=params | {"format": "csv"})
    assert path.read_bytes() == api.content and run["bytes"] == len(api.content)
    download = await client.get(f"/api/v1/schedules/{made['id']}/runs/{run_id}/file")
    assert download.status_code == 200 and download.content == api.content
    # The schedule moved on to its next occurrence and shows its last run; the same instant is not run again.
    now = (await client.get(f"/api/v1/schedules/{made['id']}")).json()
    assert at(now) == due + timedelta(minutes=5)
    assert now["last_run"]["id"] == run_id and now["last_run"]["status"] == "succeeded"
    assert await runner.run_due(due) == []
    assert len(await runs(client, made["id"])) == 1


async def test_failures_are_in_the_run_history(
    client: httpx.AsyncClient,
    analytics_app: Any,
    dataset: dict[str, Any],
    schedules: list[int],
    database_url: str,
    analytics_dir: Path,
) -> None:
    gone = await create(client, schedules, report="velocity", params={"board": 987654321}, format="parquet")
    # A schedule whose owner is deactivated fails too (it runs as its owner).
    username = "former" + secrets.token_hex(3)
    assert (await client.post("/api/v1/users", json={"username": username, "display_name": "F"})).status_code == 201
    token = (await client.post(f"/api/v1/users/{username}/tokens", json={"name": "t"})).json()["token"]
    async with _client(analytics_app, token) as user:
        orphan = await create(user, schedules, report="statistics", params={"field": "status"}, cron="*/5 * * * *")
    assert (await client.patch(f"/api/v1/users/{username}", json={"active": False})).status_code == 200
    runner = scheduler(database_url, analytics_dir)
    await runner.run_due(max(at(gone), at(orphan)))
    [failed] = await runs(client, gone["id"])
    assert failed["status"] == "failed" and failed["error"] == "Board 987654321 does not exist"
    assert failed["file"] is None and failed["finished_at"] is not None
    assert (await client.get(f"/api/v1/schedules/{gone['id']}")).json()["last_run"]["status"] == "failed"
    no_file = await client.get(f"/api/v1/schedules/{gone['id']}/runs/{failed['id']}/file")
    assert no_file.status_code == 404
    [owner_gone] = await runs(client, orphan["id"])
    assert owner_gone["status"] == "failed" and owner_gone["error"] == "The schedule's owner is deactivated"


class Receiver:
    """A webhook receiver on a loopback port: records each POST and answers with the next of `statuses` (the
    last one again once they run out)."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = statuses
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.statuses[min(len(receiver.requests), len(receiver.statuses)) - 1])
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    made: list[Receiver] = []
    yield made
    for r in made:
        r.close()


async def test_webhook_gets_the_run_signed(
    client: httpx.AsyncClient,
    dataset: dict[str, Any],
    schedules: list[int],
    database_url: str,
    analytics_dir: Path,
    receivers: list[Receiver],
) -> None:
    ok, broken = Receiver(204), Receiver(500)
    receivers += [ok, broken]
    params = report_params(dataset)["sprint-report"]
    made = await create(client, schedules, report="sprint-report", params=params, format="json", webhook_url=ok.url)
    secret = made["webhook_secret"]
    assert len(secret) >= 32 and made["webhook_signed"]
    assert "webhook_secret" not in (await client.get(f"/api/v1/schedules/{made['id']}")).json()
    failing = await create(
        client, schedules, report="velocity", params={"board": dataset["scrum"]["id"]}, webhook_url=broken.url
    )
    runner = scheduler(database_url, analytics_dir)
    await runner.run_due(max(at(made), at(failing)))
    [(headers, body)] = ok.requests
    assert headers["X-Tracklake-Signature"] == sign(secret, body)
    payload = json.loads(body)
    [run] = await runs(client, made["id"])
    assert run["status"] == "succeeded" and run["webhook_status"] == 204 and run["webhook_error"] is None
    assert payload["schedule"] == {"id": made["id"], "name": made["name"], "report": "sprint-report"}
    assert payload["run"]["id"] == run["id"] and payload["run"]["status"] == "succeeded"
    written = (analytics_dir / "exports" / run["file"]).read_bytes()
    assert payload["file"]["sha256"] == hashlib.sha256(written).hexdigest() and payload["file"]["path"] == run["file"]
    api = await client.get("/api/v1/reports/sprint-report", params=params)
    assert payload["result"] == api.json() == json.loads(written)
    # A receiver answering 500 fails the run (the file is still written), after no retries here.
    [bad] = await runs(client, failing["id"])
    assert bad["status"] == "failed" and bad["webhook_status"] == 500 and bad["webhook_error"] == "HTTP 500"
    assert bad["file"] is not None and len(broken.requests) == 1 and "X-Tracklake-Signature" in broken.requests[0][0]
    # A host removed from the allow-list after the schedule was made is not called.
    strict = scheduler(database_url, analytics_dir, webhook_allowed_hosts="")
    await client.post(f"/api/v1/schedules/{made['id']}/run")
    await strict.run_due()
    latest = (await runs(client, made["id"]))[0]
    assert latest["status"] == "failed" and "no longer allowed" in latest["webhook_error"]
    assert len(ok.requests) == 1


async def test_webhook_is_retried(
    client: httpx.AsyncClient,
    dataset: dict[str, Any],
    schedules: list[int],
    database_url: str,
    analytics_dir: Path,
    receivers: list[Receiver],
) -> None:
    flaky = Receiver(503, 200)
    receivers.append(flaky)
    made = await create(
        client, schedules, report="velocity", params={"board": dataset["scrum"]["id"]}, webhook_url=flaky.url
    )
    runner = scheduler(database_url, analytics_dir)
    runner.webhook_delays = (0.05, 0.05)
    await runner.run_due(at(made))
    [run] = await runs(client, made["id"])
    assert run["status"] == "succeeded" and run["webhook_status"] == 200 and len(flaky.requests) == 2


async def test_several_schedulers_run_each_occurrence_once(
    client: httpx.AsyncClient, dataset: dict[str, Any], schedules: list[int], database_url: str, analytics_dir: Path
) -> None:
    made = [
        await create(client, schedules, report="statistics", params={"field": "status"}, cron="* * * * *")
        for _ in range(6)
    ]
    due = max(at(s) for s in made)
    runners = [scheduler(database_url, analytics_dir) for _ in range(3)]
    for n, runner in enumerate(runners):
        runner.name = f"scheduler-{n}"
        runner.batch = 2  # small claims, so the schedulers interleave
    results = await asyncio.gather(*(r.run_due(due) for r in runners), *(r.run_due(due) for r in runners))
    claimed = [run_id for result in results for run_id in result]
    per_schedule = {s["id"]: await runs(client, s["id"]) for s in made}
    assert all(len(r) == 1 and r[0]["status"] == "succeeded" for r in per_schedule.values()), per_schedule
    # Each run was claimed by exactly one scheduler (other tests' schedules may have been due as well).
    assert len(claimed) == len(set(claimed)) and {r[0]["id"] for r in per_schedule.values()} <= set(claimed)


async def test_a_locked_schedule_is_skipped_not_waited_for(
    client: httpx.AsyncClient, dataset: dict[str, Any], schedules: list[int], database_url: str, analytics_dir: Path
) -> None:
    made = await create(client, schedules, report="statistics", params={"field": "status"})
    runner = scheduler(database_url, analytics_dir)
    async with await psycopg.AsyncConnection.connect(database_url) as other, other.transaction():
        # Another scheduler holds the row (its claim transaction is open).
        await other.execute("SELECT id FROM report_schedules WHERE id = %s FOR UPDATE", (made["id"],))
        assert await asyncio.wait_for(runner.run_due(at(made)), 10) == []
    assert len(await runner.run_due(at(made))) == 1


async def test_run_now_and_the_refresh_before_exports(
    client: httpx.AsyncClient,
    dataset: dict[str, Any],
    schedules: list[int],
    database_url: str,
    analytics_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = await create(client, schedules, report="statistics", params={"field": "status"}, cron="0 0 1 1 *")
    assert at(made) > datetime.now(UTC) + timedelta(hours=1)
    refreshed: list[Path] = []
    import warehouse

    monkeypatch.setattr(warehouse, "refresh", lambda root, url, **kw: refreshed.append(Path(root)))
    runner = scheduler(database_url, analytics_dir)
    runner.refresh_warehouse = True
    assert await runner.run_due() == [] and refreshed == []  # nothing due: no refresh either
    requested = await client.post(f"/api/v1/schedules/{made['id']}/run")
    assert requested.status_code == 202 and at(requested.json()) <= datetime.now(UTC)
    [run_id] = await runner.run_due()
    assert refreshed == [analytics_dir / "warehouse"]
    assert (await runs(client, made["id"]))[0]["id"] == run_id
    after = (await client.get(f"/api/v1/schedules/{made['id']}")).json()
    assert at(after) == at(made)  # back on its cron: next 1 January
    disabled = await create(client, schedules, report="statistics", params={"field": "status"}, enabled=False)
    assert disabled["next_run_at"] is None
    refused = await client.post(f"/api/v1/schedules/{disabled['id']}/run")
    assert refused.status_code == 422


async def test_tracklake_scheduler_command(
    client: httpx.AsyncClient, dataset: dict[str, Any], schedules: list[int], database_url: str, analytics_dir: Path
) -> None:
    made = await create(client, schedules, report="velocity", params={"board": dataset["scrum"]["id"]}, cron="@yearly")
    await client.post(f"/api/v1/schedules/{made['id']}/run")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKLAKE_")} | {
        "TRACKLAKE_DATABASE_URL": database_url,
        "TRACKLAKE_DATA_DIR": str(analytics_dir),
        "TRACKLAKE_SCHEDULER_REFRESH_WAREHOUSE": "false",
    }
    done = await asyncio.to_thread(
        subprocess.run, [TRACKLAKE, "scheduler", "--once"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "scheduled export(s)" in done.stdout
    [run] = await runs(client, made["id"])
    assert run["status"] == "succeeded" and (analytics_dir / "exports" / run["file"]).is_file()
    # Without TRACKLAKE_DATABASE_URL it runs on the data dir's embedded server: tests/test_serve.py.


async def test_serve_runs_due_exports_in_process(
    client: httpx.AsyncClient, dataset: dict[str, Any], schedules: list[int], database_url: str, tmp_path: Path
) -> None:
    made = await create(client, schedules, report="statistics", params={"field": "status"}, cron="@yearly")
    settings = analytics_settings(database_url, tmp_path, scheduler_poll_seconds=0.2, rabbitmq_url=None)
    settings.scheduler_in_process = True
    settings.scheduler_refresh_warehouse = False
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        async with _client(application, ADMIN_TOKEN) as own:
            assert (await own.post(f"/api/v1/schedules/{made['id']}/run")).status_code == 202
            for _ in range(100):
                found = await runs(own, made["id"])
                if found and found[0]["status"] != "running":
                    break
                await asyncio.sleep(0.1)
    [run] = found
    # This app's data dir has no warehouse yet: the report runs on an empty one and still exports.
    assert run["status"] == "succeeded", run
    assert (tmp_path / "exports" / run["file"]).is_file()
