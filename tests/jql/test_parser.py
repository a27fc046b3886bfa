"""Parser: the grammar of the reference, as tables of JQL → tree, plus printer round trips."""

from __future__ import annotations

import pytest

from jql import ast, parse, to_jql
from jql.ast import Operator as Op
from jql.ast import PredicateKind as P

S, N, E = ast.StringValue, ast.NumberValue, ast.EmptyValue


def f(name: str) -> ast.Field:
    return ast.Field(name)


def t(
    field: str | ast.FieldRef, op: Op, operand: ast.Operand | None = None, *preds: ast.HistoryPredicate
) -> ast.Terminal:
    return ast.Terminal(f(field) if isinstance(field, str) else field, op, operand, tuple(preds))


def lst(*items: ast.Operand) -> ast.ListValue:
    return ast.ListValue(tuple(items))


def fn(name: str, *args: ast.StringValue | ast.NumberValue) -> ast.FunctionCall:
    return ast.FunctionCall(name, tuple(args))


def pred(kind: P, operand: ast.Operand) -> ast.HistoryPredicate:
    return ast.HistoryPredicate(kind, operand)


CASES: list[tuple[str, ast.Clause | None]] = [
    ("", None),
    ("   ", None),
    ("status = Open", t("status", Op.EQ, S("Open"))),
    ('status = "In Progress"', t("status", Op.EQ, S("In Progress"))),
    ("status='To Do'", t("status", Op.EQ, S("To Do"))),
    ("assignee != bob", t("assignee", Op.NEQ, S("bob"))),
    ("votes > 10", t("votes", Op.GT, N(10))),
    ("votes >= -3", t("votes", Op.GTE, N(-3))),
    ("due < -1w", t("due", Op.LT, S("-1w"))),
    ('created <= "-4w 2d"', t("created", Op.LTE, S("-4w 2d"))),
    ('summary ~ "full screen"', t("summary", Op.LIKE, S("full screen"))),
    ("summary !~ crash", t("summary", Op.NOT_LIKE, S("crash"))),
    ("status IN (Open, Done)", t("status", Op.IN, lst(S("Open"), S("Done")))),
    ("status not in (Open)", t("status", Op.NOT_IN, lst(S("Open")))),
    ("fixVersion in (EMPTY, 1.0)", t("fixVersion", Op.IN, lst(E(), S("1.0")))),
    ("status in ((a, b), c)", t("status", Op.IN, lst(lst(S("a"), S("b")), S("c")))),
    ("assignee is EMPTY", t("assignee", Op.IS, E())),
    ("assignee IS NOT null", t("assignee", Op.IS_NOT, E())),
    ("assignee = EMPTY", t("assignee", Op.EQ, E())),
    ("assignee = currentUser()", t("assignee", Op.EQ, fn("currentUser"))),
    ('assignee = "currentUser"()', t("assignee", Op.EQ, fn("currentUser"))),
    ("assignee = currentUser", t("assignee", Op.EQ, S("currentUser"))),
    ("assignee in membersOf(jira-users)", t("assignee", Op.IN, fn("membersOf", S("jira-users")))),
    ("created > startOfDay(-1d)", t("created", Op.GT, fn("startOfDay", S("-1d")))),
    ("created > startOfMonth(-1)", t("created", Op.GT, fn("startOfMonth", N(-1)))),
    (
        'issue in linkedIssues(ABC-1, "is blocked by")',
        t("issue", Op.IN, fn("linkedIssues", S("ABC-1"), S("is blocked by"))),
    ),
    ("cf[10001] = x", t(ast.CustomField(10001), Op.EQ, S("x"))),
    ("cf [ 10001 ] = x", t(ast.CustomField(10001), Op.EQ, S("x"))),
    ('"Story Points" > 3', t("Story Points", Op.GT, N(3))),
    ("12345 = x", t("12345", Op.EQ, S("x"))),
    (
        "issue.property[foo].bar = 1",
        t(ast.Field("issue.property", (ast.PropertyRef(S("foo"), (S(".bar"),)),)), Op.EQ, N(1)),
    ),
    ('timeInStatus("In Progress") > 3d', t(ast.FieldCall("timeInStatus", (S("In Progress"),)), Op.GT, S("3d"))),
    ("status WAS Open", t("status", Op.WAS, S("Open"))),
    ("status was not Open", t("status", Op.WAS_NOT, S("Open"))),
    ("status was in (Open, Done)", t("status", Op.WAS_IN, lst(S("Open"), S("Done")))),
    ("status WAS NOT IN (Open)", t("status", Op.WAS_NOT_IN, lst(S("Open")))),
    ("assignee was EMPTY", t("assignee", Op.WAS, E())),
    (
        'status was Resolved by jsmith before "2011/02/20"',
        t("status", Op.WAS, S("Resolved"), pred(P.BY, S("jsmith")), pred(P.BEFORE, S("2011/02/20"))),
    ),
    (
        'status was Open during ("2020-01-01", "2020-02-01") after -1w on 2020-01-05 by (a, b)',
        t(
            "status",
            Op.WAS,
            S("Open"),
            pred(P.DURING, lst(S("2020-01-01"), S("2020-02-01"))),
            pred(P.AFTER, S("-1w")),
            pred(P.ON, S("2020-01-05")),
            pred(P.BY, lst(S("a"), S("b"))),
        ),
    ),
    ("status changed", t("status", Op.CHANGED)),
    (
        "status CHANGED FROM EMPTY TO Done BY currentUser() AFTER startOfWeek()",
        t(
            "status",
            Op.CHANGED,
            None,
            pred(P.FROM, E()),
            pred(P.TO, S("Done")),
            pred(P.BY, fn("currentUser")),
            pred(P.AFTER, fn("startOfWeek")),
        ),
    ),
    ("a = 1 AND b = 2 AND c = 3", ast.And((t("a", Op.EQ, N(1)), t("b", Op.EQ, N(2)), t("c", Op.EQ, N(3))))),
    ("a = 1 and b = 2 or c = 3", ast.Or((ast.And((t("a", Op.EQ, N(1)), t("b", Op.EQ, N(2)))), t("c", Op.EQ, N(3))))),
    ("a = 1 or b = 2 and c = 3", ast.Or((t("a", Op.EQ, N(1)), ast.And((t("b", Op.EQ, N(2)), t("c", Op.EQ, N(3))))))),
    ("a = 1 && (b = 2 || c = 3)", ast.And((t("a", Op.EQ, N(1)), ast.Or((t("b", Op.EQ, N(2)), t("c", Op.EQ, N(3))))))),
    ("not a = 1 and b = 2", ast.And((ast.Not(t("a", Op.EQ, N(1))), t("b", Op.EQ, N(2))))),
    ("!(a = 1 | b = 2)", ast.Not(ast.Or((t("a", Op.EQ, N(1)), t("b", Op.EQ, N(2)))))),
    ("NOT NOT a = 1", ast.Not(ast.Not(t("a", Op.EQ, N(1))))),
    ("((a = 1))", t("a", Op.EQ, N(1))),
    ("a = 1 & b = 2 | c = 3", ast.Or((ast.And((t("a", Op.EQ, N(1)), t("b", Op.EQ, N(2)))), t("c", Op.EQ, N(3))))),
    (r"summary ~ foo\ bar", t("summary", Op.LIKE, S("foo bar"))),
    (r'summary ~ "\"full screen\""', t("summary", Op.LIKE, S('"full screen"'))),
]


@pytest.mark.parametrize(("text", "where"), CASES)
def test_parse(text: str, where: ast.Clause | None) -> None:
    query = parse(text)
    assert query.where == where
    assert parse(to_jql(query)) == query


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("ORDER BY created", (ast.SortKey(f("created")),)),
        (
            "status = Open order by priority DESC, key asc, cf[10001]",
            (
                ast.SortKey(f("priority"), ast.SortDirection.DESC),
                ast.SortKey(f("key"), ast.SortDirection.ASC),
                ast.SortKey(ast.CustomField(10001)),
            ),
        ),
    ],
)
def test_order_by(text: str, keys: tuple[ast.SortKey, ...]) -> None:
    query = parse(text)
    assert query.order_by == keys
    assert parse(to_jql(query)) == query


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("status = open and PRIORITY = high", "status = open AND PRIORITY = high"),
        ("a = 1 and (b = 2 or c = 3)", "a = 1 AND (b = 2 OR c = 3)"),
        ("a = 1 and (b = 2 and c = 3)", "a = 1 AND (b = 2 AND c = 3)"),
        ("not (a = 1 and b = 2)", "NOT (a = 1 AND b = 2)"),
        ('status = "Open"', "status = Open"),
        ('status = "In Progress"', 'status = "In Progress"'),
        ("status = 'select'", 'status = "select"'),
        ('summary ~ "it\'s"', 'summary ~ "it\'s"'),
        ('a = "10"', 'a = "10"'),
        ("a = 10", "a = 10"),
        ('"cf" = 1', '"cf" = 1'),
        ("a in (EMPTY, NULL)", "a IN (EMPTY, EMPTY)"),
        ("a was in (x) by bob before -1d", "a WAS IN (x) BY bob BEFORE -1d"),
        ('a = "tab\\there"', 'a = "tab\\there"'),
        ('a = "x\\u0001y"', 'a = "x\\u0001y"'),
        ("order by created desc", "ORDER BY created DESC"),
        ("", ""),
    ],
)
def test_canonical_printing(text: str, canonical: str) -> None:
    assert to_jql(parse(text)) == canonical


def test_spans_point_at_source() -> None:
    text = 'project = ABC AND status in ("To Do", Done)'
    query = parse(text)
    assert isinstance(query.where, ast.And)
    second = query.where.clauses[1]
    assert second.span is not None
    assert text[second.span.start : second.span.end] == 'status in ("To Do", Done)'


def test_walk_and_transform() -> None:
    query = parse("a = x AND (b = y OR NOT c in (x, z))")
    strings = [n.value for n in query.walk() if isinstance(n, ast.StringValue)]
    assert strings == ["x", "y", "x", "z"]
    renamed = query.transform(lambda n: ast.StringValue("w") if n == ast.StringValue("x") else n)
    assert to_jql(renamed) == "a = w AND (b = y OR NOT c IN (w, z))"
    assert to_jql(query) == "a = x AND (b = y OR NOT c IN (x, z))"  # immutable


def test_nodes_are_immutable() -> None:
    node = ast.StringValue("x")
    with pytest.raises(AttributeError):
        node.value = "y"  # type: ignore[misc]
