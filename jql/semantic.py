"""Semantic analysis: validate a parsed query against the catalog and bind it (`jql.bound`).

This is where Jira's meaning lives, shared by every backend: operator validity per field type, value
and function resolution, date arithmetic with the injected clock, Jira's NOT push-down (De Morgan with
operator flips, so `NOT assignee = bob` excludes unassigned issues), EMPTY handling in lists, and
history predicates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from jql import ast
from jql import functions as fn
from jql.ast import Operator, PredicateKind
from jql.bound import (
    AnyOf,
    Bound,
    BoundPredicate,
    BoundQuery,
    BoundSort,
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
    all_of,
    any_of,
)
from jql.catalog import ISSUE_KEY, Catalog, Column, FieldSpec, FieldType, SqlType, UnknownValue, suggest
from jql.dates import DATE_FORMATS_HELP, DateValue, day_range, epoch_millis, parse_date, parse_duration_seconds
from jql.errors import JqlError, JqlSemanticError
from jql.parser import parse

Op = Operator
T = FieldType

# Jira's De Morgan operator flips (reference §3.2).
FLIP: dict[Operator, Operator] = {
    Op.EQ: Op.NEQ,
    Op.NEQ: Op.EQ,
    Op.IN: Op.NOT_IN,
    Op.NOT_IN: Op.IN,
    Op.IS: Op.IS_NOT,
    Op.IS_NOT: Op.IS,
    Op.LIKE: Op.NOT_LIKE,
    Op.NOT_LIKE: Op.LIKE,
    Op.GT: Op.LTE,
    Op.LTE: Op.GT,
    Op.GTE: Op.LT,
    Op.LT: Op.GTE,
    Op.WAS: Op.WAS_NOT,
    Op.WAS_NOT: Op.WAS,
    Op.WAS_IN: Op.WAS_NOT_IN,
    Op.WAS_NOT_IN: Op.WAS_IN,
    Op.CHANGED: Op.CHANGED,
}
ORDER_OPS: dict[Operator, CmpOp] = {Op.LT: CmpOp.LT, Op.LTE: CmpOp.LTE, Op.GT: CmpOp.GT, Op.GTE: CmpOp.GTE}
POSITIVE = frozenset({Op.EQ, Op.IN, Op.WAS, Op.WAS_IN})
LOOKUP_TYPES = frozenset(
    {
        T.USER,
        T.PROJECT,
        T.STATUS,
        T.STATUS_CATEGORY,
        T.ISSUE_TYPE,
        T.PRIORITY,
        T.RESOLUTION,
        T.SELECT,
        T.MULTI_SELECT,
        T.VERSION,
        T.SPRINT,
        T.COMPONENT,
    }
)
# Lucene's English stop words, which Jira drops from text queries (reference §3.5).
STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these "
    "they this to was will with".split()
)
WORD = re.compile(r"[^\W_]+")
MAX_TREE_DEPTH = 200
MAX_SUBQUERY_DEPTH = 3
MAX_LIST_ITEMS = 3000
MAX_CLAUSES = 1000


def text_terms(query: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Whole-word terms and prefix terms (`win*`) of a `~` query, lower-cased, stop words removed."""
    terms: list[str] = []
    prefixes: list[str] = []
    for chunk in query.split():
        words = WORD.findall(chunk.lower())
        if chunk.endswith("*") and words and chunk.rstrip("*").lower().endswith(words[-1]):
            prefixes.append(words.pop())
        terms.extend(w for w in words if w not in STOP_WORDS)
    return tuple(dict.fromkeys(terms)), tuple(dict.fromkeys(prefixes))


@dataclass
class _Operand:
    """Values gathered from an operand (lists flattened): stored values, EMPTY, issue conditions, dates."""

    values: list[BoundValue] = field(default_factory=list)
    include_empty: bool = False
    conditions: list[Bound] = field(default_factory=list)


class Analyzer:
    """Binds one query; create one per query."""

    def __init__(self, catalog: Catalog, context: fn.QueryContext, source: str) -> None:
        self.catalog = catalog
        self.context = context
        self.source = source

    # --- errors -------------------------------------------------------------------------------------

    def error(self, message: str, node: ast.Node | None, suggestions: Sequence[str] = ()) -> JqlSemanticError:
        span = node.span if node is not None else None
        start, end = (span.start, span.end) if span else (0, 0)
        if end > len(self.source):
            start, end = 0, 0
        return JqlSemanticError(message, source=self.source, start=start, end=end, suggestions=suggestions)

    # --- query --------------------------------------------------------------------------------------

    def analyze(self, query: ast.Query) -> BoundQuery:
        """Validate and bind a whole query."""
        self._check_depth(query)
        where: Bound = MatchAll() if query.where is None else self.clause(query.where, negate=False)
        return BoundQuery(where, self._order_by(query.order_by))

    def _check_depth(self, query: ast.Query) -> None:
        """Bound the work: compile time grows with clauses, and recursion with depth."""
        stack: list[tuple[ast.Node, int]] = [(query, 0)]
        clauses = 0
        while stack:
            node, depth = stack.pop()
            if depth > MAX_TREE_DEPTH:
                raise self.error("The query is nested too deeply", node)
            if isinstance(node, ast.Terminal):
                clauses += 1
                if clauses > MAX_CLAUSES:
                    raise self.error(f"The query has more than {MAX_CLAUSES} clauses", node)
            stack.extend((child, depth + 1) for child in node.children())

    def _order_by(self, keys: tuple[ast.SortKey, ...]) -> tuple[BoundSort, ...]:
        out: list[BoundSort] = []
        seen: set[str] = set()
        for key in keys:
            spec = self.field(key.field)
            if spec.sort is None:
                raise self.error(f"Field '{spec.name}' does not support sorting", key.field)
            if spec.id in seen:
                raise self.error(f"The sort field '{spec.name}' is referenced multiple times", key.field)
            seen.add(spec.id)
            out.append(BoundSort(spec, key.direction is ast.SortDirection.DESC))
        return tuple(out)

    # --- clauses ------------------------------------------------------------------------------------

    def clause(self, node: ast.Clause, negate: bool) -> Bound:
        """Bind a clause; `negate` carries NOTs down to the terminals (De Morgan)."""
        if isinstance(node, ast.Not):
            return self.clause(node.clause, not negate)
        if isinstance(node, ast.And | ast.Or):
            items = [self.clause(c, negate) for c in node.clauses]
            # De Morgan: NOT (a AND b) = NOT a OR NOT b.
            return any_of(items) if isinstance(node, ast.And) == negate else all_of(items)
        if isinstance(node.field, ast.FieldCall):
            return self._field_call(node, negate)
        return self.terminal(node, negate)

    def field(self, ref: ast.FieldRef) -> FieldSpec:
        """The catalog field a reference names, or a positioned error with suggestions."""
        if isinstance(ref, ast.FieldCall):
            raise self.error(f"'{ref.name}()' cannot be used here", ref)
        if ref.properties:
            raise self.error("Entity properties (field[key].path) are not supported", ref)
        if isinstance(ref, ast.CustomField):
            spec = self.catalog.custom_field(ref.id)
            if spec is None:
                raise self.error(f"Field 'cf[{ref.id}]' does not exist or you do not have permission to view it", ref)
            return spec
        spec = self.catalog.field(ref.name)
        if spec is None:
            raise self.error(
                f"Field '{ref.name}' does not exist or you do not have permission to view it",
                ref,
                suggest(ref.name, self.catalog.field_names()),
            )
        return spec

    def terminal(self, node: ast.Terminal, negate: bool) -> Bound:
        """Bind one `field operator operand` clause."""
        spec = self.field(node.field)
        if node.operator not in spec.operators:
            raise self.error(f"The operator '{node.operator.value}' is not supported by the '{spec.name}' field", node)
        op = FLIP[node.operator] if negate else node.operator
        if op in (Op.IS, Op.IS_NOT):
            return self._emptiness(spec, positive=op is Op.IS)
        if op in (Op.LIKE, Op.NOT_LIKE):
            return self._text(spec, node, positive=op is Op.LIKE)
        if op is Op.CHANGED:
            return ChangedCondition(spec, self._predicates(spec, node), negated=negate)
        if op in ORDER_OPS:
            return self._ordering(spec, node, ORDER_OPS[op])
        assert node.operand is not None
        gathered = self._gather(spec, node.operand, node.operator)
        if op in (Op.WAS, Op.WAS_NOT, Op.WAS_IN, Op.WAS_NOT_IN):
            return self._was(spec, node, gathered, negated=op in (Op.WAS_NOT, Op.WAS_NOT_IN))
        return self._equality(spec, gathered, positive=op in POSITIVE)

    # --- equality, emptiness, ordering ---------------------------------------------------------------

    def _emptiness(self, spec: FieldSpec, positive: bool) -> Bound:
        if not spec.nullable:
            return MatchNone() if positive else MatchAll()
        return FieldCondition(spec, CmpOp.IS_EMPTY if positive else CmpOp.IS_NOT_EMPTY)

    def _equality(self, spec: FieldSpec, g: _Operand, positive: bool) -> Bound:
        values = tuple(dict.fromkeys(g.values))
        if positive:
            parts: list[Bound] = [FieldCondition(spec, CmpOp.IN, values)] if values else []
            if g.include_empty:
                parts.append(self._emptiness(spec, True))
            return any_of(parts + g.conditions)
        # != / NOT IN: the field has a value and none of them matches; EMPTY in the list adds nothing.
        base = FieldCondition(spec, CmpOp.NOT_IN, values) if values else self._emptiness(spec, False)
        return all_of([base, *(negate_condition(c) for c in g.conditions)])

    def _ordering(self, spec: FieldSpec, node: ast.Terminal, op: CmpOp) -> Bound:
        assert node.operand is not None
        g = self._gather(spec, node.operand, node.operator)
        if spec.type in (T.PRIORITY, T.RESOLUTION, T.VERSION):
            # A name may stand for several ids (one version name in two projects): order within each.
            ids = self._ordered_ids(spec, g.values, op)
            return FieldCondition(spec, CmpOp.IN, ids) if ids else MatchNone()
        if not g.values:
            return MatchNone()
        if len(g.values) != 1 or g.conditions:
            raise self.error(f"The operator '{node.operator.value}' needs exactly one value", node.operand)
        return FieldCondition(spec, op, (g.values[0],))

    def _ordered_ids(self, spec: FieldSpec, pivots: Sequence[BoundValue], op: CmpOp) -> tuple[int, ...]:
        """Ids ordered relative to the pivot in the configured order (priority, resolution, version)."""
        ranks: dict[int, tuple[int, int]]
        if spec.type is T.PRIORITY:
            ranks = {p.id: (0, -p.sequence) for p in self.catalog.priorities()}  # Highest is greatest
        elif spec.type is T.RESOLUTION:
            ranks = {r.id: (0, i) for i, r in enumerate(self.catalog.resolutions())}
        else:
            ranks = {v.id: (v.project_id, v.sequence) for v in self.catalog.versions()}
        compare = {
            CmpOp.LT: lambda a, b: a < b,
            CmpOp.LTE: lambda a, b: a <= b,
            CmpOp.GT: lambda a, b: a > b,
            CmpOp.GTE: lambda a, b: a >= b,
        }[op]
        out: list[int] = []
        for pivot in pivots:
            if not isinstance(pivot, int) or pivot not in ranks:
                continue
            group, rank = ranks[pivot]
            out += [i for i, (g, r) in ranks.items() if g == group and compare(r, rank)]
        return tuple(sorted(set(out)))

    # --- operands -----------------------------------------------------------------------------------

    def _gather(self, spec: FieldSpec, operand: ast.Operand, operator: Operator | None) -> _Operand:
        """Values of an operand; `operator` None means a history predicate (BY, FROM, TO)."""
        g = _Operand()
        stack: list[tuple[ast.Operand, bool]] = [(operand, False)]
        count = 0
        while stack:
            item, in_list = stack.pop()
            if isinstance(item, ast.ListValue):
                stack.extend((i, True) for i in reversed(item.items))
                continue
            count += 1
            if count > MAX_LIST_ITEMS:
                raise self.error(f"A list may hold at most {MAX_LIST_ITEMS} values", operand)
            if isinstance(item, ast.EmptyValue):
                g.include_empty = True
            elif isinstance(item, ast.FunctionCall):
                self._apply_function(spec, item, operator, in_list, g)
            elif spec.type is T.RESOLUTION and str(item.value).lower() == "unresolved":
                g.include_empty = True  # Jira's special value
            else:
                g.values.extend(self.value(spec, item))
        return g

    def value(self, spec: FieldSpec, node: ast.StringValue | ast.NumberValue) -> tuple[BoundValue, ...]:
        """Storage values for one literal on a field."""
        raw = str(node.value)
        try:
            if spec.type in LOOKUP_TYPES:
                return self.catalog.resolve(spec, raw)
        except UnknownValue as exc:
            raise self.error(exc.message, node, exc.suggestions) from None
        if spec.type in (T.DATE, T.DATETIME):
            date_value = self._date(node, spec.name)
            return (date_value.local_date(self.context.time_zone) if spec.type is T.DATE else date_value.instant,)
        if spec.type is T.NUMBER:
            try:
                number = Decimal(raw)
            except InvalidOperation:
                number = Decimal("nan")
            if not number.is_finite():
                raise self.error(f"'{raw}' is not a valid number for the field '{spec.name}'", node) from None
            return (number,)
        if spec.type in (T.ISSUE_KEY, T.PARENT):
            return (self._issue_ref(spec, node),)
        return (raw,)

    def _issue_ref(self, spec: FieldSpec, node: ast.StringValue | ast.NumberValue) -> BoundValue:
        raw = str(node.value)
        if isinstance(node, ast.NumberValue) or raw.isdigit():
            return int(raw)
        m = ISSUE_KEY.fullmatch(raw)
        if m is None:
            raise self.error(f"'{raw}' is not a valid issue key for the field '{spec.name}'", node)
        project = self.catalog.project_by_key(m.group(1))
        if project is None:
            raise self.error(f"An issue with key '{raw}' does not exist for the field '{spec.name}'", node)
        number = int(m.group(2))
        return IssueKeyValue(f"{project.key}-{number}", project.id, number)

    def _date(self, node: ast.StringValue | ast.NumberValue, what: str) -> DateValue:
        if isinstance(node, ast.NumberValue):
            value = epoch_millis(node.value)
        else:
            value = parse_date(node.value, self.context.now, self.context.time_zone)
        if value is None:
            raise self.error(
                f"Date value '{node.value}' for '{what}' is invalid; valid formats are {DATE_FORMATS_HELP}", node
            )
        return value

    def _apply_function(
        self, spec: FieldSpec, call: ast.FunctionCall, operator: Operator | None, in_list: bool, g: _Operand
    ) -> None:
        result = self.call(spec, call, operator, in_list)
        if isinstance(result, fn.Values):
            g.values.extend(result.items)
        elif isinstance(result, fn.Condition):
            g.conditions.append(result.node)
        else:
            g.values.append(
                result.value.astimezone(self.context.time_zone).date() if spec.type is T.DATE else result.value
            )

    def call(
        self, spec: FieldSpec, call: ast.FunctionCall, operator: Operator | None, in_list: bool
    ) -> fn.FunctionResult:
        """Validate and evaluate a function call used as an operand of `spec` (operator None: predicate)."""
        definition = fn.lookup(call.name)
        if definition is None:
            raise self.error(
                f"Unable to find JQL function '{call.name}()'", call, suggest(call.name, fn.function_names())
            )
        name = definition.name
        if not definition.min_args <= len(call.args) <= definition.max_args:
            expected = (
                str(definition.min_args)
                if definition.min_args == definition.max_args
                else f"{definition.min_args} to {definition.max_args}"
            )
            raise self.error(f"Function '{name}' expects {expected} argument(s) but got {len(call.args)}", call)
        if operator is not None:
            allowed = definition.operators
            ok = operator in allowed or (in_list and bool(allowed & {Op.EQ, Op.IN}))
            if operator in (Op.WAS, Op.WAS_NOT):
                ok = bool(allowed & {Op.EQ})
            elif operator in (Op.WAS_IN, Op.WAS_NOT_IN):
                ok = bool(allowed & {Op.IN, Op.EQ})
            if not ok:
                raise self.error(f"Function '{name}' does not support the operator '{operator.value}'", call)
        if spec.type not in definition.field_types:
            if operator is None:
                raise self.error(f"Function '{name}' cannot be used in this history predicate", call)
            raise self.error(f"Function '{name}' cannot be used with the field '{spec.name}'", call)
        args = tuple(str(a.value) for a in call.args)
        invocation = fn.Call(name, args, spec, self.catalog, self.context, call, self._subquery)
        try:
            return definition.evaluate(invocation)
        except fn.FunctionError as exc:
            raise self.error(exc.message, call, exc.suggestions) from None

    def _subquery(self, text: str, call: ast.FunctionCall) -> Bound:
        depth = self.context.subquery_depth + 1
        if depth > MAX_SUBQUERY_DEPTH:
            raise self.error(f"Sub-queries may be nested at most {MAX_SUBQUERY_DEPTH} deep", call)
        try:
            inner_query = parse(text)
            if inner_query.order_by:
                raise self.error(f"The query given to {call.name}() cannot have ORDER BY", call)
            inner = Analyzer(self.catalog, _replace_depth(self.context, depth), text)
            return inner.analyze(inner_query).where
        except JqlSemanticError as exc:
            if exc.source is self.source:
                raise
            raise self._inner_error(call, exc) from None
        except JqlError as exc:
            raise self._inner_error(call, exc) from None

    def _inner_error(self, call: ast.FunctionCall, exc: JqlError) -> JqlSemanticError:
        return self.error(
            f"In the query given to {call.name}(): {exc.message} (line {exc.line}, column {exc.column})",
            call,
            exc.suggestions,
        )

    # --- text ---------------------------------------------------------------------------------------

    def _text(self, spec: FieldSpec, node: ast.Terminal, positive: bool) -> Bound:
        operand = node.operand
        if isinstance(operand, ast.EmptyValue):
            return self._emptiness(spec, positive)
        if spec.type is not T.TEXT:
            raise self.error(f"The operator '~' is not supported by the '{spec.name}' field", node)
        if not isinstance(operand, ast.StringValue | ast.NumberValue):
            raise self.error("The operator '~' needs a text value", operand)
        terms, prefixes = text_terms(str(operand.value))
        if not terms and not prefixes:
            raise self.error(
                f"The text query '{operand.value}' has no searchable words (stop words and punctuation are ignored)",
                operand,
            )
        return TextCondition(spec, terms, prefixes, negated=not positive)

    # --- history ------------------------------------------------------------------------------------

    def _history_value(self, value: BoundValue) -> str:
        return str(value)

    def _was(self, spec: FieldSpec, node: ast.Terminal, g: _Operand, negated: bool) -> Bound:
        if g.conditions:
            raise self.error("WAS cannot be used with this function", node.operand)
        values = tuple(dict.fromkeys(self._history_value(v) for v in g.values))
        predicates = self._predicates(spec, node)
        current = None
        if not predicates:
            current = self._equality(spec, g, positive=True)
        if not values and not g.include_empty:
            return MatchAll() if negated else MatchNone()
        # Multi-valued history rows add or remove one value, so a NULL side does not mean the field was
        # empty; for those fields EMPTY is judged on the current value only.
        history_empty = g.include_empty and not spec.multi
        return WasCondition(spec, values, history_empty, predicates, current, negated)

    def _predicates(self, spec: FieldSpec, node: ast.Terminal) -> tuple[BoundPredicate, ...]:
        return tuple(self._predicate(spec, p) for p in node.predicates)

    def _predicate_dates(self, pred: ast.HistoryPredicate, count: int) -> list[DateValue]:
        operand = pred.operand
        items: Sequence[ast.Operand] = operand.items if isinstance(operand, ast.ListValue) else (operand,)
        if len(items) != count or (count == 1 and isinstance(operand, ast.ListValue)):
            need = "exactly one date" if count == 1 else f"exactly {count} dates, as in DURING (d1, d2)"
            raise self.error(f"{pred.kind.value} needs {need}", operand)
        out: list[DateValue] = []
        for item in items:
            if isinstance(item, ast.StringValue | ast.NumberValue):
                out.append(self._date(item, pred.kind.value))
            elif isinstance(item, ast.FunctionCall):
                result = self.call(self._any_date_field(), item, None, False)
                if not isinstance(result, fn.Instant):
                    raise self.error(f"{pred.kind.value} needs a date", item)
                out.append(DateValue(result.value, True))
            else:
                raise self.error(f"{pred.kind.value} needs a date", item)
        return out

    def _any_date_field(self) -> FieldSpec:
        return FieldSpec("_date", ("date",), T.DATETIME, Column("_", SqlType.TIMESTAMPTZ), "_")

    def _predicate(self, spec: FieldSpec, pred: ast.HistoryPredicate) -> BoundPredicate:
        kind = pred.kind
        tz = self.context.time_zone
        if kind is PredicateKind.AFTER:
            return BoundPredicate(kind, start=self._predicate_dates(pred, 1)[0].instant)
        if kind is PredicateKind.BEFORE:
            return BoundPredicate(kind, end=self._predicate_dates(pred, 1)[0].instant)
        if kind is PredicateKind.ON:
            start, end = day_range(self._predicate_dates(pred, 1)[0], tz)
            return BoundPredicate(kind, start=start, end=end)
        if kind is PredicateKind.DURING:
            first, last = self._predicate_dates(pred, 2)
            # A date without a time includes that whole day.
            end = last.instant if last.has_time else day_range(last, tz)[1]
            return BoundPredicate(kind, start=first.instant, end=end)
        if kind is PredicateKind.BY:
            users = self._user_spec(spec)
            g = self._gather(users, pred.operand, None)
            return BoundPredicate(
                kind, user_ids=tuple(int(v) for v in g.values if isinstance(v, int)), include_empty=g.include_empty
            )
        g = self._gather(spec, pred.operand, None)
        if g.conditions:
            raise self.error(f"{kind.value} cannot be used with this function", pred.operand)
        values = tuple(dict.fromkeys(self._history_value(v) for v in g.values))
        return BoundPredicate(kind, values=values, include_empty=g.include_empty)

    def _user_spec(self, spec: FieldSpec) -> FieldSpec:
        if spec.type is T.USER:
            return spec
        return FieldSpec("_user", ("user",), T.USER, Column("_", SqlType.BIGINT), "_")

    # --- computed fields ----------------------------------------------------------------------------

    def _field_call(self, node: ast.Terminal, negate: bool) -> Bound:
        call = node.field
        assert isinstance(call, ast.FieldCall)
        if call.name.lower() != "timeinstatus":
            raise self.error(f"Unknown field function '{call.name}()'", call, suggest(call.name, ["timeInStatus"]))
        status = self.catalog.field("status")
        if status is None or not call.args:
            raise self.error("timeInStatus() needs at least one status name", call)
        statuses: list[str] = []
        for arg in call.args:
            statuses.extend(str(v) for v in self.value(status, arg))
        op = FLIP[node.operator] if negate else node.operator
        cmp = {Op.EQ: CmpOp.IN, Op.NEQ: CmpOp.NOT_IN, **ORDER_OPS}.get(op)
        if cmp is None or node.operator not in (Op.EQ, Op.NEQ, *ORDER_OPS):
            raise self.error(f"The operator '{node.operator.value}' is not supported by timeInStatus()", node)
        operand = node.operand
        if not isinstance(operand, ast.StringValue | ast.NumberValue):
            raise self.error('timeInStatus() must be compared with a duration such as 3d or "1w 2d"', operand)
        seconds = operand.value * 60 if isinstance(operand, ast.NumberValue) else parse_duration_seconds(operand.value)
        if seconds is None or seconds < 0:
            raise self.error(
                f"'{operand.value}' is not a valid duration; use w, d, h, m as in 3d or \"1w 2d\"", operand
            )
        return TimeInStatusCondition(
            tuple(dict.fromkeys(statuses)), cmp, seconds, self.context.now, status.history or "status"
        )


def negate_condition(node: Bound) -> Bound:
    """The complement of an issue-set condition produced by a function (never empty on the issue)."""
    if isinstance(node, RelationCondition | UpdatedByCondition):
        return replace(node, negated=not node.negated)
    if isinstance(node, FieldCondition) and node.op is CmpOp.IN:
        # watchedIssues(): "not watched by me" includes issues nobody watches.
        return AnyOf(
            (FieldCondition(node.field, CmpOp.NOT_IN, node.values), FieldCondition(node.field, CmpOp.IS_EMPTY))
        )
    raise TypeError(f"cannot negate {node!r}")


def _replace_depth(context: fn.QueryContext, depth: int) -> fn.QueryContext:
    return replace(context, subquery_depth=depth)


def analyze(query: ast.Query | str, catalog: Catalog, context: fn.QueryContext | None = None) -> BoundQuery:
    """Parse (if needed), validate and bind a query; raises JqlSyntaxError or JqlSemanticError."""
    if isinstance(query, str):
        query = parse(query)
    context = context or fn.QueryContext()
    if context.now.tzinfo is None:
        context = replace(context, now=context.now.replace(tzinfo=context.time_zone))
    try:
        return Analyzer(catalog, context, query.source).analyze(query)
    except RecursionError:
        raise JqlSemanticError("The query is nested too deeply", source=query.source, start=0) from None
    except (OverflowError, ValueError) as exc:
        # Date arithmetic far outside the calendar; report it rather than crash.
        raise JqlSemanticError(f"A date in the query is out of range ({exc})", source=query.source, start=0) from None
