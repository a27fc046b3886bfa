"""Importing a Jira export: parse and check everything, write the metadata, then the issues in batches.

`import_bundle` runs inside the caller's transaction (the CLI's or the request's) and never commits. A bundle that
cannot be read at all raises BundleError before anything is written; a malformed item is reported with its path
and left out (an issue always whole), and the rest is imported.
"""

from __future__ import annotations

import gc
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from psycopg.types.json import Jsonb

from tracker.accounts.models import Actor
from tracker.db import Conn, connect, fetch_one
from tracker.errors import NotFound, ValidationError
from tracker.importer import repository as sql
from tracker.importer.bundle import Bundle, load_bundle
from tracker.importer.issues import IssueWriter
from tracker.importer.jira import parse_bundle
from tracker.importer.metadata import MetadataWriter
from tracker.importer.models import ImportSummary, Problem
from tracker.permissions import require_global_permission

SOURCE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,59}$")

Progress = Callable[[int], None]


def check_source(source: str) -> str:
    """The name under which imported objects are remembered ('jira'; one per Jira site imported)."""
    if not isinstance(source, str) or not SOURCE.match(source):
        raise ValidationError(
            "Invalid import source", errors={"source": "1-60 lowercase letters, digits, '.', '_' or '-'"}
        )
    return source


async def import_bundle(
    conn: Conn,
    actor: Actor,
    bundle: Bundle,
    *,
    source: str = "jira",
    batch_size: int = 500,
    fast: bool | None = False,
    record: bool = True,
    on_total: Callable[[int], None] | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import a parsed bundle as `actor` (a system administrator) in the caller's transaction.

    `fast`: set the secondary indexes and foreign keys of issues, history, sprint memberships and comments aside
    while the issues load and rebuild them before returning (tracker/importer/bulk.py; the tables stay locked
    until the caller commits); None: when the import at least half-fills the issues table again. Off by default
    here (a request's transaction must not lock the tracker); the command line uses None.
    """
    require_global_permission(actor)
    check_source(source)
    started, clock = datetime.now(UTC), time.perf_counter()
    summary = ImportSummary(source)
    parsed = parse_bundle(bundle)
    summary.problems += parsed.problems
    for section, count in parsed.rejected.items():
        summary.counts[f"{section}_rejected"] += count
    if on_total:
        on_total(bundle.count("issues"))
    if progress and parsed.rejected.get("issues"):
        progress(parsed.rejected["issues"])
    await conn.execute(sql.IMPORT_LOCK)
    maps = await MetadataWriter(conn, actor, source, parsed, summary).run()
    await IssueWriter(conn, actor, source, maps, summary, batch_size, fast).run(parsed.issues, progress)
    summary.seconds = time.perf_counter() - clock
    if record:
        await conn.execute(
            sql.INSERT_RUN,
            {
                "source": source,
                "actor_id": actor.id,
                "started_at": started,
                "counts": Jsonb(dict(summary.counts)),
                "problems": Jsonb([p.view() for p in summary.problems[:1000]]),
            },
        )
    return summary


async def admin_actor(conn: Conn, username: str = "admin") -> Actor:
    """The administrator a command-line import runs as."""
    row = await fetch_one(
        conn, "SELECT id, username, display_name, is_admin, active FROM users WHERE username = %(u)s", {"u": username}
    )
    if row is None:
        raise NotFound(f"User '{username}' does not exist: start tracklake once (or run `tracklake migrate`) first")
    actor = Actor.from_row(row)
    require_global_permission(actor)
    return actor


async def run_import(
    url: str,
    path: str | Path | Bundle,
    *,
    source: str = "jira",
    username: str = "admin",
    dry_run: bool = False,
    batch_size: int = 500,
    fast: bool | None = None,
    on_total: Callable[[int], None] | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import a bundle file or directory in one transaction (rolled back for a dry run); `fast` as in
    import_bundle, by default when the import is big relative to what the tracker holds."""
    bundle = path if isinstance(path, Bundle) else load_bundle(path)
    # The parsed export is millions of long-lived objects: the collector would scan them again and again while the
    # import allocates (a third of the parse time). Frozen, they are skipped until the import is done.
    gc.freeze()
    try:
        async with await connect(url) as conn:
            async with conn.transaction(force_rollback=dry_run):
                actor = await admin_actor(conn, username)
                summary = await import_bundle(
                    conn,
                    actor,
                    bundle,
                    source=source,
                    batch_size=batch_size,
                    fast=fast,
                    record=not dry_run,
                    on_total=on_total,
                    progress=progress,
                )
    finally:
        gc.unfreeze()
    summary.dry_run = dry_run
    return summary


def summary_lines(summary: ImportSummary, *, max_problems: int = 50) -> list[str]:
    """A short human summary: counts, then the problems (errors first)."""
    counts = summary.counts
    lines = [
        f"{'dry run: nothing written. ' if summary.dry_run else ''}imported from {summary.source} in "
        f"{summary.seconds:.1f}s: {counts['issues_created']} issues created, {counts['issues_updated']} updated, "
        f"{counts['issues_unchanged']} unchanged, {counts['issues_rejected']} rejected; "
        f"{counts['history_rows']} history rows, {counts['events']} events",
    ]
    others = {k: v for k, v in sorted(counts.items()) if not k.startswith(("issues_", "history_", "events"))}
    if others:
        lines.append("  " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in others.items()))
    ordered: list[Problem] = summary.errors + [p for p in summary.problems if p.level != "error"]
    for p in ordered[:max_problems]:
        lines.append(f"  {p.level}: {p.path}: {p.message}")
    if len(ordered) > max_problems:
        lines.append(f"  ... and {len(ordered) - max_problems} more problem(s)")
    return lines
