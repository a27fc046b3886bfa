"""Recursive-descent JQL parser producing `jql.ast` trees.

Operators, operand kinds and history predicates are driven by class-level tables, so a new operator is
one table entry. Nesting depth is bounded so hostile input cannot exhaust the Python stack.
"""

from __future__ import annotations

from jql import ast
from jql.ast import Operator, PredicateKind
from jql.errors import JqlSyntaxError
from jql.tokens import Token, TokenType, tokenize

T = TokenType

# Operand kinds each operator accepts (reference §1, clause_rhs).
EMPTY, VALUE, FUNCTION, LIST = "empty", "value", "function", "list"


class Parser:
    """Parses one query; use `parse(text)` unless you need the parser object."""

    MAX_DEPTH = 64
    MAX_TOKENS = 200_000

    # Token sequences spelling each operator, longest first so `WAS NOT IN` beats `WAS`.
    OPERATORS: tuple[tuple[tuple[TokenType, ...], Operator], ...] = (
        ((T.WAS, T.NOT, T.IN), Operator.WAS_NOT_IN),
        ((T.WAS, T.NOT), Operator.WAS_NOT),
        ((T.WAS, T.IN), Operator.WAS_IN),
        ((T.WAS,), Operator.WAS),
        ((T.IS, T.NOT), Operator.IS_NOT),
        ((T.IS,), Operator.IS),
        ((T.NOT, T.IN), Operator.NOT_IN),
        ((T.IN,), Operator.IN),
        ((T.EQ,), Operator.EQ),
        ((T.NEQ,), Operator.NEQ),
        ((T.LT,), Operator.LT),
        ((T.LTE,), Operator.LTE),
        ((T.GT,), Operator.GT),
        ((T.GTE,), Operator.GTE),
        ((T.LIKE,), Operator.LIKE),
        ((T.NOT_LIKE,), Operator.NOT_LIKE),
        ((T.CHANGED,), Operator.CHANGED),
    )
    OPERAND_KINDS: dict[Operator, frozenset[str]] = {
        Operator.EQ: frozenset({EMPTY, VALUE, FUNCTION}),
        Operator.NEQ: frozenset({EMPTY, VALUE, FUNCTION}),
        Operator.LIKE: frozenset({EMPTY, VALUE, FUNCTION}),
        Operator.NOT_LIKE: frozenset({EMPTY, VALUE, FUNCTION}),
        Operator.LT: frozenset({VALUE, FUNCTION}),
        Operator.LTE: frozenset({VALUE, FUNCTION}),
        Operator.GT: frozenset({VALUE, FUNCTION}),
        Operator.GTE: frozenset({VALUE, FUNCTION}),
        Operator.IN: frozenset({LIST, FUNCTION}),
        Operator.NOT_IN: frozenset({LIST, FUNCTION}),
        Operator.IS: frozenset({EMPTY}),
        Operator.IS_NOT: frozenset({EMPTY}),
        Operator.WAS: frozenset({EMPTY, VALUE, FUNCTION}),
        Operator.WAS_NOT: frozenset({EMPTY, VALUE, FUNCTION}),
        Operator.WAS_IN: frozenset({LIST, FUNCTION}),
        Operator.WAS_NOT_IN: frozenset({LIST, FUNCTION}),
        Operator.CHANGED: frozenset(),
    }
    PREDICATES: dict[TokenType, PredicateKind] = {
        T.AFTER: PredicateKind.AFTER,
        T.BEFORE: PredicateKind.BEFORE,
        T.ON: PredicateKind.ON,
        T.DURING: PredicateKind.DURING,
        T.BY: PredicateKind.BY,
        T.FROM: PredicateKind.FROM,
        T.TO: PredicateKind.TO,
    }
    _WAS_PREDICATES = frozenset({T.AFTER, T.BEFORE, T.ON, T.DURING, T.BY})
    ALLOWED_PREDICATES: dict[Operator, frozenset[TokenType]] = {
        Operator.WAS: _WAS_PREDICATES,
        Operator.WAS_NOT: _WAS_PREDICATES,
        Operator.WAS_IN: _WAS_PREDICATES,
        Operator.WAS_NOT_IN: _WAS_PREDICATES,
        Operator.CHANGED: _WAS_PREDICATES | {T.FROM, T.TO},
    }
    CONNECTORS: dict[TokenType, type[ast.And] | type[ast.Or]] = {T.AND: ast.And, T.OR: ast.Or}
    NEGATIONS = frozenset({T.NOT, T.BANG})
    SORT_DIRECTIONS: dict[TokenType, ast.SortDirection] = {
        T.ASC: ast.SortDirection.ASC,
        T.DESC: ast.SortDirection.DESC,
    }
    WORDS = frozenset({T.STRING, T.QUOTED_STRING, T.NUMBER})

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        if len(self.tokens) > self.MAX_TOKENS:
            raise JqlSyntaxError(f"The query is too long (more than {self.MAX_TOKENS} tokens)", source=source, start=0)
        self.index = 0

    # --- token helpers ----------------------------------------------------------------------------

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def _peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def _advance(self) -> Token:
        tok = self.tokens[self.index]
        if tok.type is not T.EOF:
            self.index += 1
        return tok

    def _text(self, tok: Token) -> str:
        return self.source[tok.start : tok.end]

    def _span(self, start: int) -> ast.Span:
        prev = self.tokens[self.index - 1] if self.index else self.tokens[0]
        return ast.Span(start, max(start, prev.end))

    def _error(self, message: str, tok: Token | None = None) -> JqlSyntaxError:
        tok = tok or self.current
        if tok.type is T.EOF:
            message += " but the query ended"
        elif tok.type in KEYWORD_TYPES and tok.type is not T.EMPTY:
            message += f"; '{self._text(tok)}' is a JQL keyword, put it in quotes to use it as a value or field name"
        return JqlSyntaxError(message, source=self.source, start=tok.start, end=tok.end)

    def _after(self) -> str:
        """The source text of the previous token, for 'Expected … after X' messages."""
        return self._text(self.tokens[self.index - 1]) if self.index else ""

    def _depth_check(self, depth: int, tok: Token) -> None:
        if depth > self.MAX_DEPTH:
            raise JqlSyntaxError(
                f"The query is nested too deeply (more than {self.MAX_DEPTH} levels)",
                source=self.source,
                start=tok.start,
                end=tok.end,
            )

    # --- query ------------------------------------------------------------------------------------

    def parse(self) -> ast.Query:
        """Parse the whole source into a Query."""
        where: ast.Clause | None = None
        if self.current.type not in (T.EOF, T.ORDER):
            where = self._parse_or(0)
        order_by: tuple[ast.SortKey, ...] = ()
        if self.current.type is T.ORDER:
            order_by = self._parse_order_by()
        tok = self.current
        if tok.type is not T.EOF:
            if tok.type is T.RPAREN:
                raise self._error("Unexpected ')' without a matching '('")
            if where is None:
                raise self._error("Expected the end of the query after the ORDER BY clause")
            raise self._error(f"Expected AND, OR or ORDER BY after '{self._after()}'")
        return ast.Query(where=where, order_by=order_by, source=self.source, span=ast.Span(0, len(self.source)))

    def _parse_order_by(self) -> tuple[ast.SortKey, ...]:
        self._advance()  # ORDER
        if self.current.type is not T.BY:
            raise self._error("Expected BY after 'ORDER'")
        self._advance()
        keys = [self._parse_sort_key()]
        while self.current.type is T.COMMA:
            self._advance()
            keys.append(self._parse_sort_key())
        if self.current.type is not T.EOF:
            raise self._error(f"Expected ASC, DESC, ',' or the end of the query after '{self._after()}'")
        return tuple(keys)

    def _parse_sort_key(self) -> ast.SortKey:
        start = self.current.start
        field = self._parse_field("after 'ORDER BY'" if self._peek(-1).type is T.BY else "after ','")
        direction = self.SORT_DIRECTIONS.get(self.current.type)
        if direction is not None:
            self._advance()
        return ast.SortKey(field, direction, span=self._span(start))

    # --- clauses ----------------------------------------------------------------------------------

    def _parse_or(self, depth: int) -> ast.Clause:
        return self._parse_connector(T.OR, depth)

    def _parse_connector(self, connector: TokenType, depth: int) -> ast.Clause:
        start = self.current.start
        parse_item = self._parse_not if connector is T.AND else (lambda d: self._parse_connector(T.AND, d))
        items = [parse_item(depth)]
        while self.current.type is connector:
            self._advance()
            items.append(parse_item(depth))
        if len(items) == 1:
            return items[0]
        return self.CONNECTORS[connector](tuple(items), span=self._span(start))

    def _parse_not(self, depth: int) -> ast.Clause:
        tok = self.current
        self._depth_check(depth, tok)
        if tok.type in self.NEGATIONS:
            self._advance()
            if self.current.type is T.EOF:
                raise self._error(f"Expected a clause after '{self._text(tok)}'")
            inner = self._parse_not(depth + 1)
            return ast.Not(inner, span=self._span(tok.start))
        if tok.type is T.LPAREN:
            self._advance()
            if self.current.type is T.RPAREN:
                raise self._error("Expected a clause after '('")
            clause = self._parse_or(depth + 1)
            if self.current.type is not T.RPAREN:
                if self.current.type is T.EOF:
                    raise JqlSyntaxError(
                        "Expected ')' to close this '('", source=self.source, start=tok.start, end=tok.end
                    )
                raise self._error(f"Expected AND, OR or ')' after '{self._after()}'")
            self._advance()
            return clause
        return self._parse_terminal()

    def _parse_terminal(self) -> ast.Terminal:
        start = self.current.start
        field = self._parse_field("at the start of a clause" if self.index == 0 else f"after '{self._after()}'")
        field_text = self.source[start : self.tokens[self.index - 1].end]
        operator = self._parse_operator(field_text)
        operator_text = self._after()
        operand: ast.Operand | None = None
        kinds = self.OPERAND_KINDS[operator]
        if kinds:
            operand = self._parse_operand(kinds, operator_text, 0)
        predicates = self._parse_predicates(operator)
        return ast.Terminal(field, operator, operand, predicates, span=self._span(start))

    def _parse_operator(self, field_text: str) -> Operator:
        for sequence, operator in self.OPERATORS:
            if all(self._peek(i).type is t for i, t in enumerate(sequence)):
                for _ in sequence:
                    self._advance()
                return operator
        if self.current.type is T.NOT:
            raise self._error("Expected IN after 'NOT'", self._peek(1))
        tok = self.current
        message = f"Expected an operator after '{field_text}'"
        if tok.type is T.EOF:
            message += " but the query ended"
        raise JqlSyntaxError(message, source=self.source, start=tok.start, end=tok.end)

    def _parse_predicates(self, operator: Operator) -> tuple[ast.HistoryPredicate, ...]:
        allowed = self.ALLOWED_PREDICATES.get(operator, frozenset())
        predicates: list[ast.HistoryPredicate] = []
        while self.current.type in self.PREDICATES:
            tok = self.current
            if tok.type not in allowed:
                where = "CHANGED" if tok.type in (T.FROM, T.TO) else "WAS or CHANGED"
                raise JqlSyntaxError(
                    f"The predicate '{self._text(tok).upper()}' can only follow {where}, not '{operator.value}'",
                    source=self.source,
                    start=tok.start,
                    end=tok.end,
                )
            self._advance()
            operand = self._parse_operand(frozenset({EMPTY, VALUE, FUNCTION, LIST}), self._text(tok), 0)
            predicates.append(ast.HistoryPredicate(self.PREDICATES[tok.type], operand, span=self._span(tok.start)))
        return tuple(predicates)

    # --- operands ---------------------------------------------------------------------------------

    def _describe(self, kinds: frozenset[str]) -> str:
        parts = []
        if VALUE in kinds:
            parts.append("a value")
        if LIST in kinds:
            parts.append("a list such as (a, b)")
        if FUNCTION in kinds:
            parts.append("a function")
        if EMPTY in kinds:
            parts.append("EMPTY")
        if len(parts) == 1 and parts[0] == "EMPTY":
            return "EMPTY or NULL"
        return ", ".join(parts[:-1]) + " or " + parts[-1] if len(parts) > 1 else parts[0]

    def _parse_operand(self, kinds: frozenset[str], after: str, depth: int) -> ast.Operand:
        tok = self.current
        self._depth_check(depth, tok)
        expected = f"Expected {self._describe(kinds)} after '{after}'"
        if tok.type is T.EMPTY:
            if EMPTY not in kinds:
                raise self._error(f"{expected}; EMPTY cannot be used here")
            self._advance()
            return ast.EmptyValue(span=ast.Span(tok.start, tok.end))
        if tok.type is T.LPAREN:
            if LIST not in kinds:
                raise self._error(expected)
            return self._parse_list(depth)
        if tok.type in self.WORDS:
            is_call = self._peek(1).type is T.LPAREN
            if is_call and FUNCTION not in kinds:
                raise self._error(expected)
            if not is_call and VALUE not in kinds:
                raise self._error(expected)
            if is_call:
                return self._parse_function()
            return self._parse_value()
        raise self._error(expected)

    def _parse_value(self) -> ast.StringValue | ast.NumberValue:
        tok = self._advance()
        span = ast.Span(tok.start, tok.end)
        if tok.type is T.NUMBER:
            return ast.NumberValue(int(tok.text), span=span)
        return ast.StringValue(tok.text, span=span)

    def _parse_list(self, depth: int) -> ast.ListValue:
        open_tok = self._advance()
        items: list[ast.Operand] = []
        item_kinds = frozenset({EMPTY, VALUE, FUNCTION, LIST})
        if self.current.type is T.RPAREN:
            raise self._error("A list must hold at least one value")
        while True:
            items.append(self._parse_operand(item_kinds, self._after(), depth + 1))
            if self.current.type is T.COMMA:
                self._advance()
                continue
            if self.current.type is T.RPAREN:
                self._advance()
                return ast.ListValue(tuple(items), span=self._span(open_tok.start))
            if self.current.type is T.EOF:
                raise JqlSyntaxError(
                    "Expected ')' to close this list", source=self.source, start=open_tok.start, end=open_tok.end
                )
            raise self._error(f"Expected ',' or ')' after '{self._after()}' in the list")

    def _parse_arguments(self, name_tok: Token) -> tuple[ast.StringValue | ast.NumberValue, ...]:
        self._advance()  # "("
        args: list[ast.StringValue | ast.NumberValue] = []
        if self.current.type is T.RPAREN:
            self._advance()
            return ()
        while True:
            if self.current.type not in self.WORDS:
                raise self._error(f"Expected a function argument (a string or number) after '{self._after()}'")
            args.append(self._parse_value())
            if self.current.type is T.COMMA:
                self._advance()
                continue
            if self.current.type is T.RPAREN:
                self._advance()
                return tuple(args)
            raise self._error(f"Expected ',' or ')' after '{self._after()}' in the call to '{name_tok.text}'")

    def _parse_function(self) -> ast.FunctionCall:
        name_tok = self._advance()
        if not name_tok.text:
            raise JqlSyntaxError(
                "A function name must not be empty", source=self.source, start=name_tok.start, end=name_tok.end
            )
        args = self._parse_arguments(name_tok)
        return ast.FunctionCall(name_tok.text, args, span=self._span(name_tok.start))

    # --- fields -----------------------------------------------------------------------------------

    def _parse_field(self, context: str) -> ast.FieldRef:
        tok = self.current
        if tok.type is T.CF:
            return self._parse_custom_field()
        if tok.type not in self.WORDS:
            raise self._error(f"Expected a field name {context}")
        self._advance()
        if not tok.text:
            raise JqlSyntaxError("A field name must not be empty", source=self.source, start=tok.start, end=tok.end)
        if self.current.type is T.LPAREN:
            args = self._parse_arguments(tok)
            return ast.FieldCall(tok.text, args, span=self._span(tok.start))
        properties = self._parse_properties()
        return ast.Field(tok.text, properties, span=self._span(tok.start))

    def _parse_custom_field(self) -> ast.CustomField:
        cf_tok = self._advance()
        if self.current.type is not T.LBRACKET:
            raise self._error("Expected '[' after 'cf' (custom fields are written cf[10001])")
        self._advance()
        tok = self.current
        if tok.type is not T.NUMBER or tok.text.startswith("-"):
            raise self._error("Expected a positive custom field id after 'cf['")
        self._advance()
        if self.current.type is not T.RBRACKET:
            raise self._error(f"Expected ']' after 'cf[{tok.text}'")
        self._advance()
        properties = self._parse_properties()
        return ast.CustomField(int(tok.text), properties, span=self._span(cf_tok.start))

    def _parse_properties(self) -> tuple[ast.PropertyRef, ...]:
        properties: list[ast.PropertyRef] = []
        while self.current.type is T.LBRACKET:
            open_tok = self._advance()
            if self.current.type not in self.WORDS:
                raise self._error("Expected a property key after '['")
            key = self._parse_value()
            if self.current.type is not T.RBRACKET:
                raise self._error(f"Expected ']' after '{self._after()}'")
            self._advance()
            path: list[ast.StringValue | ast.NumberValue] = []
            while self.current.type in self.WORDS:
                path.append(self._parse_value())
            properties.append(ast.PropertyRef(key, tuple(path), span=self._span(open_tok.start)))
        return tuple(properties)


KEYWORD_TYPES = frozenset(
    {
        T.AND,
        T.OR,
        T.NOT,
        T.EMPTY,
        T.IN,
        T.IS,
        T.WAS,
        T.CHANGED,
        T.BEFORE,
        T.AFTER,
        T.FROM,
        T.TO,
        T.ON,
        T.DURING,
        T.BY,
        T.ORDER,
        T.ASC,
        T.DESC,
        T.CF,
    }
)


def parse(text: str) -> ast.Query:
    """Parse JQL text into a Query; raises JqlSyntaxError with the position of the problem."""
    if not isinstance(text, str):
        raise JqlSyntaxError("The query must be a string", source="", start=0)
    return Parser(text).parse()
