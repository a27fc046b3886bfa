"""JQL functions: one table entry each (arity, operators, field types, evaluator).

Evaluators are pure: date functions use the injected clock; data-dependent ones ask the catalog; the
sub-query functions (issuesInEpics, parentsOf, …) return conditions the compilers turn into joins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from functools import partial

from jql import ast
from jql.ast import Operator
from jql.bound import (
    Bound,
    CmpOp,
    FieldCondition,
    LinkFilter,
    Relation,
    RelationCondition,
    UpdatedByCondition,
)
from jql.catalog import Catalog, FieldSpec, FieldType, suggest
from jql.dates import DATE_FORMATS_HELP, PERIODS, parse_date, parse_increment, period_boundary
from jql.printer import word

Op = Operator
LIST_OPS = frozenset({Op.IN, Op.NOT_IN})
SCALAR_OPS = frozenset({Op.EQ, Op.NEQ})
DATE_OPS = frozenset({Op.EQ, Op.NEQ, Op.LT, Op.LTE, Op.GT, Op.GTE})
T = FieldType
DATE_TYPES = frozenset({T.DATE, T.DATETIME})
ISSUE_TYPES = frozenset({T.ISSUE_KEY})


@dataclass(frozen=True)
class QueryContext:
    """Who searches and when: the current user, the clock, the time zone and the first day of the week."""

    user_id: int | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    time_zone: tzinfo = UTC
    week_start: int = 0  # 0 = Monday (ISO); Jira's en_US locale would use 6 (Sunday)
    subquery_depth: int = 0


class FunctionError(Exception):
    """A function could not be evaluated; semantic analysis positions it at the call."""

    def __init__(self, message: str, suggestions: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.suggestions = tuple(suggestions)


@dataclass(frozen=True)
class Values:
    """Stored values (ids or strings) the function stands for."""

    items: tuple[int | str, ...]


@dataclass(frozen=True)
class Instant:
    """A point in time (date functions)."""

    value: datetime


@dataclass(frozen=True)
class Condition:
    """A condition on the issue itself (issue-set functions), in positive (IN) form."""

    node: Bound


FunctionResult = Values | Instant | Condition


@dataclass(frozen=True)
class Call:
    """Everything an evaluator may use."""

    name: str
    args: tuple[str, ...]
    field: FieldSpec
    catalog: Catalog
    context: QueryContext
    node: ast.FunctionCall
    subquery: Callable[[str, ast.FunctionCall], Bound]


@dataclass(frozen=True)
class FunctionDef:
    name: str
    min_args: int
    max_args: int
    operators: frozenset[Operator]
    field_types: frozenset[FieldType]
    evaluate: Callable[[Call], FunctionResult]


# --- helpers ---------------------------------------------------------------------------------------


def _user_ids(call: Call, name: str | None) -> tuple[int, ...]:
    if name is None:
        if call.context.user_id is None:
            return ()
        return (call.context.user_id,)
    users = call.catalog.find_users(name)
    if not users:
        raise FunctionError(
            f"The user '{name}' given to {call.name}() does not exist",
            suggest(name, call.catalog.similar_user_names(name)),
        )
    return tuple(u.id for u in users)


def _project_id(call: Call, name: str) -> int:
    project = call.catalog.project_by_key(name) or next(
        (p for p in call.catalog.projects() if p.name.lower() == name.lower() or str(p.id) == name), None
    )
    if project is None:
        raise FunctionError(
            f"The project '{name}' given to {call.name}() does not exist",
            suggest(name, [p.key for p in call.catalog.projects()]),
        )
    return project.id


def _date_arg(call: Call, text: str) -> datetime:
    value = parse_date(text, call.context.now, call.context.time_zone)
    if value is None:
        raise FunctionError(f"'{text}' given to {call.name}() is not a valid date; use {DATE_FORMATS_HELP}")
    return value.instant


# --- evaluators ------------------------------------------------------------------------------------


def _current_user(call: Call) -> FunctionResult:
    return Values(_user_ids(call, None))


def _members_of(call: Call) -> FunctionResult:
    members = call.catalog.group_members(call.args[0])
    if members is None:
        raise FunctionError(
            f"The group '{call.args[0]}' does not exist", suggest(call.args[0], call.catalog.group_names())
        )
    return Values(tuple(members))


def _now(call: Call) -> FunctionResult:
    return Instant(call.context.now.astimezone(UTC))


def _boundary(period: str, end: bool, call: Call) -> FunctionResult:
    increment = None
    if call.args:
        increment = parse_increment(call.args[0], period)
        if increment is None:
            raise FunctionError(f"'{call.args[0]}' is not a valid increment for {call.name}(); use (+/-)n(y|M|w|d|h|m)")
    ctx = call.context
    try:
        return Instant(period_boundary(period, end, increment, ctx.now, ctx.time_zone, ctx.week_start))
    except (OverflowError, ValueError) as exc:
        raise FunctionError(f"The increment '{call.args[0]}' of {call.name}() is out of range") from exc


def _sprints(state: str, call: Call) -> FunctionResult:
    return Values(tuple(s.id for s in call.catalog.sprints() if s.state == state))


def _versions(released: bool, call: Call) -> FunctionResult:
    project = _project_id(call, call.args[0]) if call.args else None
    return Values(
        tuple(
            v.id
            for v in call.catalog.versions()
            if v.released == released and not v.archived and (project is None or v.project_id == project)
        )
    )


def _edge_version(released: bool, call: Call) -> FunctionResult:
    project = _project_id(call, call.args[0])
    candidates = [
        v for v in call.catalog.versions() if v.project_id == project and v.released == released and not v.archived
    ]
    if not candidates:
        return Values(())
    pick = max if released else min
    return Values((pick(candidates, key=lambda v: v.sequence).id,))


def _issue_types(subtask: bool, call: Call) -> FunctionResult:
    return Values(tuple(t.id for t in call.catalog.issue_types() if t.subtask == subtask))


def _components_lead(call: Call) -> FunctionResult:
    users = set(_user_ids(call, call.args[0] if call.args else None))
    return Values(tuple(c.id for c in call.catalog.components() if c.lead_id in users))


def _projects_lead(call: Call) -> FunctionResult:
    users = set(_user_ids(call, call.args[0] if call.args else None))
    return Values(tuple(p.id for p in call.catalog.projects() if p.lead_id in users))


def _issue_history(call: Call) -> FunctionResult:
    if call.context.user_id is None:
        return Values(())
    return Values(tuple(call.catalog.recently_viewed_issue_ids(call.context.user_id)))


def _user_field_set(field_id: str, call: Call) -> FunctionResult:
    spec = call.catalog.field(field_id)
    if spec is None:
        raise FunctionError(f"{call.name}() is not available: this tracker does not record {field_id}s")
    if call.context.user_id is None:
        return Values(())
    return Condition(FieldCondition(spec, CmpOp.IN, (call.context.user_id,)))


def _updated_by(call: Call) -> FunctionResult:
    users = _user_ids(call, call.args[0])
    start = _date_arg(call, call.args[1]) if len(call.args) > 1 else None
    end = _date_arg(call, call.args[2]) if len(call.args) > 2 else None
    return Condition(UpdatedByCondition(users, start, end))


def _positive_clause(call: Call) -> ast.Terminal:
    return ast.Terminal(ast.Field("issue"), Operator.IN, call.node)


def _link_filters(call: Call, name: str) -> tuple[LinkFilter, ...]:
    filters: list[LinkFilter] = []
    low = name.lower()
    for lt in call.catalog.link_types():
        if lt.name.lower() == low:
            filters.append(LinkFilter(lt.id, "both"))
        else:
            # "blocks": result issues are targets of a 'blocks' link from the matching issue.
            if lt.outward.lower() == low:
                filters.append(LinkFilter(lt.id, "inward"))
            if lt.inward.lower() == low:
                filters.append(LinkFilter(lt.id, "outward"))
    if not filters:
        names = [n for lt in call.catalog.link_types() for n in (lt.name, lt.outward, lt.inward)]
        raise FunctionError(f"The link type '{name}' does not exist", suggest(name, names))
    return tuple(filters)


def _relation(relation: Relation, call: Call, inner_text: str | None = None) -> FunctionResult:
    inner = call.subquery(inner_text if inner_text is not None else call.args[0], call.node)
    links = None
    epic_ids: tuple[int, ...] = ()
    if relation is Relation.LINKED:
        if call.catalog.link_storage() is None:
            raise FunctionError(f"{call.name}() is not available: issue links are not configured")
        if len(call.args) > 1:
            links = _link_filters(call, call.args[1])
    if relation is Relation.EPIC_CHILDREN:
        epic_ids = tuple(t.id for t in call.catalog.issue_types() if t.hierarchy_level >= 1)
    return Condition(RelationCondition(relation, inner, _positive_clause(call), links, epic_ids))


def _linked_issues(call: Call) -> FunctionResult:
    # Standard Jira function: linkedIssues(KEY[, type]) is linkedIssuesOf("key = KEY"[, type]).
    return _relation(Relation.LINKED, call, f"issuekey = {word(call.args[0])}")


def _table() -> dict[str, FunctionDef]:
    defs = [
        FunctionDef("currentUser", 0, 0, SCALAR_OPS, frozenset({T.USER}), _current_user),
        FunctionDef("membersOf", 1, 1, LIST_OPS, frozenset({T.USER}), _members_of),
        FunctionDef("now", 0, 0, DATE_OPS, DATE_TYPES, _now),
        FunctionDef("openSprints", 0, 0, LIST_OPS, frozenset({T.SPRINT}), partial(_sprints, "active")),
        FunctionDef("closedSprints", 0, 0, LIST_OPS, frozenset({T.SPRINT}), partial(_sprints, "closed")),
        FunctionDef("futureSprints", 0, 0, LIST_OPS, frozenset({T.SPRINT}), partial(_sprints, "future")),
        FunctionDef("releasedVersions", 0, 1, LIST_OPS, frozenset({T.VERSION}), partial(_versions, True)),
        FunctionDef("unreleasedVersions", 0, 1, LIST_OPS, frozenset({T.VERSION}), partial(_versions, False)),
        FunctionDef(
            "earliestUnreleasedVersion",
            1,
            1,
            SCALAR_OPS | LIST_OPS,
            frozenset({T.VERSION}),
            partial(_edge_version, False),
        ),
        FunctionDef(
            "latestReleasedVersion", 1, 1, SCALAR_OPS | LIST_OPS, frozenset({T.VERSION}), partial(_edge_version, True)
        ),
        FunctionDef("standardIssueTypes", 0, 0, LIST_OPS, frozenset({T.ISSUE_TYPE}), partial(_issue_types, False)),
        FunctionDef("subtaskIssueTypes", 0, 0, LIST_OPS, frozenset({T.ISSUE_TYPE}), partial(_issue_types, True)),
        FunctionDef("componentsLeadByUser", 0, 1, LIST_OPS, frozenset({T.COMPONENT}), _components_lead),
        FunctionDef("projectsLeadByUser", 0, 1, LIST_OPS, frozenset({T.PROJECT}), _projects_lead),
        FunctionDef("issueHistory", 0, 0, LIST_OPS, ISSUE_TYPES, _issue_history),
        FunctionDef("watchedIssues", 0, 0, LIST_OPS, ISSUE_TYPES, partial(_user_field_set, "watcher")),
        FunctionDef("votedIssues", 0, 0, LIST_OPS, ISSUE_TYPES, partial(_user_field_set, "voter")),
        FunctionDef("updatedBy", 1, 3, LIST_OPS, ISSUE_TYPES, _updated_by),
        FunctionDef("linkedIssues", 1, 2, LIST_OPS, ISSUE_TYPES, _linked_issues),
        FunctionDef("linkedIssuesOf", 1, 2, LIST_OPS, ISSUE_TYPES, partial(_relation, Relation.LINKED)),
        FunctionDef("issuesInEpics", 1, 1, LIST_OPS, ISSUE_TYPES, partial(_relation, Relation.EPIC_CHILDREN)),
        FunctionDef("parentsOf", 1, 1, LIST_OPS, ISSUE_TYPES, partial(_relation, Relation.PARENTS_OF)),
        FunctionDef("subtasksOf", 1, 1, LIST_OPS, ISSUE_TYPES, partial(_relation, Relation.SUBTASKS_OF)),
    ]
    for period in PERIODS:
        cap = period.capitalize()
        for end, prefix in ((False, "startOf"), (True, "endOf")):
            defs.append(FunctionDef(f"{prefix}{cap}", 0, 1, DATE_OPS, DATE_TYPES, partial(_boundary, period, end)))
    return {d.name.lower(): d for d in defs}


FUNCTIONS: dict[str, FunctionDef] = _table()


def lookup(name: str) -> FunctionDef | None:
    """The function called `name` (case-insensitive)."""
    return FUNCTIONS.get(name.lower())


def function_names() -> list[str]:
    """Every function name, for suggestions."""
    return [d.name for d in FUNCTIONS.values()]
