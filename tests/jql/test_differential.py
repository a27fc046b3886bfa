"""Differential test: the same JQL compiled for PostgreSQL and for DuckDB returns the same issues, in order.

PostgreSQL gets a fresh database migrated with every file in migrations/ in name order; DuckDB gets a
copy of the same rows. A handful of queries are also checked against a Python oracle over the dataset, so
the two engines cannot simply agree on a wrong answer.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import pytest
from psycopg.types.json import Jsonb

import jql
from jql import QueryContext
from jql.to_sql import is_one_whole_word, is_split
from tests.jql.dataset import EXTRA_STATUS, NOW, PROJECTS, TEST_TABLES, USERS, Dataset, diff_catalog, generate

SERVER = "postgresql://postgres@127.0.0.1:5432"
DB_NAME = f"tracklake_jql_diff_{os.getpid()}"
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
CTX = QueryContext(user_id=1, now=NOW)

DUCK_SCHEMA = {
    "users": "id BIGINT, username VARCHAR, display_name VARCHAR",
    "projects": "id BIGINT, key VARCHAR, name VARCHAR, lead_id BIGINT",
    "statuses": "id BIGINT, name VARCHAR, category VARCHAR",
    "issue_types": "id BIGINT, name VARCHAR, subtask BOOLEAN",
    "priorities": "id BIGINT, name VARCHAR, sequence INT",
    "resolutions": "id BIGINT, name VARCHAR",
    "issues": (
        "id BIGINT, project_id BIGINT, number INT, key VARCHAR, issue_type_id BIGINT, priority_id BIGINT, "
        "status_id BIGINT, resolution_id BIGINT, summary VARCHAR, description VARCHAR, assignee_id BIGINT, "
        "reporter_id BIGINT, labels VARCHAR[], due_date DATE, story_points DECIMAL(10,2), parent_id BIGINT, "
        "custom_fields JSON, created_at TIMESTAMPTZ, updated_at TIMESTAMPTZ, resolved_at TIMESTAMPTZ, version INT"
    ),
    "issue_history": (
        "id BIGINT, issue_id BIGINT, issue_key VARCHAR, project_id BIGINT, change_id UUID, actor_id BIGINT, "
        "occurred_at TIMESTAMPTZ, field VARCHAR, field_type VARCHAR, from_value VARCHAR, from_string VARCHAR, "
        "to_value VARCHAR, to_string VARCHAR, is_create BOOLEAN"
    ),
    "comments": "id BIGINT, issue_id BIGINT, author_id BIGINT, body VARCHAR, created_at TIMESTAMPTZ",
    **{name: ddl[1] for name, ddl in TEST_TABLES.items()},
}

ISSUE_COLUMNS = (
    "id project_id number key issue_type_id priority_id status_id resolution_id summary description assignee_id "
    "reporter_id labels due_date story_points parent_id custom_fields created_at updated_at resolved_at version"
).split()
HISTORY_COLUMNS = (
    "id issue_id issue_key project_id change_id actor_id occurred_at field field_type from_value from_string "
    "to_value to_string is_create"
).split()


def _insert(conn: psycopg.Connection[Any], table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    placeholders = ", ".join(["%s"] * len(columns))
    with conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)


def load_postgres(conn: psycopg.Connection[Any], data: Dataset) -> None:
    """Migrations in name order, then the dataset and the test tables."""
    for path in sorted(MIGRATIONS.glob("*.sql")):
        conn.execute(path.read_text(encoding="utf-8"))  # type: ignore[call-overload]
    _insert(conn, "users", ["id", "username", "display_name"], [(u.id, u.username, u.display_name) for u in USERS])
    _insert(conn, "statuses", ["id", "name", "category"], [(EXTRA_STATUS.id, EXTRA_STATUS.name, EXTRA_STATUS.category)])
    _insert(
        conn,
        "projects",
        ["id", "key", "name", "lead_id", "workflow_id"],
        [(p.id, p.key, p.name, p.lead_id, 1) for p in PROJECTS],
    )
    rows = [tuple(Jsonb(i[c]) if c == "custom_fields" else i[c] for c in ISSUE_COLUMNS) for i in data.issues]
    _insert(conn, "issues", ISSUE_COLUMNS, rows)
    _insert(conn, "issue_history", HISTORY_COLUMNS, [tuple(h[c] for c in HISTORY_COLUMNS) for h in data.history])
    comment_columns = ["id", "issue_id", "author_id", "body", "created_at"]
    _insert(conn, "comments", comment_columns, [tuple(c[k] for k in comment_columns) for c in data.comments])
    for table, (ddl, _) in TEST_TABLES.items():
        conn.execute(f"CREATE TABLE {table} ({ddl})")  # type: ignore[call-overload]
        if data.rows[table]:
            columns = [part.split()[0] for part in ddl.split(", ") if not part.startswith("PRIMARY")]
            _insert(conn, table, columns, data.rows[table])
    conn.execute("ANALYZE")


def copy_to_duckdb(pg: psycopg.Connection[Any]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the same tables and rows as PostgreSQL."""
    duck = duckdb.connect()
    duck.execute("SET TimeZone = 'UTC'")
    for table, ddl in DUCK_SCHEMA.items():
        duck.execute(f"CREATE TABLE {table} ({ddl})")
        columns = [part.split()[0] for part in ddl.split(", ")]
        rows = pg.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()  # type: ignore[call-overload]
        if table == "issues":
            position = columns.index("custom_fields")
            rows = [(*r[:position], json.dumps(r[position]), *r[position + 1 :]) for r in rows]
        if rows:
            duck.executemany(f"INSERT INTO {table} VALUES ({', '.join(['?'] * len(columns))})", rows)
    return duck


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return generate()


@pytest.fixture(scope="module")
def engines(dataset: Dataset) -> Iterator[tuple[psycopg.Connection[Any], duckdb.DuckDBPyConnection]]:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')  # type: ignore[call-overload]
        # C collation: PostgreSQL then orders text by code point, as DuckDB does.
        admin.execute(  # type: ignore[call-overload]
            f"CREATE DATABASE \"{DB_NAME}\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
        )
    try:
        with psycopg.connect(f"{SERVER}/{DB_NAME}", autocommit=True) as pg:
            load_postgres(pg, dataset)
            duck = copy_to_duckdb(pg)
            yield pg, duck
            duck.close()
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')  # type: ignore[call-overload]


QUERIES: list[str] = [
    "",
    "project = ABC",
    "project in (ABC, Xylophone)",
    "project != XYZ",
    "status = Done",
    "status != Done",
    'status in ("To Do", "In Progress") ORDER BY key',
    'status not in ("To Do", "QA Check")',
    "statusCategory = Done",
    'statusCategory in ("In Progress", "To Do")',
    "statusCategory != Done",
    "issuetype = Bug",
    "type in standardIssueTypes()",
    "type in subtaskIssueTypes()",
    "priority = High",
    "priority > Medium",
    "priority <= Low ORDER BY priority DESC",
    "resolution = unresolved",
    "resolution is not empty",
    "resolution in (Done, Duplicate)",
    "resolution != Done",
    "assignee = bob",
    "assignee != bob",
    "NOT assignee = bob",
    "assignee is EMPTY",
    "assignee in (bob, carol, EMPTY)",
    "assignee not in (bob, carol, EMPTY)",
    "assignee = currentUser()",
    "assignee != currentUser()",
    "assignee in membersOf(qa)",
    "reporter in membersOf(developers) ORDER BY reporter, key",
    "labels = urgent",
    "labels = Urgent",
    "labels != urgent",
    'labels in (perf, "o\'brien")',
    'labels = "a\\\\b"',
    "labels not in (ui, perf)",
    "labels is EMPTY",
    "labels is not EMPTY AND NOT labels = backend",
    "due < 2024-05-01",
    'due >= "2024/06/01" ORDER BY due',
    "due is EMPTY",
    "due <= endOfWeek()",
    "due > startOfMonth(-1)",
    "created > -30d",
    'created >= "-4w 2d" ORDER BY created ASC',
    "created < startOfYear() OR created > startOfQuarter()",
    "created >= startOfMonth() AND created <= endOfMonth()",
    "updated > -1w",
    "updated < startOfDay(-3d)",
    "resolved is not EMPTY ORDER BY resolved DESC",
    "resolved > startOfWeek(-2w)",
    '"Story Points" > 2',
    '"Story Points" in (1, 3)',
    '"Story Points" is EMPTY',
    "storyPoints != 5",
    "key = ABC-1",
    "key in (ABC-3, XYZ-2, 10)",
    "key > ABC-100",
    "key <= XYZ-5 ORDER BY key DESC",
    "key != ABC-1 AND project = ABC AND key < ABC-10",
    "parent = ABC-1",
    "parent in (ABC-1, ABC-2, 5)",
    "parent != ABC-1",
    "sprint = 'Sprint 3'",
    "sprint in openSprints()",
    "sprint in closedSprints() ORDER BY sprint",
    "sprint not in (futureSprints())",
    "sprint is EMPTY",
    "fixVersion = 1.0",
    "fixVersion in releasedVersions(ABC)",
    "fixVersion in unreleasedVersions()",
    'fixVersion > "1.0"',
    "fixVersion = earliestUnreleasedVersion(XYZ)",
    "fixVersion = latestReleasedVersion(ABC)",
    "fixVersion != 2.0",
    "fixVersion is EMPTY ORDER BY fixVersion",
    "component = Backend",
    "component in componentsLeadByUser(carol)",
    "component != Frontend",
    "component is EMPTY",
    "project in projectsLeadByUser()",
    "watcher = currentUser()",
    "issue in watchedIssues()",
    "issue not in watchedIssues()",
    "issue in issueHistory()",
    "Team = Red",
    "cf[10001] in (Blue, Green)",
    "Team != Red",
    "Team is EMPTY",
    '"Severity Score" >= 4.5',
    '"Severity Score" < 3 ORDER BY "Severity Score" DESC',
    "Platforms = Linux",
    "Platforms in (Mac, Windows)",
    "Platforms not in (Linux)",
    "Platforms is EMPTY",
    '"Go Live" < 2024-06-01',
    '"Go Live" is not EMPTY ORDER BY "Go Live"',
    "Customer = ACME",
    "Customer != acme",
    "Reviewer = bob",
    "Reviewer in membersOf(qa)",
    "summary ~ login",
    'summary ~ "LOGIN crash"',
    "summary ~ 'pay*'",
    "summary !~ slow",
    'description ~ "the database"',
    "description !~ cache",
    "description is EMPTY",
    "description is not EMPTY",
    "text ~ checkout",
    'text ~ "retry queue"',
    "comment ~ flaky",
    "comment !~ render",
    "Environment ~ mobile",
    "status WAS Done",
    'status was "In Progress"',
    'status was not "In Progress"',
    'status was in ("QA Check", Done)',
    'status was not in (Done, "QA Check")',
    "NOT status was Done",
    "assignee was bob",
    "assignee was EMPTY",
    "assignee was in (bob, carol) by alice",
    'status was "In Progress" before 2024-05-01',
    'status was "In Progress" after -10d',
    'status was Done on "2024-05-20"',
    'status was "QA Check" during ("2024-04-01", "2024-04-30")',
    "status was Done by (bob, carol) after -60d before -5d",
    "priority was Highest",
    "resolution was Duplicate",
    "fixVersion was 2.0",
    "fixVersion was in (1.0, 1.1) before -2w",
    "fixVersion was EMPTY",
    "fixVersion was not in (EMPTY, 2.0)",
    "assignee was EMPTY before -30d",
    "assignee was not bob after -3w",
    "reporter was carol",
    "status changed",
    "NOT status changed",
    "assignee changed",
    'status changed from "To Do" to "In Progress"',
    "status changed to Done by bob",
    "status changed from Done",
    "status changed after -2w",
    'status changed before "2024-04-01"',
    'status changed on "2024-05-10"',
    'status changed during ("2024-05-01", "2024-05-31") to Done',
    "assignee changed from EMPTY",
    "assignee changed to EMPTY",
    "priority changed by currentUser()",
    "fixVersion changed to 2.0",
    "resolution changed to Done after startOfMonth(-1)",
    'timeInStatus("In Progress") > 3d',
    'timeInStatus("In Progress") <= 1d',
    'timeInStatus("To Do", "QA Check") >= "1w 2d"',
    'NOT timeInStatus("Done") > 10d',
    "issue in updatedBy(bob)",
    'issue in updatedBy(carol, "-30d")',
    'issue in updatedBy(dave, "2024-03-01", "2024-05-01")',
    "issue not in updatedBy(alice)",
    'issue in parentsOf("type = Sub-task AND status = Done")',
    'issue in subtasksOf("project = ABC AND priority in (High, Highest)")',
    'issue in issuesInEpics("project = ABC")',
    'issue not in issuesInEpics("summary ~ login")',
    'issue in linkedIssuesOf("status = Done")',
    'issue in linkedIssuesOf("project = XYZ", "blocks")',
    'issue in linkedIssuesOf("project = XYZ", "is blocked by")',
    'issue in linkedIssuesOf("assignee = bob", "Relates")',
    "issue in linkedIssues(ABC-23)",
    'issue in linkedIssues(XYZ-23, "blocks")',
    'issue in linkedIssues(ABC-94, "is blocked by")',
    'issue in subtasksOf("issue in parentsOf(\\"status = Done\\")")',
    "project = ABC AND (status = Done OR assignee = bob) ORDER BY updated DESC",
    "NOT (status = Done AND priority in (High, Highest))",
    "NOT (labels = ui OR component = Backend)",
    "! (assignee = bob || assignee = carol) && project = XYZ",
    "(status = Done OR status = 'QA Check') AND NOT assignee is EMPTY AND due < 2024-07-01",
    "status = Done ORDER BY assignee DESC, priority",
    "ORDER BY status, key DESC",
    "ORDER BY project, summary",
    "ORDER BY Team, Customer DESC",
    "ORDER BY component DESC",
    "ORDER BY issuetype, resolution",
]


def run(conn: Any, sql: str) -> list[str]:
    return [row[0] for row in conn.execute(sql).fetchall()]


@pytest.mark.parametrize("text", QUERIES)
def test_postgres_and_duckdb_agree(text: str, engines: tuple[Any, Any]) -> None:
    pg, duck = engines
    catalog = diff_catalog()
    for scope in ([1, 2], [2], None):
        pg_sql = jql.to_sql(text, catalog, "postgres", scope=scope, context=CTX, columns=("key",)).sql("postgres")
        duck_sql = jql.to_sql(text, catalog, "duckdb", scope=scope, context=CTX, columns=("key",)).sql("duckdb")
        pg_keys, duck_keys = run(pg, pg_sql), run(duck, duck_sql)
        assert pg_keys == duck_keys, f"{text!r} with scope {scope}:\n{pg_sql}\n{duck_sql}"
        if scope == [2]:
            assert all(k.startswith("XYZ-") for k in pg_keys)


def test_the_queries_are_selective(engines: tuple[Any, Any]) -> None:
    """Most queries return some but not all issues, so agreement means something."""
    pg, _ = engines
    catalog = diff_catalog()
    total = pg.execute("SELECT count(*) FROM issues").fetchone()[0]
    counts = {
        q: len(run(pg, jql.to_sql(q, catalog, scope=None, context=CTX).sql("postgres")))
        for q in QUERIES
        if q and not q.startswith("ORDER BY")
    }
    selective = [q for q, n in counts.items() if 0 < n < total]
    assert len(counts) >= 100
    assert len(selective) >= 0.9 * len(counts), sorted(q for q, n in counts.items() if not 0 < n < total)


# --- a Python oracle for some of Jira's semantics -----------------------------------------------------


def keys_where(data: Dataset, predicate: Any) -> set[str]:
    return {i["key"] for i in data.issues if predicate(i)}


def pg_keys(pg: Any, text: str) -> set[str]:
    return set(run(pg, jql.to_sql(text, diff_catalog(), scope=None, context=CTX, columns=("key",)).sql("postgres")))


def history_of(data: Dataset, issue: dict[str, Any], field: str) -> list[dict[str, Any]]:
    return [h for h in data.history if h["issue_id"] == issue["id"] and h["field"] == field]


def intervals(data: Dataset, issue: dict[str, Any], field: str) -> list[tuple[str | None, Any, Any]]:
    rows = history_of(data, issue, field)
    out = []
    for n, row in enumerate(rows):
        end = rows[n + 1]["occurred_at"] if n + 1 < len(rows) else None
        out.append((row["to_value"], row["occurred_at"], end))
    return out


def test_oracle_not_equal_excludes_empty(engines: tuple[Any, Any], dataset: Dataset) -> None:
    pg, _ = engines
    expected = keys_where(dataset, lambda i: i["assignee_id"] is not None and i["assignee_id"] != 2)
    assert pg_keys(pg, "assignee != bob") == expected
    assert pg_keys(pg, "NOT assignee = bob") == expected
    assert pg_keys(pg, "labels != urgent") == keys_where(dataset, lambda i: i["labels"] and "urgent" not in i["labels"])
    assert pg_keys(pg, "NOT due > 2024-06-01") == keys_where(
        dataset, lambda i: i["due_date"] is not None and i["due_date"].isoformat() <= "2024-06-01"
    )
    assert pg_keys(pg, "assignee in (EMPTY, bob)") == keys_where(dataset, lambda i: i["assignee_id"] in (None, 2))


def test_oracle_was_and_changed(engines: tuple[Any, Any], dataset: Dataset) -> None:
    pg, _ = engines
    ever_in_progress = keys_where(dataset, lambda i: any(v == "3" for v, _, _ in intervals(dataset, i, "status")))
    assert pg_keys(pg, 'status was "In Progress"') == ever_in_progress
    assert pg_keys(pg, 'status was not "In Progress"') == {i["key"] for i in dataset.issues} - ever_in_progress
    cutoff = NOW - timedelta(days=10)
    held_after = keys_where(
        dataset,
        lambda i: any(v == "3" and (end is None or end > cutoff) for v, _, end in intervals(dataset, i, "status")),
    )
    assert pg_keys(pg, 'status was "In Progress" after -10d') == held_after
    todo_to_progress = keys_where(
        dataset,
        lambda i: any(
            h["from_value"] == "1" and h["to_value"] == "3" and not h["is_create"]
            for h in history_of(dataset, i, "status")
        ),
    )
    assert pg_keys(pg, 'status changed from "To Do" to "In Progress"') == todo_to_progress
    never_changed = keys_where(dataset, lambda i: all(h["is_create"] for h in history_of(dataset, i, "status")))
    assert pg_keys(pg, "NOT status changed") == never_changed


def test_oracle_time_in_status(engines: tuple[Any, Any], dataset: Dataset) -> None:
    pg, _ = engines

    def seconds(issue: dict[str, Any]) -> float:
        return sum(
            ((end or NOW) - start).total_seconds()
            for value, start, end in intervals(dataset, issue, "status")
            if value == "3"
        )

    assert pg_keys(pg, 'timeInStatus("In Progress") > 3d') == keys_where(dataset, lambda i: seconds(i) > 3 * 86400)


@pytest.mark.parametrize("text", ["summary ~ login", "text ~ login", "comment ~ flaky", 'description ~ "cache*"'])
def test_full_text_uses_the_gin_index(engines: tuple[Any, Any], text: str) -> None:
    pg, _ = engines
    sql = jql.to_sql(text, diff_catalog(), scope=None, context=CTX).sql("postgres")
    # 300 issues are too few for the planner to prefer the index by itself: leave it only bitmap scans.
    pg.execute("SET enable_seqscan = off")
    pg.execute("SET enable_indexscan = off")
    try:
        plan = "\n".join(r[0] for r in pg.execute("EXPLAIN " + sql).fetchall())
    finally:
        pg.execute("RESET enable_seqscan")
        pg.execute("RESET enable_indexscan")
    assert "search_documents_fts" in plan, plan


def test_search_documents_mirror_issues_and_comments(engines: tuple[Any, Any]) -> None:
    """The side table holds exactly one row per issue and per comment, built from their current text."""
    pg, _ = engines
    stale = pg.execute(
        """SELECT count(*) FROM (
               SELECT id, 0 AS comment_id, search_issue_document(summary, description) AS doc FROM issues
               UNION ALL SELECT issue_id, id, to_tsvector('simple', search_words(body)) FROM comments
           ) want FULL JOIN search_documents d ON d.issue_id = want.id AND d.comment_id = want.comment_id
           WHERE d.document IS DISTINCT FROM want.doc"""
    ).fetchone()[0]
    assert stale == 0


def test_values_cannot_inject_sql(engines: tuple[Any, Any]) -> None:
    pg, duck = engines
    hostile = "x'); DROP TABLE issues; --"
    text = f'labels = "{hostile}" OR Customer = "{hostile}" OR summary ~ "{hostile}"'
    for conn, dialect in ((pg, "postgres"), (duck, "duckdb")):
        sql = jql.to_sql(text, diff_catalog(), dialect, scope=None, context=CTX).sql(dialect)  # type: ignore[arg-type]
        assert run(conn, sql) == []
        assert conn.execute("SELECT count(*) FROM issues").fetchone()[0] == 300


TEXT_QUERIES = [q for q in QUERIES if "~" in q]


@pytest.mark.parametrize("text", TEXT_QUERIES)
def test_text_matches_read_first_give_the_same_issues(text: str, engines: tuple[Any, Any]) -> None:
    """Handing the compiler the ids the text index found (as search does for rare words) changes no result."""
    pg, _ = engines
    catalog = diff_catalog()
    bound = jql.analyze(text, catalog, CTX)
    probes = jql.text_match_probes(bound, 10_000)
    found = {key: [row[0] for row in pg.execute(probe.sql("postgres")).fetchall()] for key, probe in probes.items()}
    for scope in ([1, 2], [2], None):
        plain = jql.compile_bound(bound, catalog, scope=scope, columns=("key",)).sql("postgres")
        read_first = jql.compile_bound(bound, catalog, scope=scope, columns=("key",), text_matches=found)
        assert run(pg, read_first.sql("postgres")) == run(pg, plain), text


PRIORITY_FIRST = [
    "ORDER BY priority DESC, updated DESC",
    "project = ABC ORDER BY priority",
    "assignee = bob AND resolution is EMPTY ORDER BY priority DESC, updated DESC",
    "status != Done ORDER BY priority DESC, assignee, key DESC",
    "ORDER BY priority ASC, component DESC",
]


@pytest.mark.parametrize("text", PRIORITY_FIRST)
def test_pages_sorted_by_priority_first_match_the_full_order(text: str, engines: tuple[Any, Any]) -> None:
    """A page sorted first by priority is read one branch per priority; every page is the same slice of the
    full order on both engines, with tied priorities (two sharing a sequence) and, on DuckDB, empty ones."""
    catalog = diff_catalog()
    bound = jql.analyze(text, catalog, CTX)
    for conn, dialect in zip(engines, ("postgres", "duckdb"), strict=True):
        conn.execute("BEGIN")
        try:
            if dialect == "duckdb":  # PostgreSQL requires a priority; the warehouse copy need not have one
                conn.execute("UPDATE issues SET priority_id = NULL WHERE id % 7 = 0")
            conn.execute("UPDATE priorities SET sequence = 2 WHERE id = 3")  # Medium ties with High
            tied = dataclasses.replace(
                catalog,
                priority_list=[dataclasses.replace(p, sequence=2) if p.id == 3 else p for p in catalog.priorities()],
            )
            for scope in ([1, 2], None):
                whole = run(conn, jql.compile_bound(bound, tied, dialect, scope=scope, columns=("key",)).sql(dialect))
                assert len(whole) > 20, text
                for start, size in ((0, 7), (5, 10), (len(whole) - 3, 10), (len(whole) + 5, 5)):
                    page = jql.compile_bound(
                        bound, tied, dialect, scope=scope, columns=("key",), limit=size, offset=start
                    )
                    assert is_split(page)
                    assert run(conn, page.sql(dialect)) == whole[start : start + size], (text, dialect, start)
        finally:
            conn.execute("ROLLBACK")


def test_only_one_whole_word_in_every_part_counts_as_estimable() -> None:
    """The planner's estimate is trusted (to skip reading ids) only where it reflects the match: one word, no
    weight (it ignores them), no prefix, not several words (it multiplies their estimates)."""
    catalog = diff_catalog()

    def keys(text: str) -> list[str]:
        return list(jql.text_match_probes(jql.analyze(text, catalog, CTX), 10))

    assert [is_one_whole_word(k) for k in keys('text ~ "payment"')] == [True]
    for text in ('summary ~ "payment"', 'comment ~ "payment"', 'text ~ "billing export"', 'text ~ "pay*"'):
        assert [is_one_whole_word(k) for k in keys(text)] == [False], text
