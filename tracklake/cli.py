"""The `tracklake` command."""

from __future__ import annotations

import contextlib
import socket
from typing import Annotated, Any

import typer

from tracklake.settings import Settings

app = typer.Typer(help="tracklake: a self-hosted issue tracker with agile analytics.", no_args_is_help=True)


@contextlib.contextmanager
def database(settings: Settings):  # type: ignore[no-untyped-def]
    """The configured database URL, or an embedded PostgreSQL under the data dir for the time of the block."""
    if settings.database_url:
        yield settings.database_url
        return
    from tracklake.embedded import embedded_postgres

    with embedded_postgres(settings.data_dir, debug=settings.log_level.upper() == "DEBUG") as url:
        yield url


def require_database(url: str) -> None:
    """Exit with one line and a hint (code 2) when the configured database does not exist, rather than with the
    traceback of the first connection. Other connection errors are left to show as they did."""
    import re

    import psycopg

    try:
        psycopg.connect(url, connect_timeout=10).close()
    except psycopg.OperationalError as exc:
        missing = re.search(r'database "(.+?)" does not exist', str(exc))
        if missing is None:
            return
        name = missing.group(1)
        info = psycopg.conninfo.conninfo_to_dict(url)
        where = f" on {info['host']}:{info.get('port', 5432)}" if info.get("host") else ""
        typer.echo(
            f'error: database "{name}" does not exist{where} (TRACKLAKE_DATABASE_URL); create it with `createdb {name}`'
            " or unset TRACKLAKE_DATABASE_URL to use the embedded server under the data dir",
            err=True,
        )
        raise typer.Exit(2) from None


def _announce(sockets: list[socket.socket]) -> None:
    """Say where tracklake listens: only once the sockets are bound, so it is true when printed."""
    urls = []
    for sock in sockets:
        host, port = sock.getsockname()[:2]
        urls.append(f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}")
    typer.echo(f"tracklake listening on {', '.join(urls)}", err=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
    workers: Annotated[int, typer.Option(min=1, help="API worker processes (one per core is a good start)")] = 1,
) -> None:
    """Run the API and dashboards (with an embedded PostgreSQL when TRACKLAKE_DATABASE_URL is unset)."""
    import uvicorn

    from api.app import create_app
    from api.observability import configure_logging

    settings = Settings()
    configure_logging(settings.log_level)
    if settings.database_url:
        require_database(settings.database_url)
    with database(settings) as url:
        bind = {"host": host or settings.host, "port": port or settings.port, "log_config": None, "access_log": False}
        if workers > 1:
            import os

            from tracklake.migrate import migrate

            migrate(url)  # once, before the workers start
            os.environ["TRACKLAKE_DATABASE_URL"] = url
            _run_workers(workers, bind)
            return
        config = uvicorn.Config(create_app(settings, database_url=url), **bind)  # type: ignore[arg-type]
        with _graceful_signals():
            _server(config).run()


def _server(config: Any) -> Any:
    """uvicorn's server, saying where it listens once the app has started and the port is bound."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)  # exits when the app's startup or the bind fails
            if self.started:
                _announce([sock for server in self.servers for sock in server.sockets])

    return Server(config)


def listening_socket(config: Any) -> socket.socket:
    """The socket shared by worker processes.

    Accepted connections inherit TCP_NODELAY from the listening socket (Linux). uvicorn's worker processes do
    not get it otherwise, and a keep-alive response written in two parts then waits 40 ms for the client's
    delayed ACK.
    """
    sock: socket.socket = config.bind_socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _run_workers(workers: int, bind: dict[str, object]) -> None:
    """Several API processes sharing one listening socket."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config("api.app:create_app_from_env", factory=True, workers=workers, **bind)  # type: ignore[arg-type]
    sock = listening_socket(config)
    _announce([sock])
    with _graceful_signals():
        Multiprocess(config, sockets=[sock]).run()


@contextlib.contextmanager
def _graceful_signals():  # type: ignore[no-untyped-def]
    """uvicorn re-raises SIGINT/SIGTERM after its graceful shutdown; absorb them so cleanup (stopping the
    embedded PostgreSQL) runs and the process exits 0."""
    import signal

    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@app.command()
def worker(
    relay: Annotated[bool, typer.Option(help="run the outbox relay")] = True,
    consumers: Annotated[bool, typer.Option(help="run the queue consumers and the webhook sender")] = True,
    processes: Annotated[
        int, typer.Option(min=1, max=2, help="2: the relay in its own process, so relay and consumers use 2 cores")
    ] = 1,
) -> None:
    """Run the event pipeline: outbox relay → RabbitMQ → search, warehouse, webhooks, notifications."""
    import asyncio

    from api.observability import configure_logging
    from pipelines.worker import run_worker
    from tracklake.migrate import migrate

    settings = Settings()
    configure_logging(settings.log_level)
    if not settings.rabbitmq_url:
        raise typer.BadParameter("tracklake worker needs TRACKLAKE_RABBITMQ_URL; without a broker `serve` runs it")
    if settings.database_url:
        require_database(settings.database_url)
    # Without TRACKLAKE_DATABASE_URL: the embedded server of the data dir, shared with `serve` (started if down).
    with database(settings) as url:
        migrate(url)
        asyncio.run(
            run_worker(
                settings,
                url,
                relay=relay,
                consumers=consumers,
                processes=processes,
                configure_logging=configure_logging,
            )
        )


@app.command()
def scheduler(
    once: Annotated[bool, typer.Option(help="run the exports due now, then exit")] = False,
) -> None:
    """Run scheduled report exports (several schedulers may run: each due export runs once)."""
    from api.observability import configure_logging
    from api.routes.schedules import make_scheduler
    from tracklake.migrate import migrate

    settings = Settings()
    configure_logging(settings.log_level)
    if settings.database_url:
        require_database(settings.database_url)
    # Without TRACKLAKE_DATABASE_URL: the embedded server of the data dir, shared with `serve` (started if down).
    with database(settings) as url:
        migrate(url)
        _run_scheduler(make_scheduler(settings, url), once=once)


def _run_scheduler(runner: Any, *, once: bool) -> None:
    import asyncio
    import signal

    async def run() -> None:
        if once:
            runs = await runner.run_due()
            typer.echo(f"ran {len(runs)} scheduled export(s)")
            return
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, runner.request_stop)
        await runner.run_forever()

    asyncio.run(run())


search_app = typer.Typer(help="Elasticsearch index of issues.", no_args_is_help=True)
app.add_typer(search_app, name="search")


@search_app.command("reindex")
def search_reindex(
    index: Annotated[str, typer.Option(help="index name")] = "tracklake-issues",
) -> None:
    """Rebuild the issue index from PostgreSQL (safe while the indexer runs: external versions)."""
    import asyncio

    from pipelines.consumers.search import reindex
    from tracker.search.es import elasticsearch_client

    settings = Settings()
    if not settings.elasticsearch_url:
        raise typer.BadParameter("set TRACKLAKE_ELASTICSEARCH_URL")

    async def run(url: str) -> int:
        es = elasticsearch_client(settings.elasticsearch_url or "")
        try:
            return await reindex(es, url, index)
        finally:
            await es.close()

    with database(settings) as url:
        count = asyncio.run(run(url))
    typer.echo(f"indexed {count} issue(s) into {index}")


@app.command("migrate")
def migrate_command() -> None:
    """Apply pending database migrations and exit."""
    from api.observability import configure_logging
    from tracklake.migrate import migrate

    settings = Settings()
    configure_logging(settings.log_level)
    if settings.database_url:
        require_database(settings.database_url)
    with database(settings) as url:
        applied = migrate(url)
    typer.echo(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")


@app.command()
def generate(
    projects: Annotated[int, typer.Option(min=1, help="projects to create")] = 3,
    issues: Annotated[int, typer.Option(min=0, help="issues in total")] = 10_000,
    history_per_issue: Annotated[int, typer.Option(min=1, help="history rows per issue")] = 10,
    users: Annotated[int, typer.Option(min=1, help="users to spread work over")] = 50,
    seed: Annotated[int, typer.Option(help="random seed (same seed, same data)")] = 0,
    fast: Annotated[
        bool | None,
        typer.Option(
            "--fast/--no-fast",
            help="rebuild the indexes and foreign keys of issues and history after the load (locks those tables "
            "until it commits); default: for 10,000 issues or more, at least half of what they hold",
        ),
    ] = None,
) -> None:
    """Bulk-load synthetic projects, issues and history with COPY, in one transaction."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from tracklake.bootstrap import ensure_admin
    from tracklake.generate import generate as run
    from tracklake.migrate import migrate

    settings = Settings()
    with database(settings) as url:
        migrate(url)
        import asyncio

        token = asyncio.run(ensure_admin(url, settings.bootstrap_token))
        if token:
            from tracklake.bootstrap import announce_token

            announce_token(token)
        columns = (TextColumn("generating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, transient=False) as bar:
            task = bar.add_task("issues", total=issues)
            result = run(
                url,
                projects=projects,
                issues=issues,
                history_per_issue=history_per_issue,
                users=users,
                seed=seed,
                fast=fast,
                progress=lambda n: bar.advance(task, n),
            )
    rate = result.issues / result.seconds if result.seconds else 0.0
    typer.echo(
        f"generated {result.issues} issues and {result.history_rows} history rows in "
        f"{', '.join(result.projects)} in {result.seconds:.1f}s ({rate:,.0f} issues/s)"
    )


import_app = typer.Typer(help="Bring data in from other trackers.", no_args_is_help=True)
app.add_typer(import_app, name="import")


@import_app.command("jira")
def import_jira(
    path: Annotated[str, typer.Argument(help="a Jira export: one JSON file or a directory of JSON files")],
    source: Annotated[str, typer.Option(help="name remembered with the imported ids (one per Jira site)")] = "jira",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check and report, write nothing")] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=100_000, help="issues per COPY batch")] = 500,
    as_user: Annotated[str, typer.Option("--as", help="the administrator the import runs as")] = "admin",
    json_output: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
    fast: Annotated[
        bool | None,
        typer.Option(
            "--fast/--no-fast",
            help="rebuild the indexes and foreign keys of issues, history and comments after the load (locks those "
            "tables until it commits); default: for 10,000 new issues or more into a tracker without issues",
        ),
    ] = None,
) -> None:
    """Import a Jira export (REST JSON with changelogs) with its original history; safe to run again.

    Exit status: 0 when everything was imported, 2 when some items were rejected (the rest is imported),
    1 when the export cannot be read (nothing is written)."""
    import asyncio
    import json

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from tracker.errors import TrackerError
    from tracker.importer import load_bundle, run_import, summary_lines
    from tracklake.bootstrap import announce_token, ensure_admin
    from tracklake.migrate import migrate

    settings = Settings()
    try:
        bundle = load_bundle(path)
    except TrackerError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with database(settings) as url, Progress(*columns, transient=json_output) as bar:
        migrate(url)
        token = asyncio.run(ensure_admin(url, settings.bootstrap_token))
        if token:
            announce_token(token)
        task = bar.add_task("issues", total=bundle.count("issues"))
        try:
            summary = asyncio.run(
                run_import(
                    url, bundle, source=source, username=as_user, dry_run=dry_run, batch_size=batch_size,
                    fast=fast, progress=lambda n: bar.advance(task, n),
                )
            )  # fmt: skip
        except TrackerError as exc:
            typer.echo(f"error: {exc.message} {exc.errors or ''}".rstrip(), err=True)
            raise typer.Exit(1) from None
    typer.echo(json.dumps(summary.view(), indent=2) if json_output else "\n".join(summary_lines(summary)))
    raise typer.Exit(2 if summary.errors else 0)


@app.command()
def demo(
    key: Annotated[str, typer.Option(help="key of the demo project")] = "TEAM",
    seed: Annotated[int, typer.Option(help="random seed of the simulated team")] = 7,
) -> None:
    """Create a demo team project with Scrum and Kanban boards and a few sprints of history."""
    from tracklake.demo import demo_command

    raise typer.Exit(demo_command(key, seed))


warehouse_app = typer.Typer(help="The analytics warehouse (DuckDB over Parquet).", no_args_is_help=True)
app.add_typer(warehouse_app, name="warehouse")


@warehouse_app.command("rebuild")
def warehouse_rebuild(
    threads: Annotated[int | None, typer.Option(help="DuckDB threads (default: all cores)")] = None,
) -> None:
    """Rebuild every warehouse model from PostgreSQL's issue_history and a fresh dimension snapshot."""
    from tracklake.migrate import migrate
    from warehouse import rebuild

    settings = Settings()
    with database(settings) as url:
        migrate(url)
        result = rebuild(settings.warehouse_dir, url, threads=threads)
    rows = ", ".join(f"{k} {v}" for k, v in result.manifest.rows.items())
    typer.echo(f"rebuilt warehouse generation {result.manifest.generation} in {result.seconds:.1f}s ({rows})")


@warehouse_app.command("refresh")
def warehouse_refresh(
    threads: Annotated[int | None, typer.Option(help="DuckDB threads (default: all cores)")] = None,
) -> None:
    """Load newly landed events into the warehouse models (incremental; falls back to a full build)."""
    from warehouse import refresh

    settings = Settings()
    with database(settings) as url:
        result = refresh(settings.warehouse_dir, url, threads=threads)
    typer.echo(
        f"warehouse generation {result.manifest.generation} ({result.manifest.mode}, "
        f"{result.affected_issues if result.affected_issues is not None else 'all'} issues) in {result.seconds:.1f}s"
    )


@app.command()
def version() -> None:
    """Print the version."""
    from importlib.metadata import version as v

    typer.echo(v("tracklake"))


def main() -> None:
    app()
