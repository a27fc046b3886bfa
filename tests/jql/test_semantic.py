"""Semantic analysis: Jira's operator table, NOT push-down, EMPTY, value resolution, functions, history."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from jql import JqlSemanticError, QueryContext, analyze
from jql.ast import PredicateKind
from jql.bound import (
    AllOf,
    AnyOf,
    BoundPredicate,
    ChangedCondition,
    CmpOp,
    FieldCondition,
    IssueKeyValue,
    MatchAll,
    MatchNone,
    Relation,
    RelationCondition,
    TextCondition,
    TimeInStatusCondition,
    UpdatedByCondition,
    WasCondition,
)
from jql.testing import InMemoryCatalog

from .conftest import NOW


def where(text: str, catalog: InMemoryCatalog, ctx: QueryContext) -> object:
    return analyze(text, catalog, ctx).where


def cond(where_: object) -> tuple[str, CmpOp, tuple[object, ...]]:
    assert isinstance(where_, FieldCondition), where_
    return where_.field.id, where_.op, where_.values


# Reference §3.1: (field, operator, allowed?) rows taken from the operator x field-type table.
OPERATOR_TABLE = [
    ("assignee", "= bob", True),
    ("assignee", "> bob", False),
    ("assignee", "~ bob", False),
    ("assignee", "in (bob)", True),
    ("assignee", "is EMPTY", True),
    ("assignee", "was bob", True),
    ("assignee", "changed", True),
    ("summary", "= x", False),
    ("summary", "~ x", True),
    ("summary", "!~ x", True),
    ("summary", "in (x)", False),
    ("summary", "is EMPTY", True),
    ("summary", "was x", False),
    ("summary", "changed", False),
    ("text", "~ x", True),
    ("text", "!~ x", False),
    ("text", "is EMPTY", False),
    ("comment", "~ x", True),
    ("comment", "is EMPTY", False),
    ("created", "= -1d", True),
    ("created", "> -1d", True),
    ("created", "~ x", False),
    ("created", "in (-1d)", True),
    ("created", "is EMPTY", True),
    ("created", "was -1d", False),
    ("created", "changed", False),
    ("fixVersion", "= 1.0", True),
    ("fixVersion", "> 1.0", True),
    ("fixVersion", "in (1.0)", True),
    ("fixVersion", "is EMPTY", True),
    ("fixVersion", "was 1.0", True),
    ("fixVersion", "changed", True),
    ("affectedVersion", "> 1.0", True),
    ("affectedVersion", "was 1.0", False),
    ("affectedVersion", "changed", False),
    ("priority", "> High", True),
    ("priority", "was High", True),
    ("priority", "changed", True),
    ("resolution", "< Done", True),
    ("resolution", "was Done", True),
    ("status", "= Done", True),
    ("status", "> Done", False),
    ("status", "was Done", True),
    ("status", "changed", True),
    ("statusCategory", "= Done", True),
    ("statusCategory", "in (Done)", True),
    ("statusCategory", "is EMPTY", False),
    ("statusCategory", "was Done", False),
    ("project", "= ABC", True),
    ("project", "> ABC", False),
    ("project", "was ABC", False),
    ("issuetype", "= Bug", True),
    ("type", "in (Bug)", True),
    ("component", "= Backend", True),
    ("labels", "= x", True),
    ("labels", "> x", False),
    ("sprint", "= 'Sprint 1'", True),
    ("sprint", "was 1", False),
    ("Team", "= Red", True),
    ("Team", "~ Red", False),
    ('"Story Points"', "> 3", True),
    ('"Story Points"', "~ 3", False),
    ('"Story Points"', "was 3", False),
    ("key", "> ABC-1", True),
    ("key", "in (ABC-1)", True),
    ("key", "~ ABC", False),
    ("key", "was ABC-1", False),
    ("parent", "= ABC-1", True),
    ("parent", "in (ABC-1)", True),
    ("parent", "is EMPTY", False),
    ("parent", "> ABC-1", False),
]


@pytest.mark.parametrize(("field", "rest", "allowed"), OPERATOR_TABLE)
def test_operator_table(field: str, rest: str, allowed: bool, catalog: InMemoryCatalog, ctx: QueryContext) -> None:
    text = f"{field} {rest}"
    if allowed:
        analyze(text, catalog, ctx)
    else:
        with pytest.raises(JqlSemanticError, match="is not supported by the"):
            analyze(text, catalog, ctx)


def test_field_names_and_values_are_case_insensitive(catalog: InMemoryCatalog, ctx: QueryContext) -> None:
    assert where("STATUS = done", catalog, ctx) == where("status = Done", catalog, ctx)
    assert where("Type = bug", catalog, ctx) == where("issuetype = Bug", catalog, ctx)
    assert where("project = abc", catalog, ctx) == where("project = 'Alpha Build'", catalog, ctx)
    assert cond(where("project = 2", catalog, ctx)) == ("project", CmpOp.IN, (2,))
    assert cond(where("assignee = 'Bob Baker'", catalog, ctx)) == ("assignee", CmpOp.IN, (2,))


def test_equality_and_lists(catalog: InMemoryCatalog, ctx: QueryContext) -> None:
    assert cond(where("status = Done", catalog, ctx)) == ("status", CmpOp.IN, (10001,))
    assert cond(where("status != Done", catalog, ctx)) == ("status", CmpOp.NOT_IN, (10001,))
    assert cond(where('status in ("To Do", ("In Progress", Done))', catalog, ctx)) == (
        "status",
        CmpOp.IN,
        (1, 3, 10001),
    )
    assert cond(where("assignee = EMPTY", catalog, ctx)) == ("assignee", CmpOp.IS_EMPTY, ())
    assert cond(where("assignee != NULL", catalog, ctx)) == ("assignee", CmpOp.IS_NOT_EMPTY, ())
    either = where("assignee in (EMPTY, bob)", catalog, ctx)
    assert isinstance(either, AnyOf)
    assert [cond(c) for c in either.items] == [("assignee", CmpOp.IN, (2,)), ("assignee", CmpOp.IS_EMPTY, ())]
    # NOT IN with EMPTY in the list: has a value, and not bob.
    assert cond(where("assignee not in (EMPTY, bob)", catalog, ctx)) == ("assignee", CmpOp.NOT_IN, (2,))
    assert cond(where("resolution = unresolved", catalog, ctx)) == ("resolution", CmpOp.IS_EMPTY, ())
    assert cond(where("statusCategory = 'In Progress'", catalog, ctx)) == ("statusCategory", CmpOp.IN, (3,))
    assert isinstance(where("status is EMPTY", catalog, ctx), MatchNone)  # status always has a value
    assert isinstance(where("project is not EMPTY", catalog, ctx), MatchAll)


def test_not_is_pushed_down_with_flipped_operators(catalog: InMemoryCatalog, ctx: QueryContext) -> None:
    flips = [
        ("NOT assignee = bob", "assignee != bob"),
        ("NOT assignee in (bob)", "assignee not in (bob)"),
        ("NOT assignee is EMPTY", "assignee is not EMPTY"),
        ("NOT due > 2024-01-01", "due <= 2024-01-01"),
        ("NOT due >= 2024-01-01", "due < 2024-01-01"),
        ("NOT due < 2024-01-01", "due >= 2024-01-01"),
        ("NOT due <= 2024-01-01", "due > 2024-01-01"),
        ("NOT summary ~ x", "summary !~ x"),
        ("NOT status was Done", "status was not Done"),
        ("NOT status was in (Done)", "status was not in (Done)"),
        ("NOT NOT status = Done", "status = Done"),
        ("NOT (status = Done AND assignee = bob)", "status != Done OR assignee != bob"),
        ("NOT (status = Done OR NOT assignee = bob)", "status != Done AND assignee = bob"),
        ('NOT timeInStatus("Done") > 1d', 'timeInStatus("Done") <= 1d'),
    ]
    for negated, direct in flips:
        assert where(negated, catalog, ctx) == where(direct, catalog, ctx), negated
    changed = where("NOT status changed by bob", catalog, ctx)
    assert isinstance(changed, ChangedCondition) and changed.negated


def test_multi_value_fields(catalog: InMemoryCatalog, ctx: QueryContext) -> None:
    assert cond(where("labels = x", catalog, ctx)) == ("labels", CmpOp.IN, ("x",))
    assert cond(where("labels != x", catalog, ctx)) == ("labels", CmpOp.NOT_IN, ("x",))
    # "Backend" names a component in both projects.
    assert cond(where("component = Backend", catalog, ctx)) == ("component", CmpOp.IN, (1, 3))
    assert cond(where("fixVersion > 1.0", catalog, ctx)) == ("fixVersion", CmpOp.IN, (2, 3, 4, 6))
    assert cond(where("fixVersion <= 1.1", catalog, ctx)) == ("fixVersion", CmpOp.IN, (1, 2))
    assert cond(where("priority > Medium", catalog, ctx)) == ("priority", CmpOp.IN, (1, 2))
    assert cond(where("priority <= Low", catalog, ctx)) == ("priority", CmpOp.IN, (4, 5))
    assert isinstance(where("priority > Highest", catalog, ctx), MatchNone)


def test_typed_values(catalog: InMemoryCatalog, ctx: QueryContext) -> None:
    assert cond(where('"Story Points" > 2.5', catalog, ctx)) == ("story_points", CmpOp.GT, (Decimal("2.5"),))
    assert cond(where("key = abc-7", catalog, ctx)) == ("issuekey", CmpOp.IN, (IssueKeyValue("ABC-7", 1, 7),))
    assert cond(where("key in (10, XYZ-2)", catalog, ctx)) == ("issuekey", CmpOp.IN, (10, IssueKeyValue("XYZ-2", 2, 2)))
    assert cond(where("due = 2024-02-29", catalog, ctx)) == ("duedate", CmpOp.IN, (date(2024, 2, 29),))
    assert cond(where("created > 0", catalog, ctx)) == ("created", CmpOp.GT, (datetime(1970, 1, 1, tzinfo=UTC),))
    assert cond(where("created >= '2024/06/01 10:30'", catalog, ctx)) == (
        "created",
        CmpOp.GTE,
        (datetime(2024, 6, 1, 10, 30, tzinfo=UTC),),
    )
    assert cond(where("Team = Red", catalog, ctx)) == ("customfield_10001", CmpOp.IN, (101,))
    assert cond(where("cf[10004] in (Mac, 203)", catalog, ctx)) == ("customfield_10004", CmpOp.IN, (202, 203))


def test_relative_dates_use_the_injected_clock_and_zone(catalog: InMemoryCatalog) -> None:
    ctx = QueryContext(user_id=1, now=NOW, time_zone=ZoneInfo("Europe/Berlin"))
    assert cond(where("created > -1d", catalog, ctx)) == ("created", CmpOp.GT, (datetime(2024, 6, 14, 12, tzinfo=UTC),))
    assert cond(where('created > "-1w 2d"', catalog, ctx)) == (
        "created",
        CmpOp.GT,
        (datetime(2024, 6, 6, 12, tzinfo=UTC),),
    )
    # Midnight in Berlin (UTC+2 in June).
    assert cond(where("created > 2024-06-01", catalog, ctx)) == (
        "created",
        CmpOp.GT,
        (datetime(2024, 5, 31, 22, tzinfo=UTC),),
    )
    assert cond(where("created >= startOfDay()", catalog, ctx)) == (
        "created",
        CmpOp.GTE,
        (datetime(2024, 6, 14, 22, tzinfo=UTC),),
    )
    assert cond(where("due < -1w", catalog, ctx)) == ("duedate", CmpOp.LT, (date(2024, 6, 8),))
    assert cond(where("due <= endOfMonth()", catalog, ctx)) == ("duedate", CmpOp.LTE, (date(2024, 6, 30),))


def test_text_terms(catalog: InMemoryCatalog, ctx: QueryContext) -> None:
    text = where('summary ~ "The Login-Screen crashes win*"', catalog, ctx)
    assert text == TextCondition(catalog.field("summary"), ("login", "screen", "crashes"), ("win",))  # type: ignore[arg-type]
    assert isinstance(where("summary !~ foo", catalog, ctx), TextCondition)
    assert cond(where("description ~ EMPTY", catalog, ctx)) == ("description", CmpOp.IS_EMPTY, ())


def test_functions(catalog: InMemoryCatalog, ctx: QueryContext) -> None:
    assert cond(where("assignee = currentUser()", catalog, ctx)) == ("assignee", CmpOp.IN, (1,))
    assert cond(where("assignee in (currentUser(), carol)", catalog, ctx)) == ("assignee", CmpOp.IN, (1, 3))
    anonymous = QueryContext(user_id=None, now=NOW)
    assert isinstance(where("assignee = currentUser()", catalog, anonymous), MatchNone)
    assert cond(where("assignee != currentUser()", catalog, anonymous)) == ("assignee", CmpOp.IS_NOT_EMPTY, ())
    assert cond(where("assignee in membersOf(QA)", catalog, ctx)) == ("assignee", CmpOp.IN, (4, 5))
    assert cond(where("sprint in openSprints()", catalog, ctx)) == ("sprint", CmpOp.IN, (3,))
    assert cond(where("sprint in closedSprints()", catalog, ctx)) == ("sprint", CmpOp.IN, (1, 2))
    assert cond(where("sprint not in futureSprints()", catalog, ctx)) == ("sprint", CmpOp.NOT_IN, (4,))
    assert cond(where("fixVersion in releasedVersions()", catalog, ctx)) == ("fixVersion", CmpOp.IN, (1, 2, 5))
    assert cond(where("fixVersion in unreleasedVersions(XYZ)", catalog, ctx)) == ("fixVersion", CmpOp.IN, (6,))
    assert cond(where("fixVersion = earliestUnreleasedVersion(ABC)", catalog, ctx)) == ("fixVersion", CmpOp.IN, (3,))
    assert cond(where("fixVersion = latestReleasedVersion(ABC)", catalog, ctx)) == ("fixVersion", CmpOp.IN, (2,))
    assert cond(where("type in standardIssueTypes()", catalog, ctx)) == (
        "issuetype",
        CmpOp.IN,
        (10001, 10002, 10003, 10004),
    )
    assert cond(where("type in subtaskIssueTypes()", catalog, ctx)) == ("issuetype", CmpOp.IN, (10005,))
    assert cond(where("component in componentsLeadByUser(bob)", catalog, ctx)) == ("component", CmpOp.IN, (1, 3))
    assert cond(where("project in projectsLeadByUser()", catalog, ctx)) == ("project", CmpOp.IN, (1,))
    assert cond(where("issue in issueHistory()", catalog, ctx)) == ("issuekey", CmpOp.IN, (1, 2, 3))
    assert cond(where("issue in watchedIssues()", catalog, ctx)) == ("watcher", CmpOp.IN, (1,))
    not_watched = where("issue not in watchedIssues()", catalog, ctx)
    assert isinstance(not_watched, AnyOf)
    assert [cond(c) for c in not_watched.items] == [("watcher", CmpOp.NOT_IN, (1,)), ("watcher", CmpOp.IS_EMPTY, ())]
    assert isinstance(where("sprint in openSprints()", catalog, ctx), FieldCondition)


def test_history_binding(catalog: InMemoryCatalog, ctx: QueryContext) -> None:
    was = where('status was "In Progress" by (bob, currentUser()) during ("2024-01-01", "2024-01-31")', catalog, ctx)
    assert isinstance(was, WasCondition)
    assert (was.values, was.include_empty, was.negated, was.current) == (("3",), False, False, None)
    assert was.predicates == (
        BoundPredicate(PredicateKind.BY, user_ids=(2, 1)),
        BoundPredicate(
            PredicateKind.DURING, start=datetime(2024, 1, 1, tzinfo=UTC), end=datetime(2024, 2, 1, tzinfo=UTC)
        ),
    )
    plain = where("assignee was in (bob, EMPTY)", catalog, ctx)
    assert isinstance(plain, WasCondition) and plain.include_empty and plain.current is not None
    changed = where('status changed from EMPTY to (Done, "To Do") on 2024-03-01 after startOfMonth()', catalog, ctx)
    assert isinstance(changed, ChangedCondition)
    assert changed.predicates == (
        BoundPredicate(PredicateKind.FROM, include_empty=True),
        BoundPredicate(PredicateKind.TO, values=("10001", "1")),
        BoundPredicate(PredicateKind.ON, start=datetime(2024, 3, 1, tzinfo=UTC), end=datetime(2024, 3, 2, tzinfo=UTC)),
        BoundPredicate(PredicateKind.AFTER, start=datetime(2024, 6, 1, tzinfo=UTC)),
    )
    tis = where('timeInStatus("In Progress", Done) >= "1w 1h"', catalog, ctx)
    assert tis == TimeInStatusCondition(("3", "10001"), CmpOp.GTE, 7 * 86400 + 3600, NOW)


def test_issue_set_functions(catalog: InMemoryCatalog, ctx: QueryContext) -> None:
    updated = where('issue in updatedBy(bob, "2024-01-01", "-1d")', catalog, ctx)
    assert updated == UpdatedByCondition((2,), datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 6, 14, 12, tzinfo=UTC))
    rel = where('issue not in subtasksOf("status = Done")', catalog, ctx)
    assert isinstance(rel, RelationCondition) and rel.negated and rel.relation is Relation.SUBTASKS_OF
    assert cond(rel.inner) == ("status", CmpOp.IN, (10001,))
    epics = where('issue in issuesInEpics("project = ABC")', catalog, ctx)
    assert isinstance(epics, RelationCondition) and epics.epic_type_ids == (10004,)
    linked = where('issue in linkedIssuesOf("project = ABC", "is blocked by")', catalog, ctx)
    assert isinstance(linked, RelationCondition) and linked.links is not None
    assert [(f.type_id, f.direction) for f in linked.links] == [(1, "outward")]
    standard = where("issue in linkedIssues(ABC-1, Relates)", catalog, ctx)
    assert isinstance(standard, RelationCondition) and [(f.type_id, f.direction) for f in standard.links or ()] == [
        (2, "both")
    ]
    assert cond(standard.inner) == ("issuekey", CmpOp.IN, (IssueKeyValue("ABC-1", 1, 1),))


def test_connectors_are_simplified(catalog: InMemoryCatalog, ctx: QueryContext) -> None:
    both = where("status = Done AND (assignee = bob AND labels = x)", catalog, ctx)
    assert isinstance(both, AllOf) and len(both.items) == 3
    assert isinstance(where("status = Done AND status is EMPTY", catalog, ctx), MatchNone)
    assert isinstance(where("status = Done OR status is not EMPTY", catalog, ctx), MatchAll)
    assert isinstance(analyze("", catalog, ctx).where, MatchAll)


def test_order_by_binding(catalog: InMemoryCatalog, ctx: QueryContext) -> None:
    order = analyze("ORDER BY priority DESC, KEY, cf[10002] asc", catalog, ctx).order_by
    assert [(s.field.id, s.descending) for s in order] == [
        ("priority", True),
        ("issuekey", False),
        ("customfield_10002", False),
    ]
