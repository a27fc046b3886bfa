"""The `tracklake` command."""

from __future__ import annotations

import contextlib
from typing import Annotated

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

    with embedded_postgres(settings.data_dir) as url:
        yield url


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
) -> None:
    """Run the API and dashboards (with an embedded PostgreSQL when TRACKLAKE_DATABASE_URL is unset)."""
    import uvicorn

    from api.app import create_app
    from api.observability import configure_logging

    settings = Settings()
    configure_logging(settings.log_level)
    with database(settings) as url:
        application = create_app(settings, database_url=url)
        config = uvicorn.Config(
            application, host=host or settings.host, port=port or settings.port, log_config=None, access_log=False
        )
        typer.echo(f"tracklake listening on http://{config.host}:{config.port}", err=True)
        with _graceful_signals():
            uvicorn.Server(config).run()


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


@app.command("migrate")
def migrate_command() -> None:
    """Apply pending database migrations and exit."""
    from tracklake.migrate import migrate

    settings = Settings()
    with database(settings) as url:
        applied = migrate(url)
    typer.echo(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")


@app.command()
def version() -> None:
    """Print the version."""
    from importlib.metadata import version as v

    typer.echo(v("tracklake"))


def main() -> None:
    app()
