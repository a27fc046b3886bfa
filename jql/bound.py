"""The analysed ("bound") form of a query that the SQL and Elasticsearch compilers consume.

Semantic analysis resolves names to ids, evaluates functions and dates, and pushes NOT down to the
conditions (Jira's De Morgan rewrite), so no NOT node is left: negation lives in the operators
(`NOT_IN`, `IS_NOT_EMPTY`) and in `negated` flags whose meaning each node documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from jql.ast import PredicateKind, Terminal
from jql.catalog import FieldSpec


class CmpOp(Enum):
    """Comparison of a field's current value."""

    IN = "IN"  # some value is in the set (`=` is IN with one value)
    NOT_IN = "NOT IN"  # the field has a value and none is in the set (never matches empty)
    LT = "<"
    LTE = "<="
    GT = ">"
    GTE = ">="
    IS_EMPTY = "IS EMPTY"
    IS_NOT_EMPTY = "IS NOT EMPTY"


@dataclass(frozen=True)
class IssueKeyValue:
    """An issue key split for comparisons: `ABC-12` → project id and number."""

    key: str
    project_id: int
    number: int


BoundValue = int | str | Decimal | date | datetime | IssueKeyValue


@dataclass(frozen=True)
class MatchAll:
    """Matches every issue (the empty query)."""


@dataclass(frozen=True)
class MatchNone:
    """Matches no issue (e.g. `sprint in openSprints()` with no open sprint)."""


@dataclass(frozen=True)
class AllOf:
    items: tuple[Bound, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Bound, ...]


@dataclass(frozen=True)
class FieldCondition:
    """A comparison of a field's current value; values are already in storage form."""

    field: FieldSpec
    op: CmpOp
    values: tuple[BoundValue, ...] = ()


@dataclass(frozen=True)
class TextCondition:
    """`~` (all terms and prefixes present); negated = field has text and does not match."""

    field: FieldSpec
    terms: tuple[str, ...]
    prefixes: tuple[str, ...] = ()
    negated: bool = False


@dataclass(frozen=True)
class BoundPredicate:
    """One history predicate. AFTER: start; BEFORE: end; ON/DURING: [start, end); BY: users; FROM/TO: values."""

    kind: PredicateKind
    start: datetime | None = None
    end: datetime | None = None
    user_ids: tuple[int, ...] = ()
    values: tuple[str, ...] = ()
    include_empty: bool = False


@dataclass(frozen=True)
class WasCondition:
    """The field had one of `values` (history text form) or EMPTY at some time meeting every predicate.

    `current` is the equivalent condition on the current value, OR-ed in when there are no predicates
    (WAS includes the current value). negated = WAS NOT (the complement).
    """

    field: FieldSpec
    values: tuple[str, ...]
    include_empty: bool
    predicates: tuple[BoundPredicate, ...] = ()
    current: Bound | None = None
    negated: bool = False


@dataclass(frozen=True)
class ChangedCondition:
    """A non-creation history row of the field meets every predicate; negated = no such row."""

    field: FieldSpec
    predicates: tuple[BoundPredicate, ...] = ()
    negated: bool = False


@dataclass(frozen=True)
class TimeInStatusCondition:
    """Total seconds spent in the statuses (history intervals, open one up to `now`) compared to `seconds`."""

    status_values: tuple[str, ...]
    op: CmpOp  # IN means '=', NOT_IN means '!='
    seconds: int
    now: datetime
    history_field: str = "status"


@dataclass(frozen=True)
class UpdatedByCondition:
    """A history row by one of the users within [start, end]; negated = none."""

    user_ids: tuple[int, ...]
    start: datetime | None = None
    end: datetime | None = None
    negated: bool = False


class Relation(Enum):
    """Issue relations reachable from a sub-query."""

    PARENTS_OF = "parentsOf"  # issues that are the parent of a matching issue
    SUBTASKS_OF = "subtasksOf"  # issues whose parent matches
    EPIC_CHILDREN = "issuesInEpics"  # issues whose parent matches and is an epic
    LINKED = "linkedIssuesOf"  # issues linked to a matching issue


@dataclass(frozen=True)
class LinkFilter:
    """Restricts LINKED to a link type seen from the result issue: 'outward', 'inward' or 'both'."""

    type_id: int
    direction: str


@dataclass(frozen=True)
class RelationCondition:
    """The issue is related to an issue matching `inner`; negated = it is not.

    `clause` is the originating JQL clause in positive form, which `to_es` hands to the catalog to run
    on SQL because Elasticsearch cannot join.
    """

    relation: Relation
    inner: Bound
    clause: Terminal
    links: tuple[LinkFilter, ...] | None = None
    epic_type_ids: tuple[int, ...] = ()
    negated: bool = False


Bound = (
    MatchAll
    | MatchNone
    | AllOf
    | AnyOf
    | FieldCondition
    | TextCondition
    | WasCondition
    | ChangedCondition
    | TimeInStatusCondition
    | UpdatedByCondition
    | RelationCondition
)


@dataclass(frozen=True)
class BoundSort:
    field: FieldSpec
    descending: bool


@dataclass(frozen=True)
class BoundQuery:
    """An analysed query: the condition and the sort keys (without the implicit tie-breaker)."""

    where: Bound
    order_by: tuple[BoundSort, ...]


def all_of(items: list[Bound]) -> Bound:
    """AND of items, simplified (MatchAll dropped, MatchNone absorbs, nested AllOf flattened)."""
    flat: list[Bound] = []
    for item in items:
        if isinstance(item, MatchNone):
            return item
        if isinstance(item, AllOf):
            flat.extend(item.items)
        elif not isinstance(item, MatchAll):
            flat.append(item)
    if not flat:
        return MatchAll()
    return flat[0] if len(flat) == 1 else AllOf(tuple(flat))


def any_of(items: list[Bound]) -> Bound:
    """OR of items, simplified (MatchNone dropped, MatchAll absorbs, nested AnyOf flattened)."""
    flat: list[Bound] = []
    for item in items:
        if isinstance(item, MatchAll):
            return item
        if isinstance(item, AnyOf):
            flat.extend(item.items)
        elif not isinstance(item, MatchNone):
            flat.append(item)
    if not flat:
        return MatchNone()
    return flat[0] if len(flat) == 1 else AnyOf(tuple(flat))
