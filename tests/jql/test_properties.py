"""Property tests: printer round trips, only JqlError escapes, generated SQL always re-parses."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jql
from jql import ast
from jql.ast import Operator as Op
from jql.ast import PredicateKind as P
from jql.printer import quote as quoted
from jql.semantic import STOP_WORDS
from jql.testing import sample_catalog

CTX = jql.QueryContext(user_id=1, now=datetime(2024, 6, 15, 12, tzinfo=UTC))
CATALOG = sample_catalog()
CATALOG.subquery_runner = lambda query, scope, context: [1, 2]
LONG = st.integers(min_value=-(2**63), max_value=2**63 - 1)

# --- random syntax trees ------------------------------------------------------------------------------

texts = st.text(max_size=12)
names = st.text(min_size=1, max_size=12)
values = st.one_of(st.builds(ast.StringValue, texts), st.builds(ast.NumberValue, LONG))
arguments = st.lists(values, max_size=3).map(tuple)
functions = st.builds(ast.FunctionCall, names, arguments)
empty = st.just(ast.EmptyValue())
lists = st.recursive(
    st.lists(st.one_of(values, empty, functions), min_size=1, max_size=4).map(lambda x: ast.ListValue(tuple(x))),
    lambda inner: st.lists(st.one_of(values, empty, functions, inner), min_size=1, max_size=3).map(
        lambda x: ast.ListValue(tuple(x))
    ),
    max_leaves=6,
)
any_operand = st.one_of(values, empty, functions, lists)
properties = st.lists(st.builds(ast.PropertyRef, values, st.lists(values, max_size=2).map(tuple)), max_size=2).map(
    tuple
)
fields = st.one_of(
    st.builds(ast.Field, names, properties),
    st.builds(ast.CustomField, st.integers(min_value=0, max_value=2**63 - 1), properties),
    st.builds(ast.FieldCall, names, arguments),
)
OPERANDS = {
    "value": st.one_of(values, empty, functions),
    "ordered": st.one_of(values, functions),
    "list": st.one_of(lists, functions),
    "empty": empty,
}
OPERATOR_OPERANDS = {
    Op.EQ: "value",
    Op.NEQ: "value",
    Op.LIKE: "value",
    Op.NOT_LIKE: "value",
    Op.WAS: "value",
    Op.WAS_NOT: "value",
    Op.LT: "ordered",
    Op.LTE: "ordered",
    Op.GT: "ordered",
    Op.GTE: "ordered",
    Op.IN: "list",
    Op.NOT_IN: "list",
    Op.WAS_IN: "list",
    Op.WAS_NOT_IN: "list",
    Op.IS: "empty",
    Op.IS_NOT: "empty",
}
WAS_KINDS = [P.AFTER, P.BEFORE, P.ON, P.DURING, P.BY]


@st.composite
def terminals(draw: st.DrawFn) -> ast.Terminal:
    field = draw(fields)
    op = draw(st.sampled_from(list(Op)))
    if op is Op.CHANGED:
        kinds = [*WAS_KINDS, P.FROM, P.TO]
        operand = None
    else:
        kinds = WAS_KINDS if op in ast.WAS_OPERATORS else []
        operand = draw(OPERANDS[OPERATOR_OPERANDS[op]])
    predicates = ()
    if kinds:
        predicates = tuple(
            draw(st.lists(st.builds(ast.HistoryPredicate, st.sampled_from(kinds), any_operand), max_size=3))
        )
    return ast.Terminal(field, op, operand, predicates)


clauses = st.recursive(
    terminals(),
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(lambda c: ast.And(tuple(c))),
        st.lists(inner, min_size=2, max_size=3).map(lambda c: ast.Or(tuple(c))),
        inner.map(ast.Not),
    ),
    max_leaves=8,
)
sort_keys = st.builds(ast.SortKey, fields, st.sampled_from([None, *ast.SortDirection]))
queries = st.builds(ast.Query, st.one_of(st.none(), clauses), st.lists(sort_keys, max_size=3).map(tuple))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries)
def test_printed_trees_parse_back_equal(query: ast.Query) -> None:
    text = jql.to_jql(query)
    assert jql.parse(text) == query
    assert jql.to_jql(jql.parse(text)) == text


# --- random text: only JqlError may escape ------------------------------------------------------------

VOCABULARY = [
    "status",
    "assignee",
    "labels",
    "summary",
    "created",
    "due",
    "key",
    "parent",
    "sprint",
    "fixVersion",
    "Team",
    "cf[10001]",
    '"Story Points"',
    "issue",
    "text",
    "timeInStatus(Done)",
    "=",
    "!=",
    "<",
    ">=",
    "~",
    "!~",
    "in",
    "not",
    "is",
    "was",
    "changed",
    "empty",
    "null",
    "and",
    "or",
    "&&",
    "||",
    "!",
    "(",
    ")",
    ",",
    "from",
    "to",
    "by",
    "before",
    "after",
    "on",
    "during",
    "order",
    "by",
    "asc",
    "desc",
    "Done",
    "bob",
    "currentUser()",
    "membersOf(qa)",
    "startOfDay(-1d)",
    "now()",
    "openSprints()",
    "-1w",
    "2024-01-01",
    "ABC-1",
    "10",
    "-5",
    '"x y"',
    "'q'",
    "\\",
    '"',
    "'",
    "*",
    "select",
    "\\u0041",
    "[",
    "]",
    "cf",
    'subtasksOf("project = ABC")',
    'linkedIssuesOf("status = Done", blocks)',
    "updatedBy(bob, -1w)",
    "watchedIssues()",
    "1d",
    '"1w 2d"',
    "resolution",
    "unresolved",
    "priority",
    "High",
]
jqlish = st.lists(st.tuples(st.sampled_from(VOCABULARY), st.sampled_from(["", " ", " ", "\n"])), max_size=14).map(
    lambda parts: "".join(a + b for a, b in parts)
)


def check_only_jql_errors(text: str) -> None:
    try:
        query = jql.parse(text)
        jql.to_sql(query, CATALOG, "postgres", scope=[1], context=CTX).sql("postgres")
        jql.to_sql(query, CATALOG, "duckdb", scope=None, context=CTX).sql("duckdb")
        jql.to_es(query, CATALOG, scope=[1, 2], context=CTX).to_dict()
    except jql.JqlError as exc:
        assert exc.start <= exc.end <= len(text)
        assert isinstance(str(exc), str)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_raises_only_jql_errors(text: str) -> None:
    check_only_jql_errors(text)


@settings(max_examples=1500, deadline=None)
@given(jqlish)
def test_jql_like_text_raises_only_jql_errors(text: str) -> None:
    check_only_jql_errors(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries)
def test_random_trees_analyze_or_fail_cleanly(query: ast.Query) -> None:
    check_only_jql_errors(jql.to_jql(query))


def test_deep_inputs_do_not_crash() -> None:
    for text in [
        "(" * 5000,
        "NOT " * 5000 + "a = 1",
        "a in " + "(" * 5000,
        "a = 1 AND " * 5000 + "b = 2",
        "a in (" + ", ".join(["x"] * 5000) + ")",
    ]:
        check_only_jql_errors(text)


# --- valid queries always compile to SQL that sqlglot reads back ---------------------------------------

words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=10)
# Stop words ("a", "or", ...) are refused by `~` as a query with no searchable words: not valid queries.
alnum_words = st.from_regex(r"[A-Za-z0-9]{1,8}", fullmatch=True).filter(lambda w: w.lower() not in STOP_WORDS)


VALID_CLAUSES = st.one_of(
    st.sampled_from(["To Do", "In Progress", "Done"]).map(lambda s: f'status = "{s}"'),
    st.sampled_from(["alice", "bob", "EMPTY", "currentUser()"]).map(lambda u: f"assignee != {u}"),
    words.map(lambda w: f"labels in ({quoted(w)}, x)"),
    words.map(lambda w: f"Customer = {quoted(w)}"),
    alnum_words.map(lambda w: f"summary ~ {quoted(w + ' ' + w + '*')}"),
    alnum_words.map(lambda w: f"description !~ {quoted(w)}"),
    st.integers(1, 400).map(lambda n: f"created > -{n}d"),
    st.integers(-3, 3).map(lambda n: f"due <= endOfMonth({n})"),
    st.integers(0, 99).map(lambda n: f'"Story Points" >= {n}'),
    st.integers(1, 999).map(lambda n: f"key > ABC-{n}"),
    st.sampled_from(["Red", "Blue"]).map(lambda v: f"Team != {v}"),
    st.sampled_from(["Linux", "Mac"]).map(lambda v: f"Platforms in ({v}, Windows)"),
    st.sampled_from(["Backend", "Frontend"]).map(lambda v: f"component not in ({v})"),
    st.just("sprint in openSprints()"),
    st.just('status was "In Progress" by bob after -2w before now() during (-5d, -1d) on -3d'),
    st.just('status changed from "To Do" to Done by (alice, bob) after startOfWeek()'),
    st.just("assignee was in (bob, EMPTY)"),
    st.just('timeInStatus("In Progress") > 2d'),
    st.just('issue in linkedIssuesOf("project = XYZ", blocks)'),
    st.just('issue in parentsOf("status = Done")'),
    st.just("issue in updatedBy(bob, -1w)"),
    st.just("parent in (ABC-1, 7)"),
    st.just("fixVersion > 1.0"),
)
valid_queries = st.recursive(
    VALID_CLAUSES,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda p: f"({p[0]}) AND ({p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]}) OR ({p[1]})"),
        inner.map(lambda c: f"NOT ({c})"),
    ),
    max_leaves=6,
)
orders = st.sampled_from(["", " ORDER BY priority DESC", " ORDER BY key", " ORDER BY sprint, created ASC"])


@settings(max_examples=300, deadline=None)
@given(valid_queries, orders, st.sampled_from([None, [1], [1, 2], []]))
def test_generated_sql_reparses(text: str, order: str, scope: list[int] | None) -> None:
    for dialect in ("postgres", "duckdb"):
        sql = jql.to_sql(text + order, CATALOG, dialect, scope=scope, context=CTX).sql(dialect)
        reparsed = sqlglot.parse_one(sql, read=dialect)
        assert isinstance(reparsed, sqlglot.exp.Select)
        sqlglot.parse_one(reparsed.sql(dialect), read=dialect)
        if scope:
            assert "i.project_id" in sql
        elif scope == []:
            assert "WHERE FALSE" in sql  # an empty browse scope matches nothing


# --- realistic random trees: real field names, values and functions, any combination -------------------

REAL_FIELDS = st.one_of(
    st.sampled_from(CATALOG.field_names()).map(ast.Field),
    st.sampled_from([10001, 10002, 10004, 10005, 99]).map(ast.CustomField),
    st.sampled_from(["Done", "To Do", "Nope"]).map(lambda s: ast.FieldCall("timeInStatus", (ast.StringValue(s),))),
)
REAL_VALUES = st.one_of(
    st.sampled_from(
        [
            "Done",
            "To Do",
            "In Progress",
            "bob",
            "alice",
            "ABC",
            "XYZ",
            "ABC-1",
            "XYZ-99",
            "High",
            "Medium",
            "Red",
            "Linux",
            "Backend",
            "Sprint 3",
            "1.0",
            "2.0",
            "-1w",
            "-4w 2d",
            "2024-01-01",
            "2024/02/03 10:30",
            "3d",
            "unresolved",
            "urgent",
            "login crash",
            "pay*",
            "",
            "the",
            "Done*",
            "x'y",
            "Bug",
            "Epic",
        ]
    ).map(ast.StringValue),
    st.integers(-5, 10**13).map(ast.NumberValue),
)
REAL_FUNCTIONS = st.one_of(
    st.sampled_from(
        [
            "currentUser",
            "now",
            "openSprints",
            "closedSprints",
            "futureSprints",
            "standardIssueTypes",
            "subtaskIssueTypes",
            "watchedIssues",
            "votedIssues",
            "issueHistory",
            "projectsLeadByUser",
            "componentsLeadByUser",
            "releasedVersions",
            "unreleasedVersions",
            "startOfDay",
            "endOfWeek",
            "startOfQuarter",
            "endOfYear",
            "nope",
        ]
    ).map(lambda n: ast.FunctionCall(n)),
    st.tuples(
        st.sampled_from(
            [
                "membersOf",
                "startOfMonth",
                "endOfDay",
                "earliestUnreleasedVersion",
                "latestReleasedVersion",
                "updatedBy",
                "linkedIssues",
                "parentsOf",
                "subtasksOf",
                "issuesInEpics",
                "linkedIssuesOf",
                "releasedVersions",
            ]
        ),
        st.lists(
            st.sampled_from(
                ["qa", "ABC", "-1", "+2M", "bob", "ABC-1", "project = ABC", "status =", "blocks", "-1w", "x"]
            ),
            max_size=3,
        ),
    ).map(lambda p: ast.FunctionCall(p[0], tuple(ast.StringValue(a) for a in p[1]))),
)
REAL_OPERANDS = {
    "value": st.one_of(REAL_VALUES, empty, REAL_FUNCTIONS),
    "ordered": st.one_of(REAL_VALUES, REAL_FUNCTIONS),
    "list": st.one_of(
        st.lists(st.one_of(REAL_VALUES, empty, REAL_FUNCTIONS), min_size=1, max_size=3).map(
            lambda x: ast.ListValue(tuple(x))
        ),
        REAL_FUNCTIONS,
    ),
    "empty": empty,
}


@st.composite
def real_terminals(draw: st.DrawFn) -> ast.Terminal:
    field = draw(REAL_FIELDS)
    op = draw(st.sampled_from(list(Op)))
    operand = None if op is Op.CHANGED else draw(REAL_OPERANDS[OPERATOR_OPERANDS[op]])
    kinds = [*WAS_KINDS, P.FROM, P.TO] if op is Op.CHANGED else WAS_KINDS if op in ast.WAS_OPERATORS else []
    predicates: tuple[ast.HistoryPredicate, ...] = ()
    if kinds:
        operands = st.one_of(REAL_VALUES, empty, REAL_FUNCTIONS, REAL_OPERANDS["list"])
        predicates = tuple(
            draw(st.lists(st.builds(ast.HistoryPredicate, st.sampled_from(kinds), operands), max_size=2))
        )
    return ast.Terminal(field, op, operand, predicates)


real_queries = st.builds(
    ast.Query,
    st.recursive(
        real_terminals(),
        lambda inner: st.one_of(
            st.lists(inner, min_size=2, max_size=3).map(lambda c: ast.And(tuple(c))),
            st.lists(inner, min_size=2, max_size=3).map(lambda c: ast.Or(tuple(c))),
            inner.map(ast.Not),
        ),
        max_leaves=4,
    ),
    st.lists(st.builds(ast.SortKey, REAL_FIELDS, st.sampled_from([None, *ast.SortDirection])), max_size=2).map(tuple),
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(real_queries)
def test_realistic_trees_compile_or_fail_cleanly(query: ast.Query) -> None:
    check_only_jql_errors(jql.to_jql(query))
