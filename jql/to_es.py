"""Compile analysed JQL to an Elasticsearch query with `elasticsearch.dsl`, against `jql.es_mapping`.

The browse scope is required and added here. Sub-query functions (parentsOf, linkedIssuesOf, …) need
joins Elasticsearch does not have: their clause is handed to `Catalog.search_issue_ids`, which runs it
on SQL, and the ids come back as a `terms` filter.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from elasticsearch.dsl import Q, Search
from elasticsearch.dsl.query import Query as EsQuery

from jql import ast
from jql.ast import PredicateKind
from jql.bound import (
    AllOf,
    AnyOf,
    Bound,
    BoundPredicate,
    BoundQuery,
    BoundValue,
    ChangedCondition,
    CmpOp,
    FieldCondition,
    IssueKeyValue,
    MatchAll,
    MatchNone,
    RelationCondition,
    TextCondition,
    TimeInStatusCondition,
    UpdatedByCondition,
    WasCondition,
)
from jql.catalog import Catalog, FieldSpec, FullText, IssueKeyStorage, IssueRef
from jql.functions import QueryContext
from jql.semantic import analyze

_RANGE = {CmpOp.LT: "lt", CmpOp.LTE: "lte", CmpOp.GT: "gt", CmpOp.GTE: "gte"}
_SCRIPT_OPS = {CmpOp.LT: "<", CmpOp.LTE: "<=", CmpOp.GT: ">", CmpOp.GTE: ">=", CmpOp.IN: "==", CmpOp.NOT_IN: "!="}


def es_value(value: BoundValue) -> Any:
    """A JSON value for a bound value."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, IssueKeyValue):
        return value.key
    return value


def terms(field: str, values: Sequence[Any]) -> EsQuery:
    """`term` for one value, `terms` for several, match_none for none."""
    if not values:
        return Q("match_none")
    if len(values) == 1:
        return Q("term", **{field: values[0]})
    return Q("terms", **{field: list(values)})


def all_(items: Sequence[EsQuery]) -> EsQuery:
    return items[0] if len(items) == 1 else Q("bool", filter=list(items))


def any_(items: Sequence[EsQuery]) -> EsQuery:
    if not items:
        return Q("match_none")
    return items[0] if len(items) == 1 else Q("bool", should=list(items), minimum_should_match=1)


def not_(item: EsQuery) -> EsQuery:
    return Q("bool", must_not=[item])


def exists(field: str) -> EsQuery:
    return Q("exists", field=field)


class EsCompiler:
    """Compiles one bound query to an ES query."""

    def __init__(self, catalog: Catalog, scope: Collection[int] | None, context: QueryContext) -> None:
        self.catalog = catalog
        self.scope = None if scope is None else sorted({int(p) for p in scope})
        self.context = context
        self.handlers: dict[type, Callable[[Any], EsQuery]] = {
            MatchAll: lambda n: Q("match_all"),
            MatchNone: lambda n: Q("match_none"),
            AllOf: lambda n: all_([self.query(i) for i in n.items]),
            AnyOf: lambda n: any_([self.query(i) for i in n.items]),
            FieldCondition: self._field,
            TextCondition: self._text,
            WasCondition: self._was,
            ChangedCondition: self._changed,
            TimeInStatusCondition: self._time_in_status,
            UpdatedByCondition: self._updated_by,
            RelationCondition: self._relation,
        }

    def query(self, node: Bound) -> EsQuery:
        """ES query for a bound node."""
        return self.handlers[type(node)](node)

    def search(self, bound: BoundQuery, index: str) -> Search:
        """The whole search: scope filter, query and sort."""
        parts = [self.query(bound.where)]
        if self.scope is not None:
            parts.insert(0, terms("project_id", self.scope))
        query = Q("bool", filter=[p for p in parts if p != Q("match_all")]) if len(parts) > 1 else parts[0]
        return Search(index=index).query(query).sort(*self.sort(bound))

    def sort(self, bound: BoundQuery) -> list[dict[str, Any]]:
        """Sort clauses mirroring the SQL compiler (empty values last ascending, first descending)."""
        out: list[dict[str, Any]] = []
        if not bound.order_by:
            out.append({"created_at": {"order": "desc", "missing": "_first"}})
        for key in bound.order_by:
            spec = key.field
            assert spec.sort is not None
            order = "desc" if key.descending != spec.sort.reverse else "asc"
            missing = "_first" if key.descending else "_last"
            names = (
                ["project_key", "number"]
                if isinstance(spec.storage, IssueKeyStorage)
                else [spec.sort.es_field or spec.es_field]
            )
            for name in names:
                entry: dict[str, Any] = {"order": order, "missing": missing}
                if spec.multi:
                    entry["mode"] = "min"
                out.append({name: entry})
        out.append({"id": {"order": "desc"}})
        return out

    # --- current values -----------------------------------------------------------------------------

    def _field(self, node: FieldCondition) -> EsQuery:
        spec, storage = node.field, node.field.storage
        if isinstance(storage, IssueKeyStorage):
            return self._issue_key(node)
        if isinstance(storage, IssueRef):
            return self._issue_ref(node)
        if isinstance(storage, FullText):
            if node.op is CmpOp.IS_EMPTY:
                return not_(exists(spec.es_field))
            return exists(spec.es_field)
        return self._compare(spec.es_field, node.op, [es_value(v) for v in node.values])

    def _compare(self, field: str, op: CmpOp, values: list[Any]) -> EsQuery:
        if op is CmpOp.IN:
            return terms(field, values)
        if op is CmpOp.NOT_IN:
            # Jira: never matches an empty field.
            return Q("bool", filter=[exists(field)], must_not=[terms(field, values)] if values else [])
        if op is CmpOp.IS_EMPTY:
            return not_(exists(field))
        if op is CmpOp.IS_NOT_EMPTY:
            return exists(field)
        return Q("range", **{field: {_RANGE[op]: values[0]}})

    def _issue_key(self, node: FieldCondition) -> EsQuery:
        def matches(values: Sequence[BoundValue]) -> EsQuery:
            keys = [v.key for v in values if isinstance(v, IssueKeyValue)]
            ids = [v for v in values if isinstance(v, int)]
            return any_(([terms("key", keys)] if keys else []) + ([terms("id", ids)] if ids else []))

        if node.op is CmpOp.IN:
            return matches(node.values)
        if node.op is CmpOp.NOT_IN:
            return not_(matches(node.values)) if node.values else Q("match_all")
        if node.op in (CmpOp.IS_EMPTY, CmpOp.IS_NOT_EMPTY):
            return Q("match_none") if node.op is CmpOp.IS_EMPTY else Q("match_all")
        pivot = node.values[0]
        bound = _RANGE[node.op]
        if isinstance(pivot, IssueKeyValue):
            return Q("bool", filter=[Q("term", project_id=pivot.project_id), Q("range", number={bound: pivot.number})])
        return Q("range", id={bound: pivot})

    def _issue_ref(self, node: FieldCondition) -> EsQuery:
        def matches(values: Sequence[BoundValue]) -> EsQuery:
            keys = [v.key for v in values if isinstance(v, IssueKeyValue)]
            ids = [v for v in values if isinstance(v, int)]
            return any_(([terms("parent_key", keys)] if keys else []) + ([terms("parent_id", ids)] if ids else []))

        field = node.field.es_field
        if node.op is CmpOp.IN:
            return matches(node.values)
        if node.op is CmpOp.NOT_IN:
            return Q("bool", filter=[exists(field)], must_not=[matches(node.values)] if node.values else [])
        return self._compare(field, node.op, [])

    # --- text ---------------------------------------------------------------------------------------

    def _text_fields(self, spec: FieldSpec) -> list[tuple[str, bool]]:
        """(field, nested-under-comments) pairs searched by a text field."""
        storage = spec.storage
        assert isinstance(storage, FullText)
        fields: list[tuple[str, bool]] = []
        if spec.es_field == "text_all":
            fields.append(("text_all", False))
        elif spec.es_field != "comments":
            fields.append((spec.es_field, False))
        if storage.comments is not None:
            fields.append(("comments.body", True))
        return fields

    def _text(self, node: TextCondition) -> EsQuery:
        matches: list[EsQuery] = []
        for field, nested in self._text_fields(node.field):
            parts: list[EsQuery] = []
            if node.terms:
                parts.append(Q("match", **{field: {"query": " ".join(node.terms), "operator": "and"}}))
            parts += [Q("prefix", **{field: p}) for p in node.prefixes]
            match = all_(parts)
            matches.append(Q("nested", path="comments", query=match) if nested else match)
        match = any_(matches)
        if not node.negated:
            return match
        if node.field.nullable and node.field.es_field not in ("text_all", "comments"):
            return Q("bool", filter=[exists(node.field.es_field)], must_not=[match])
        return not_(match)

    # --- history ------------------------------------------------------------------------------------

    def _values(self, field: str, values: Sequence[Any], include_empty: bool) -> EsQuery:
        parts = [terms(field, list(values))] if values else []
        if include_empty:
            parts.append(not_(exists(field)))
        return any_(parts)

    def _still_held_after(self, instant: datetime) -> EsQuery:
        return any_([not_(exists("history.ended_at")), Q("range", **{"history.ended_at": {"gt": es_value(instant)}})])

    def _by(self, pred: BoundPredicate) -> EsQuery:
        return self._values("history.actor_id", list(pred.user_ids), pred.include_empty)

    def _was_predicate(self, pred: BoundPredicate) -> EsQuery:
        at = "history.occurred_at"
        if pred.kind is PredicateKind.BY:
            return self._by(pred)
        if pred.kind is PredicateKind.BEFORE:
            assert pred.end is not None
            return Q("range", **{at: {"lt": es_value(pred.end)}})
        if pred.kind is PredicateKind.AFTER:
            assert pred.start is not None
            return self._still_held_after(pred.start)
        assert pred.start is not None and pred.end is not None
        return all_([Q("range", **{at: {"lt": es_value(pred.end)}}), self._still_held_after(pred.start)])

    def _changed_predicate(self, pred: BoundPredicate) -> EsQuery:
        at = "history.occurred_at"
        kind = pred.kind
        if kind is PredicateKind.BY:
            return self._by(pred)
        if kind is PredicateKind.FROM:
            return self._values("history.from_value", pred.values, pred.include_empty)
        if kind is PredicateKind.TO:
            return self._values("history.to_value", pred.values, pred.include_empty)
        if kind is PredicateKind.AFTER:
            assert pred.start is not None
            return Q("range", **{at: {"gt": es_value(pred.start)}})
        if kind is PredicateKind.BEFORE:
            assert pred.end is not None
            return Q("range", **{at: {"lt": es_value(pred.end)}})
        assert pred.start is not None and pred.end is not None
        return Q("range", **{at: {"gte": es_value(pred.start), "lt": es_value(pred.end)}})

    def _history(self, field: str, parts: list[EsQuery]) -> EsQuery:
        return Q("nested", path="history", query=Q("bool", filter=[Q("term", **{"history.field": field}), *parts]))

    def _was(self, node: WasCondition) -> EsQuery:
        assert node.field.history is not None
        held = self._values("history.to_value", node.values, node.include_empty)
        if not node.predicates:
            old = self._values("history.from_value", node.values, node.include_empty)
            held = any_([held, Q("bool", filter=[Q("term", **{"history.is_create": False}), old])])
        result = self._history(node.field.history, [held, *(self._was_predicate(p) for p in node.predicates)])
        if node.current is not None:
            result = any_([self.query(node.current), result])
        return not_(result) if node.negated else result

    def _changed(self, node: ChangedCondition) -> EsQuery:
        assert node.field.history is not None
        parts = [Q("term", **{"history.is_create": False}), *(self._changed_predicate(p) for p in node.predicates)]
        result = self._history(node.field.history, parts)
        return not_(result) if node.negated else result

    def _time_in_status(self, node: TimeInStatusCondition) -> EsQuery:
        script = (
            "double s = doc['status_time.closed_seconds'].value;"
            " if (doc['status_time.open_since'].size() > 0) {"
            " s += (params.now - doc['status_time.open_since'].value.toInstant().toEpochMilli()) / 1000.0; }"
            f" return s {_SCRIPT_OPS[node.op]} params.seconds;"
        )
        in_status = terms("status_time.status_id", list(node.status_values))
        timed = Q(
            "nested",
            path="status_time",
            query=Q(
                "bool",
                filter=[
                    in_status,
                    Q(
                        "script",
                        script={
                            "source": script,
                            "params": {"now": int(node.now.timestamp() * 1000), "seconds": node.seconds},
                        },
                    ),
                ],
            ),
        )
        zero_matches = {
            CmpOp.LT: 0 < node.seconds,
            CmpOp.LTE: True,
            CmpOp.GT: False,
            CmpOp.GTE: node.seconds == 0,
            CmpOp.IN: node.seconds == 0,
            CmpOp.NOT_IN: node.seconds != 0,
        }[node.op]
        if not zero_matches:
            return timed
        # Issues never in these statuses spent 0 seconds there, as in SQL's COALESCE(SUM(…), 0).
        return any_([timed, not_(Q("nested", path="status_time", query=in_status))])

    def _updated_by(self, node: UpdatedByCondition) -> EsQuery:
        if not node.user_ids:
            return Q("match_all") if node.negated else Q("match_none")
        at: dict[str, Any] = {}
        if node.start is not None:
            at["gte"] = es_value(node.start)
        if node.end is not None:
            at["lte"] = es_value(node.end)
        parts = [terms("history.actor_id", list(node.user_ids))]
        if at:
            parts.append(Q("range", **{"history.occurred_at": at}))
        result = Q("nested", path="history", query=Q("bool", filter=parts))
        return not_(result) if node.negated else result

    def _relation(self, node: RelationCondition) -> EsQuery:
        ids = self.catalog.search_issue_ids(ast.Query(where=node.clause), scope=self.scope, context=self.context)
        result = terms("id", sorted(set(ids)))
        return not_(result) if node.negated else result


def to_es(
    query: ast.Query | str,
    catalog: Catalog,
    *,
    scope: Collection[int] | None,
    context: QueryContext | None = None,
    index: str = "issues",
) -> Search:
    """Compile JQL to an `elasticsearch.dsl.Search` (query + sort) scoped to `scope` projects."""
    context = context or QueryContext()
    bound = analyze(query, catalog, context)
    return EsCompiler(catalog, scope, context).search(bound, index)
