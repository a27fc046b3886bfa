"""Canonical JQL text for a syntax tree: `parse(to_jql(tree)) == tree` for every well-formed tree."""

from __future__ import annotations

from jql import ast
from jql.tokens import is_control, is_plain_word

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def quote(value: str) -> str:
    """A double-quoted JQL string literal for `value`, escaping what the lexer requires."""
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif is_control(ch) or "\ud800" <= ch <= "\udfff":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def word(value: str) -> str:
    """`value` unquoted when that reads back as the same string, else quoted."""
    return value if is_plain_word(value) else quote(value)


def _value(node: ast.StringValue | ast.NumberValue) -> str:
    if isinstance(node, ast.NumberValue):
        return str(node.value)
    return word(node.value)


def _properties(props: tuple[ast.PropertyRef, ...]) -> str:
    out = []
    for prop in props:
        path = " ".join(_value(p) for p in prop.path)
        out.append(f"[{_value(prop.key)}]{path}")
    return "".join(out)


def _call(name: str, args: tuple[ast.StringValue | ast.NumberValue, ...]) -> str:
    return f"{word(name)}({', '.join(_value(a) for a in args)})"


def field(node: ast.FieldRef) -> str:
    """JQL text of a field reference."""
    if isinstance(node, ast.CustomField):
        return f"cf[{node.id}]{_properties(node.properties)}"
    if isinstance(node, ast.FieldCall):
        return _call(node.name, node.args)
    return word(node.name) + _properties(node.properties)


def operand(node: ast.Operand) -> str:
    """JQL text of an operand."""
    if isinstance(node, ast.EmptyValue):
        return "EMPTY"
    if isinstance(node, ast.FunctionCall):
        return _call(node.name, node.args)
    if isinstance(node, ast.ListValue):
        return "(" + ", ".join(operand(item) for item in node.items) + ")"
    return _value(node)


def clause(node: ast.Clause) -> str:
    """JQL text of a clause, with parentheses only where precedence needs them."""
    if isinstance(node, ast.Terminal):
        parts = [field(node.field), node.operator.value]
        if node.operand is not None:
            parts.append(operand(node.operand))
        for pred in node.predicates:
            parts += [pred.kind.value, operand(pred.operand)]
        return " ".join(parts)
    if isinstance(node, ast.Not):
        inner = clause(node.clause)
        # NOT binds tighter than AND/OR, so a connector below it needs parentheses.
        return f"NOT ({inner})" if isinstance(node.clause, ast.And | ast.Or) else f"NOT {inner}"
    joiner = " AND " if isinstance(node, ast.And) else " OR "
    # Any connector nested in a connector is parenthesised: the parser keeps AND-in-AND as written.
    return joiner.join(f"({clause(c)})" if isinstance(c, ast.And | ast.Or) else clause(c) for c in node.clauses)


def to_jql(query: ast.Query) -> str:
    """Canonical JQL for a query (upper-case keywords, minimal quoting)."""
    parts = []
    if query.where is not None:
        parts.append(clause(query.where))
    if query.order_by:
        keys = ", ".join(field(k.field) + (f" {k.direction.value}" if k.direction else "") for k in query.order_by)
        parts.append(f"ORDER BY {keys}")
    return " ".join(parts)
