"""Synthetic but plausible data at scale, bulk-loaded with COPY, for demos and benchmarks.

Values are generated column-wise with NumPy and Polars (no Python loop per row) and streamed to PostgreSQL
as CSV through COPY. Each issue's history is consistent with its current values: the last change of a field
leaves the value the issue holds. Issues are written with their history but without outbox events (a bulk
load is not a stream of user edits); `tracklake warehouse rebuild` reads them from history.

Everything is one transaction: a run that fails halfway leaves nothing behind. When the load is big relative to
what `issues` and `issue_history` hold (or with `fast=True`), their secondary indexes and foreign keys are set
aside for the load and rebuilt before commit (tracker/importer/bulk.py); the rows written are the same either way.
"""

from __future__ import annotations

import io
import string
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import polars as pl
import psycopg
import pyarrow as pa

from tracker.importer import bulk

FIELDS = np.array(["status", "assignee", "Story Points", "priority"])
FIELD_WEIGHTS = np.array([0.5, 0.2, 0.15, 0.15])
POINTS = np.array([1, 2, 3, 5, 8, 13])
WORDS = np.array(
    "login cache search export sprint board report import payment profile api queue index chart "
    "webhook filter timeline upload session billing".split()
)
LABELS = np.array(["backend", "frontend", "infra", "ux", "security", "perf", "tech-debt", "customer"])
TYPE_WEIGHTS = {"Task": 0.45, "Bug": 0.25, "Story": 0.25, "Epic": 0.05}
PRIORITY_WEIGHTS = np.array([0.05, 0.2, 0.5, 0.2, 0.05])


@dataclass(frozen=True)
class GenerateResult:
    projects: list[str]
    issues: int
    history_rows: int
    seconds: float
    fast: bool = False  # indexes and foreign keys were rebuilt after the load


def _project_keys(existing: set[str], count: int) -> list[str]:
    keys: list[str] = []
    n = 0
    while len(keys) < count:
        letters, m = "", n
        while True:
            letters = string.ascii_uppercase[m % 26] + letters
            m = m // 26 - 1
            if m < 0:
                break
        key = f"GEN{letters}"[:10]
        if key not in existing:
            keys.append(key)
        n += 1
    return keys


def _pg_array(values: pl.Expr) -> pl.Expr:
    return pl.lit("{") + values.list.join(",") + pl.lit("}")


def _ranks(cur: psycopg.Cursor[Any], n: int) -> np.ndarray:
    """The ranks next_issue_rank() would give the next `n` issues (same sequence, same spelling), computed here:
    the column default runs a PL/pgSQL base-36 loop per row."""
    seq = np.array(
        [r[0] for r in cur.execute("SELECT nextval('issue_rank_seq') FROM generate_series(1, %s)", (n,))],
        dtype=np.uint64,
    )
    digits = np.empty((n, 15), dtype=np.uint8)
    alphabet = np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
    digits[:, 0] = digits[:, 14] = ord("i")
    for position in range(13, 0, -1):
        digits[:, position] = alphabet[(seq % np.uint64(36)).astype(np.intp)]
        seq //= np.uint64(36)
    return digits.view("S15").ravel().astype(str)


def _encode(table: str, frame: pl.DataFrame) -> tuple[str, memoryview]:
    """A COPY statement and its data (CSV, written by Polars' multi-threaded writer)."""
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="\\N", datetime_format="%Y-%m-%dT%H:%M:%S%.6f+00:00")
    columns = ", ".join(frame.columns)
    return f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer.getbuffer()


def _copy(cur: psycopg.Cursor[Any], loads: list[tuple[str, memoryview]]) -> None:
    for statement, data in loads:
        with cur.copy(statement) as copy:  # type: ignore[arg-type]  # built from constant names
            copy.write(data)


def generate(
    url: str,
    *,
    projects: int,
    issues: int,
    history_per_issue: int,
    users: int = 50,
    seed: int = 0,
    chunk: int = 25_000,
    fast: bool | None = None,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> GenerateResult:
    """Create `projects` projects holding `issues` issues in total, each with `history_per_issue` history rows.

    `fast`: rebuild the indexes and foreign keys of issues and issue_history after the load instead of
    maintaining them row by row (None: when the load is big relative to the tables). One transaction either way.
    `now`: the instant the generated year of history ends (default: now); the same seed and instant give the
    same rows.

    The next chunk is generated while PostgreSQL takes the previous one: COPY runs in a second thread on the
    loading connection, and ids come from a second connection (sequences are not transactional anyway).
    """
    if projects < 1 or issues < 0 or history_per_issue < 1 or users < 1:
        raise ValueError("projects, history-per-issue and users must be at least 1, issues at least 0")
    started = datetime.now(UTC)
    now = now or started
    rng = np.random.default_rng(seed)
    with (
        psycopg.connect(url) as conn,
        conn.cursor() as cur,
        psycopg.connect(url, autocommit=True) as ids_conn,
        ids_conn.cursor() as ids,
        ThreadPoolExecutor(1, thread_name_prefix="generate-copy") as copier,
    ):
        admin = cur.execute("SELECT id FROM users WHERE username = 'admin'").fetchone()
        if admin is None:
            raise RuntimeError("no admin user: start tracklake once (or run `tracklake migrate`) first")
        user_ids = _ensure_users(cur, users)
        existing = {r[0] for r in cur.execute("SELECT key FROM projects").fetchall()}
        keys = _project_keys(existing, projects)
        types: dict[str, int] = dict(
            cur.execute("SELECT name, id FROM issue_types WHERE name = ANY(%s)", (list(TYPE_WEIGHTS),)).fetchall()
        )
        type_ids = np.array([types[t] for t in TYPE_WEIGHTS])
        type_p = np.array(list(TYPE_WEIGHTS.values()))
        priority_ids = np.array([r[0] for r in cur.execute("SELECT id FROM priorities ORDER BY sequence")])
        project_rows = []
        for key in keys:
            wf = cur.execute("SELECT id, initial_status_id FROM workflows ORDER BY id LIMIT 1").fetchone()
            assert wf is not None
            pid = cur.execute(
                "INSERT INTO projects (key, name, lead_id, workflow_id) VALUES (%s, %s, %s, %s) RETURNING id",
                (key, f"Generated {key}", admin[0], wf[0]),
            ).fetchone()[0]  # type: ignore[index]
            cur.execute(
                "INSERT INTO project_issue_types (project_id, issue_type_id) SELECT %s, id FROM issue_types", (pid,)
            )
            statuses: dict[str, int] = dict(
                cur.execute(
                    "SELECT s.category, min(s.id) FROM workflow_statuses ws JOIN statuses s ON s.id = ws.status_id"
                    " WHERE ws.workflow_id = %s GROUP BY s.category",
                    (wf[0],),
                ).fetchall()
            )
            project_rows.append((pid, key, statuses))
        status_names: dict[int, str] = dict(cur.execute("SELECT id, name FROM statuses").fetchall())
        user_names: dict[int, str] = dict(
            cur.execute("SELECT id, display_name FROM users WHERE id = ANY(%s)", (list(user_ids),)).fetchall()
        )
        priority_names: dict[int, str] = dict(cur.execute("SELECT id, name FROM priorities").fetchall())
        if fast is None:
            existing_issues = cur.execute("SELECT count(*) FROM issues").fetchone()[0]  # type: ignore[index]
            fast = bulk.worth_it(issues, existing_issues)
        asides = bulk.set_aside_sync(cur, ("issues", "issue_history")) if fast and issues else []
        history_rows = 0
        done = 0
        numbers = np.zeros(len(project_rows), dtype=np.int64)
        loading: Future[None] | None = None
        loading_n = 0
        while done < issues:
            n = min(chunk, issues - done)
            issue_frame, history_frame = _chunk(
                ids,
                rng,
                n,
                done,
                history_per_issue,
                project_rows,
                numbers,
                user_ids,
                type_ids,
                type_p,
                priority_ids,
                status_names,
                user_names,
                priority_names,
                now,
                history_rows,
            )
            loads = [_encode("issues", issue_frame), _encode("issue_history", history_frame)]
            history_rows += len(history_frame)
            if loading is not None:
                loading.result()
                if progress:
                    progress(loading_n)
            loading, loading_n = copier.submit(_copy, cur, loads), n
            done += n
        if loading is not None:
            loading.result()
            if progress:
                progress(loading_n)
        for (pid, _, _), count in zip(project_rows, numbers, strict=True):
            cur.execute("UPDATE projects SET issue_seq = %s WHERE id = %s", (int(count), pid))
        if asides:
            bulk.rebuild_sync(cur, asides)
        conn.commit()
    return GenerateResult(keys, issues, history_rows, (datetime.now(UTC) - started).total_seconds(), bool(asides))


def _uuids(rng: np.random.Generator, count: int, start: datetime, offset: int = 0) -> pl.Series:
    """`count` time-ordered (version 7 layout) UUIDs as hex text, generated without a Python loop.

    Ordered ids keep the change_id index append-only during the bulk load, several times faster than random.
    """
    raw = np.frombuffer(rng.bytes(16 * count), dtype=np.uint8).reshape(count, 16).copy()
    millis = int(start.timestamp() * 1000)
    stamp = (np.uint64(millis) << np.uint64(16)) + np.arange(offset, offset + count, dtype=np.uint64) // np.uint64(4096)
    raw[:, :8] = stamp.astype(">u8").view(np.uint8).reshape(count, 8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x70
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    array = pa.FixedSizeBinaryArray.from_buffers(pa.binary(16), count, [None, pa.py_buffer(raw.tobytes())])
    series = pl.Series(pl.from_arrow(array)).cast(pl.Binary).bin.encode("hex")
    return series


def _ensure_users(cur: psycopg.Cursor[Any], count: int) -> np.ndarray:
    names = [f"gen.user{i:04d}" for i in range(count)]
    cur.executemany(
        "INSERT INTO users (username, display_name, email) VALUES (%s, %s, %s) ON CONFLICT (username) DO NOTHING",
        [(n, f"Generated User {i:04d}", f"{n}@example.invalid") for i, n in enumerate(names)],
    )
    rows = cur.execute("SELECT id FROM users WHERE username = ANY(%s) ORDER BY username", (names,)).fetchall()
    return np.array([r[0] for r in rows], dtype=np.int64)


def _chunk(
    cur: psycopg.Cursor[Any],
    rng: np.random.Generator,
    n: int,
    offset: int,
    k: int,
    project_rows: list[tuple[int, str, dict[str, int]]],
    numbers: np.ndarray,
    user_ids: np.ndarray,
    type_ids: np.ndarray,
    type_p: np.ndarray,
    priority_ids: np.ndarray,
    status_names: dict[int, str],
    user_names: dict[int, str],
    priority_names: dict[int, str],
    now: datetime,
    history_offset: int,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    ids = np.array(
        [r[0] for r in cur.execute("SELECT nextval('issues_id_seq') FROM generate_series(1, %s)", (n,)).fetchall()],
        dtype=np.int64,
    )
    proj_idx = np.arange(offset, offset + n) % len(project_rows)
    number = np.empty(n, dtype=np.int64)
    for p in range(len(project_rows)):
        mask = proj_idx == p
        count = int(mask.sum())
        number[mask] = numbers[p] + np.arange(1, count + 1)
        numbers[p] += count
    todo = np.array([r[2].get("todo") for r in project_rows])[proj_idx]
    doing = np.array([r[2].get("in_progress", r[2].get("todo")) for r in project_rows])[proj_idx]
    done_s = np.array([r[2].get("done") for r in project_rows])[proj_idx]
    horizon = 365 * 24 * 3600
    created = rng.integers(0, horizon, n)  # seconds before now
    created_at = np.datetime64(now.replace(tzinfo=None), "us") - created.astype("timedelta64[s]")
    reporter = rng.choice(user_ids, n)
    assignee0 = np.where(rng.random(n) < 0.3, -1, rng.choice(user_ids, n))
    points0 = np.where(rng.random(n) < 0.3, -1, rng.choice(POINTS, n))
    priority0 = rng.choice(priority_ids, n, p=PRIORITY_WEIGHTS)

    # k-1 changes per issue after the creation row, spaced within the issue's lifetime.
    changes = k - 1
    issue_of = np.repeat(np.arange(n), changes)
    gaps = rng.random((n, changes)) if changes else np.zeros((n, 0))
    fractions = np.cumsum(gaps, axis=1) / (gaps.sum(axis=1, keepdims=True) + 1e-9) * 0.95 if changes else gaps
    at = created_at[issue_of] + (fractions.ravel() * created[issue_of]).astype("timedelta64[s]")
    field = rng.choice(FIELDS, n * changes, p=FIELD_WEIGHTS)
    events = pl.DataFrame({"i": issue_of, "at": at, "field": field}).with_row_index("seq")
    events = events.sort(["i", "at", "seq"])
    # status walks To Do -> In Progress -> Done -> To Do (re-opened) -> ...
    events = events.with_columns(
        pl.when(pl.col("field") == "status").then(pl.col("field").cum_count().over(["i", "field"])).alias("nth")
    )
    cycle = np.stack([doing, done_s, todo], axis=1)  # n x 3
    n_changes = len(events)
    draws_user = rng.choice(user_ids, n_changes)
    draws_points = rng.choice(POINTS, n_changes)
    draws_priority = rng.choice(priority_ids, n_changes)
    i_col = events["i"].to_numpy()
    nth = events["nth"].fill_null(1).to_numpy()
    fld = events["field"].to_numpy()
    to_val = np.where(
        fld == "status",
        cycle[i_col, (nth - 1) % 3],
        np.where(fld == "assignee", draws_user, np.where(fld == "Story Points", draws_points, draws_priority)),
    )
    events = events.with_columns(pl.Series("to", to_val, dtype=pl.Int64))
    initial = {"status": todo, "assignee": assignee0, "Story Points": points0, "priority": priority0}
    init_col = np.select([fld == f for f in initial], [v[i_col] for v in initial.values()], default=-1)
    events = events.with_columns(
        pl.col("to").shift(1).over(["i", "field"]).fill_null(pl.Series(init_col, dtype=pl.Int64)).alias("from")
    )
    last = events.group_by(["i", "field"]).agg(pl.col("to").last(), pl.col("at").last())
    final = {f: initial[f].copy() for f in initial}
    for f in initial:
        sub = last.filter(pl.col("field") == f)
        final[f][sub["i"].to_numpy()] = sub["to"].to_numpy()
    status_at = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    sub = last.filter(pl.col("field") == "status")
    status_at[sub["i"].to_numpy()] = sub["at"].to_numpy()
    updated_at = created_at.copy()
    last_any = events.group_by("i").agg(pl.col("at").max())
    updated_at[last_any["i"].to_numpy()] = last_any["at"].to_numpy()
    is_done = final["status"] == done_s

    keys = np.array([r[1] for r in project_rows])[proj_idx]
    word_a, word_b = rng.choice(WORDS, n), rng.choice(WORDS, n)
    n_labels = rng.integers(0, 3, n)
    label_a, label_b = rng.choice(LABELS, n), rng.choice(LABELS, n)
    issues_frame = (
        pl.DataFrame(
            {
                "id": ids,
                "project_id": np.array([r[0] for r in project_rows])[proj_idx],
                "number": number,
                "key": np.char.add(np.char.add(keys, "-"), number.astype(str)),
                "issue_type_id": rng.choice(type_ids, n, p=type_p),
                "priority_id": final["priority"],
                "status_id": final["status"],
                "resolution_id": np.where(is_done, 10000, -1),
                "summary": np.char.add(np.char.add(np.char.add("Improve ", word_a), " "), word_b),
                "assignee_id": final["assignee"],
                "reporter_id": reporter,
                "a": label_a,
                "b": label_b,
                "nl": n_labels,
                "story_points": final["Story Points"],
                "created_at": created_at,
                "updated_at": updated_at,
                "resolved_at": np.where(is_done, status_at, np.datetime64("NaT")),
                "rank": _ranks(cur, n),
            }
        )
        .with_columns(
            pl.when(pl.col("nl") == 0)
            .then(pl.lit([], dtype=pl.List(pl.String)))
            .when(pl.col("nl") == 1)
            .then(pl.concat_list("a"))
            .otherwise(pl.concat_list("a", "b").list.unique(maintain_order=True))
            .alias("labels"),
            *(
                pl.when(pl.col(c) < 0).then(None).otherwise(pl.col(c)).alias(c)
                for c in ("resolution_id", "assignee_id", "story_points")
            ),
        )
        .with_columns(_pg_array(pl.col("labels")).alias("labels"))
        .drop("a", "b", "nl")
    )

    def display(field_col: str, value_col: str) -> pl.Expr:
        v = pl.col(value_col)
        return (
            pl.when(v.is_null() | (v < 0))
            .then(None)
            .when(pl.col(field_col) == "status")
            .then(v.replace_strict(status_names, default=None, return_dtype=pl.String))
            .when(pl.col(field_col) == "assignee")
            .then(v.replace_strict(user_names, default=None, return_dtype=pl.String))
            .when(pl.col(field_col) == "priority")
            .then(v.replace_strict(priority_names, default=None, return_dtype=pl.String))
            .otherwise(v.cast(pl.String))
        )

    meta = pl.DataFrame(
        {
            "i": np.arange(n),
            "issue_id": ids,
            "issue_key": issues_frame["key"],
            "project_id": issues_frame["project_id"],
            "created_at": created_at,
            "reporter": reporter,
        }
    )
    creation = meta.select(
        "issue_id",
        "issue_key",
        "project_id",
        pl.col("reporter").alias("actor_id"),
        pl.col("created_at").alias("occurred_at"),
        pl.lit("status").alias("field"),
        pl.lit(None, dtype=pl.Int64).alias("from"),
        pl.Series(todo, dtype=pl.Int64).alias("to"),
        pl.lit(True).alias("is_create"),
    )
    later = events.join(meta, on="i").select(
        "issue_id",
        "issue_key",
        "project_id",
        pl.col("reporter").alias("actor_id"),
        pl.col("at").alias("occurred_at"),
        "field",
        "from",
        "to",
        pl.lit(False).alias("is_create"),
    )
    history = (
        pl.concat([creation, later])
        .sort(["issue_id", "occurred_at"])
        .with_columns(
            pl.when(pl.col("field") == "Story Points")
            .then(pl.lit("custom"))
            .otherwise(pl.lit("jira"))
            .alias("field_type"),
            display("field", "from").alias("from_string"),
            display("field", "to").alias("to_string"),
            pl.when(pl.col("from") < 0).then(None).otherwise(pl.col("from")).cast(pl.String).alias("from_value"),
            pl.when(pl.col("to") < 0).then(None).otherwise(pl.col("to")).cast(pl.String).alias("to_value"),
        )
        .with_columns(_uuids(rng, n + n_changes, now, history_offset).alias("change_id"))
        .select(
            "issue_id",
            "issue_key",
            "project_id",
            "change_id",
            "actor_id",
            "occurred_at",
            "field",
            "field_type",
            "from_value",
            "from_string",
            "to_value",
            "to_string",
            "is_create",
        )
    )
    return issues_frame, history
