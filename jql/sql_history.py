"""History predicates in SQL: WAS, CHANGED, timeInStatus and updatedBy as correlated EXISTS over issue_history.

WAS uses interval semantics: a history row (creation rows included) starts an interval holding its new
value, which ends at the first later non-creation row of the field whose old value is that value.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlglot import exp

from jql.ast import PredicateKind
from jql.bound import (
    Bound,
    BoundPredicate,
    ChangedCondition,
    TimeInStatusCondition,
    UpdatedByCondition,
    WasCondition,
)
from jql.sqlbuild import CMP, and_, col, exists, is_in, literal, not_, or_, table

HISTORY = "issue_history"


class HistorySql:
    """Mixin of SqlCompiler: compiles the history-backed conditions."""

    def alias(self, prefix: str) -> str:
        raise NotImplementedError

    def condition(self, node: Bound, alias: str) -> exp.Expr:
        raise NotImplementedError

    def _history(self, alias: str, field_name: str, h: str, *extra: exp.Expr) -> exp.Select:
        """SELECT 1 FROM issue_history AS h for the outer issue and field, with extra conditions."""
        condition = and_(
            exp.EQ(this=col(h, "issue_id"), expression=col(alias, "id")),
            exp.EQ(this=col(h, "field"), expression=exp.Literal.string(field_name)),
            *extra,
        )
        return exp.select(exp.Literal.number(1)).from_(table(HISTORY, h)).where(condition)

    def _values_match(self, target: exp.Expr, values: Sequence[str], include_empty: bool) -> exp.Expr:
        parts = [is_in(target, list(values))] if values else []
        if include_empty:
            parts.append(exp.Is(this=target.copy(), expression=exp.Null()))
        return or_(*parts)

    def _later(self, h2: str, h: str) -> exp.Expr:
        """Row h2 comes after row h (ties on the timestamp broken by id)."""
        return or_(
            exp.GT(this=col(h2, "occurred_at"), expression=col(h, "occurred_at")),
            and_(
                exp.EQ(this=col(h2, "occurred_at"), expression=col(h, "occurred_at")),
                exp.GT(this=col(h2, "id"), expression=col(h, "id")),
            ),
        )

    def _ended_by(self, h: str, instant: datetime) -> exp.Exists:
        """The value set by row h was replaced at or before `instant` (its interval ended by then)."""
        h2 = self.alias("h")
        condition = and_(
            exp.EQ(this=col(h2, "issue_id"), expression=col(h, "issue_id")),
            exp.EQ(this=col(h2, "field"), expression=col(h, "field")),
            not_(col(h2, "is_create")),
            exp.NullSafeEQ(this=col(h2, "from_value"), expression=col(h, "to_value")),
            self._later(h2, h),
            exp.LTE(this=col(h2, "occurred_at"), expression=literal(instant)),
        )
        return exists(exp.select(exp.Literal.number(1)).from_(table(HISTORY, h2)).where(condition))

    def _by(self, h: str, pred: BoundPredicate) -> exp.Expr:
        actor = col(h, "actor_id")
        parts = [is_in(actor, list(pred.user_ids))] if pred.user_ids else []
        if pred.include_empty:
            parts.append(exp.Is(this=actor.copy(), expression=exp.Null()))
        return or_(*parts)

    def _was_predicate(self, h: str, pred: BoundPredicate) -> exp.Expr:
        """Interval semantics: the value set by row h was held during the predicate's time."""
        at = col(h, "occurred_at")
        if pred.kind is PredicateKind.BY:
            return self._by(h, pred)
        if pred.kind is PredicateKind.BEFORE:
            assert pred.end is not None
            return exp.LT(this=at, expression=literal(pred.end))
        if pred.kind is PredicateKind.AFTER:
            assert pred.start is not None
            return not_(self._ended_by(h, pred.start))
        assert pred.start is not None and pred.end is not None  # ON, DURING: [start, end)
        return and_(exp.LT(this=at, expression=literal(pred.end)), not_(self._ended_by(h, pred.start)))

    def _changed_predicate(self, h: str, pred: BoundPredicate) -> exp.Expr:
        at = col(h, "occurred_at")
        kind = pred.kind
        if kind is PredicateKind.BY:
            return self._by(h, pred)
        if kind is PredicateKind.FROM:
            return self._values_match(col(h, "from_value"), pred.values, pred.include_empty)
        if kind is PredicateKind.TO:
            return self._values_match(col(h, "to_value"), pred.values, pred.include_empty)
        if kind is PredicateKind.AFTER:
            assert pred.start is not None
            return exp.GT(this=at, expression=literal(pred.start))
        if kind is PredicateKind.BEFORE:
            assert pred.end is not None
            return exp.LT(this=at, expression=literal(pred.end))
        assert pred.start is not None and pred.end is not None
        return and_(exp.GTE(this=at, expression=literal(pred.start)), exp.LT(this=at, expression=literal(pred.end)))

    def _was(self, node: object, alias: str) -> exp.Expr:
        assert isinstance(node, WasCondition)
        field = node.field.history
        assert field is not None
        h = self.alias("h")
        held = self._values_match(col(h, "to_value"), node.values, node.include_empty)
        if not node.predicates:
            # A change's old value was held too (covers histories without creation rows).
            held = or_(
                held,
                and_(
                    not_(col(h, "is_create")), self._values_match(col(h, "from_value"), node.values, node.include_empty)
                ),
            )
        select = self._history(alias, field, h, held, *(self._was_predicate(h, p) for p in node.predicates))
        result: exp.Expr = exists(select)
        if node.current is not None:
            result = or_(self.condition(node.current, alias), result)
        return not_(result) if node.negated else result

    def _changed(self, node: object, alias: str) -> exp.Expr:
        assert isinstance(node, ChangedCondition)
        field = node.field.history
        assert field is not None
        h = self.alias("h")
        predicates = [self._changed_predicate(h, p) for p in node.predicates]
        select = self._history(alias, field, h, not_(col(h, "is_create")), *predicates)
        return not_(exists(select)) if node.negated else exists(select)

    def _time_in_status(self, node: object, alias: str) -> exp.Expr:
        assert isinstance(node, TimeInStatusCondition)
        h = self.alias("h")
        now = literal(node.now)
        select = self._history(
            alias,
            node.history_field,
            h,
            is_in(col(h, "to_value"), list(node.status_values)),
            exp.LT(this=col(h, "occurred_at"), expression=now),
        )
        h2 = self.alias("h")
        next_change = (
            exp.select(exp.Min(this=col(h2, "occurred_at")))
            .from_(table(HISTORY, h2))
            .where(
                and_(
                    exp.EQ(this=col(h2, "issue_id"), expression=col(h, "issue_id")),
                    exp.EQ(this=col(h2, "field"), expression=col(h, "field")),
                    not_(col(h2, "is_create")),
                    self._later(h2, h),
                )
            )
        )
        end = exp.Coalesce(this=exp.Subquery(this=next_change), expressions=[now.copy()])
        seconds = exp.Extract(
            this=exp.var("EPOCH"), expression=exp.Paren(this=exp.Sub(this=end, expression=col(h, "occurred_at")))
        )
        total = exp.Coalesce(this=exp.Sum(this=seconds), expressions=[exp.Literal.number(0)])
        select = select.select(total, append=False)
        return CMP[node.op](this=exp.Subquery(this=select), expression=exp.Literal.number(node.seconds))

    def _updated_by(self, node: object, alias: str) -> exp.Expr:
        assert isinstance(node, UpdatedByCondition)
        if not node.user_ids:
            return exp.true() if node.negated else exp.false()
        h = self.alias("h")
        parts = [
            exp.EQ(this=col(h, "issue_id"), expression=col(alias, "id")),
            is_in(col(h, "actor_id"), list(node.user_ids)),
        ]
        if node.start is not None:
            parts.append(exp.GTE(this=col(h, "occurred_at"), expression=literal(node.start)))
        if node.end is not None:
            parts.append(exp.LTE(this=col(h, "occurred_at"), expression=literal(node.end)))
        select = exists(exp.select(exp.Literal.number(1)).from_(table(HISTORY, h)).where(and_(*parts)))
        return not_(select) if node.negated else select
