"""Small builders of sqlglot expressions shared by the SQL compiler modules.

Values enter SQL only through `literal`, which makes sqlglot literal nodes, never text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlglot import exp

from jql.bound import BoundValue, CmpOp, IssueKeyValue

CMP: dict[CmpOp, type[exp.Binary]] = {
    CmpOp.LT: exp.LT,
    CmpOp.LTE: exp.LTE,
    CmpOp.GT: exp.GT,
    CmpOp.GTE: exp.GTE,
    CmpOp.IN: exp.EQ,
    CmpOp.NOT_IN: exp.NEQ,
}


def col(table: str, name: str) -> exp.Column:
    """A qualified column reference."""
    return exp.column(name, table=table)


def table(name: str, alias: str) -> exp.Table:
    """`name AS alias`, built without parsing (sqlglot's `to_table` parses its argument: a cost per query)."""
    return exp.Table(this=exp.to_identifier(name), alias=exp.TableAlias(this=exp.to_identifier(alias)))


def literal(value: BoundValue) -> exp.Expr:
    """A typed SQL literal for a bound value."""
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, Decimal):
        return exp.Literal.number(format(value, "f"))
    if isinstance(value, datetime):
        text = value.astimezone(UTC).isoformat(sep=" ")
        return exp.Cast(this=exp.Literal.string(text), to=exp.DataType.build("TIMESTAMPTZ"))
    if isinstance(value, date):
        return exp.Cast(this=exp.Literal.string(value.isoformat()), to=exp.DataType.build("DATE"))
    if isinstance(value, IssueKeyValue):
        return exp.Literal.string(value.key)
    return exp.Literal.string(str(value))


def not_(expression: exp.Expr) -> exp.Expr:
    """NOT with explicit parentheses (sqlglot does not add them around connectors)."""
    # These render unambiguously after NOT (NOT binds looser than IS / IN / EXISTS in both dialects).
    if isinstance(expression, exp.Exists | exp.Column | exp.Boolean | exp.Is | exp.In):
        return exp.Not(this=expression)
    return exp.Not(this=exp.Paren(this=expression))


def and_(*items: exp.Expr) -> exp.Expr:
    items_ = [i for i in items if not (isinstance(i, exp.Boolean) and i.this is True)]
    if any(isinstance(i, exp.Boolean) and i.this is False for i in items_):
        return exp.false()
    if not items_:
        return exp.true()
    return items_[0] if len(items_) == 1 else exp.and_(*items_)


def or_(*items: exp.Expr) -> exp.Expr:
    items_ = [i for i in items if not (isinstance(i, exp.Boolean) and i.this is False)]
    if any(isinstance(i, exp.Boolean) and i.this is True for i in items_):
        return exp.true()
    if not items_:
        return exp.false()
    return items_[0] if len(items_) == 1 else exp.or_(*items_)


def is_in(target: exp.Expr, values: Sequence[BoundValue]) -> exp.Expr:
    """`target = v` for one value, `target IN (…)` for several, FALSE for none."""
    if not values:
        return exp.false()
    if len(values) == 1:
        return exp.EQ(this=target, expression=literal(values[0]))
    return exp.In(this=target, expressions=[literal(v) for v in values])


def exists(select: exp.Select) -> exp.Exists:
    return exp.Exists(this=select)
