"""Typed, immutable JQL syntax tree: one frozen dataclass per node, generic walk and transform.

Source positions (`span`) are kept for error messages but excluded from equality, so a tree parsed
from printed JQL equals the original.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import TypeVar


@dataclass(frozen=True, slots=True)
class Span:
    """[start, end) character offsets in the query text."""

    start: int
    end: int


N = TypeVar("N", bound="Node")


@dataclass(frozen=True)
class Node:
    """Base of all nodes; children are the dataclass fields holding nodes or tuples of nodes."""

    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)

    def children(self) -> Iterator[Node]:
        """Direct child nodes, in field order."""
        for f in dataclasses.fields(self):
            if f.name == "span":
                continue
            value = getattr(self, f.name)
            if isinstance(value, Node):
                yield value
            elif isinstance(value, tuple):
                yield from (v for v in value if isinstance(v, Node))

    def walk(self) -> Iterator[Node]:
        """This node and all descendants, depth first, parents before children."""
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(list(node.children())))

    def transform(self: N, fn: Callable[[Node], Node]) -> N:
        """Rebuild the tree bottom-up, replacing every node by `fn(node)`."""
        changes: dict[str, object] = {}
        for f in dataclasses.fields(self):
            if f.name == "span":
                continue
            value = getattr(self, f.name)
            if isinstance(value, Node):
                new = value.transform(fn)
                if new is not value:
                    changes[f.name] = new
            elif isinstance(value, tuple) and any(isinstance(v, Node) for v in value):
                items = tuple(v.transform(fn) if isinstance(v, Node) else v for v in value)
                if any(a is not b for a, b in zip(items, value, strict=True)):
                    changes[f.name] = items
        node = dataclasses.replace(self, **changes) if changes else self  # type: ignore[arg-type]
        return fn(node)  # type: ignore[return-value]


# --- operands -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StringValue(Node):
    """A quoted or unquoted string; quoting does not change meaning."""

    value: str


@dataclass(frozen=True)
class NumberValue(Node):
    """An unquoted integer (POSNUMBER/NEGNUMBER); on date fields it means epoch milliseconds."""

    value: int


@dataclass(frozen=True)
class EmptyValue(Node):
    """EMPTY or NULL."""


@dataclass(frozen=True)
class FunctionCall(Node):
    """A function such as `currentUser()` or `startOfDay(-1d)`; arguments are strings or numbers."""

    name: str
    args: tuple[StringValue | NumberValue, ...] = ()


@dataclass(frozen=True)
class ListValue(Node):
    """A parenthesised, non-empty list of operands (lists may nest)."""

    items: tuple[Operand, ...]


Value = StringValue | NumberValue
Operand = StringValue | NumberValue | EmptyValue | FunctionCall | ListValue


# --- fields ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PropertyRef(Node):
    """An entity-property access `[key]path…` after a field name (parsed, rejected by validation)."""

    key: StringValue | NumberValue
    path: tuple[StringValue | NumberValue, ...] = ()


@dataclass(frozen=True)
class Field(Node):
    """A field by name (`status`, `"Story Points"`), optionally with entity-property accesses."""

    name: str
    properties: tuple[PropertyRef, ...] = ()


@dataclass(frozen=True)
class CustomField(Node):
    """A custom field by id: `cf[10001]`."""

    id: int
    properties: tuple[PropertyRef, ...] = ()


@dataclass(frozen=True)
class FieldCall(Node):
    """tracklake extension: a computed field such as `timeInStatus("In Progress")`."""

    name: str
    args: tuple[StringValue | NumberValue, ...] = ()


FieldRef = Field | CustomField | FieldCall


# --- clauses --------------------------------------------------------------------------------------


class Operator(Enum):
    """Clause operators, with their canonical spelling."""

    EQ = "="
    NEQ = "!="
    LT = "<"
    LTE = "<="
    GT = ">"
    GTE = ">="
    LIKE = "~"
    NOT_LIKE = "!~"
    IN = "IN"
    NOT_IN = "NOT IN"
    IS = "IS"
    IS_NOT = "IS NOT"
    WAS = "WAS"
    WAS_NOT = "WAS NOT"
    WAS_IN = "WAS IN"
    WAS_NOT_IN = "WAS NOT IN"
    CHANGED = "CHANGED"


WAS_OPERATORS = frozenset({Operator.WAS, Operator.WAS_NOT, Operator.WAS_IN, Operator.WAS_NOT_IN})
HISTORY_OPERATORS = WAS_OPERATORS | {Operator.CHANGED}


class PredicateKind(Enum):
    """History predicates of WAS and CHANGED."""

    AFTER = "AFTER"
    BEFORE = "BEFORE"
    ON = "ON"
    DURING = "DURING"
    BY = "BY"
    FROM = "FROM"
    TO = "TO"


@dataclass(frozen=True)
class HistoryPredicate(Node):
    """`AFTER x`, `BY (a, b)`, `DURING (d1, d2)`, `FROM x`, … after WAS or CHANGED."""

    kind: PredicateKind
    operand: Operand


@dataclass(frozen=True)
class Terminal(Node):
    """`field operator operand [predicates]`; operand is None only for CHANGED."""

    field: FieldRef
    operator: Operator
    operand: Operand | None = None
    predicates: tuple[HistoryPredicate, ...] = ()


@dataclass(frozen=True)
class And(Node):
    """Two or more clauses joined by AND (flat)."""

    clauses: tuple[Clause, ...]


@dataclass(frozen=True)
class Or(Node):
    """Two or more clauses joined by OR (flat)."""

    clauses: tuple[Clause, ...]


@dataclass(frozen=True)
class Not(Node):
    """NOT or ! before a clause."""

    clause: Clause


Clause = Terminal | And | Or | Not


class SortDirection(Enum):
    """ORDER BY direction."""

    ASC = "ASC"
    DESC = "DESC"


@dataclass(frozen=True)
class SortKey(Node):
    """One ORDER BY key; direction None means the field's default (ascending)."""

    field: FieldRef
    direction: SortDirection | None = None


@dataclass(frozen=True)
class Query(Node):
    """A whole query: an optional where-clause and ORDER BY keys; `source` is the parsed text."""

    where: Clause | None = None
    order_by: tuple[SortKey, ...] = ()
    source: str = field(default="", compare=False, repr=False)
