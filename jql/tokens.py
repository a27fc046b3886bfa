"""JQL lexer: turns query text into tokens, following Atlassian's ANTLR lexer (longest match)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from jql.errors import JqlSyntaxError


class TokenType(Enum):
    """Kinds of tokens; keyword members carry the keyword they spell."""

    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    LBRACKET = "["
    RBRACKET = "]"
    EQ = "="
    NEQ = "!="
    LT = "<"
    LTE = "<="
    GT = ">"
    GTE = ">="
    LIKE = "~"
    NOT_LIKE = "!~"
    BANG = "!"
    AND = "AND"
    OR = "OR"
    NOT = "NOT"
    EMPTY = "EMPTY"
    IN = "IN"
    IS = "IS"
    WAS = "WAS"
    CHANGED = "CHANGED"
    BEFORE = "BEFORE"
    AFTER = "AFTER"
    FROM = "FROM"
    TO = "TO"
    ON = "ON"
    DURING = "DURING"
    BY = "BY"
    ORDER = "ORDER"
    ASC = "ASC"
    DESC = "DESC"
    CF = "CF"
    STRING = "string"
    QUOTED_STRING = "quoted string"
    NUMBER = "number"
    EOF = "end of query"


# Words that are tokens of their own; matched case-insensitively on the whole unquoted word.
KEYWORDS: dict[str, TokenType] = {
    "and": TokenType.AND,
    "or": TokenType.OR,
    "not": TokenType.NOT,
    "empty": TokenType.EMPTY,
    "null": TokenType.EMPTY,
    "in": TokenType.IN,
    "is": TokenType.IS,
    "was": TokenType.WAS,
    "changed": TokenType.CHANGED,
    "before": TokenType.BEFORE,
    "after": TokenType.AFTER,
    "from": TokenType.FROM,
    "to": TokenType.TO,
    "on": TokenType.ON,
    "during": TokenType.DURING,
    "by": TokenType.BY,
    "order": TokenType.ORDER,
    "asc": TokenType.ASC,
    "desc": TokenType.DESC,
    "cf": TokenType.CF,
}

# Jira's reserved words (reference §5): an error when unquoted, fine when quoted.
RESERVED_WORDS: frozenset[str] = frozenset(
    """
    abort access add after alias all alter and any as asc audit avg before begin between boolean break by byte
    catch cf changed char character check checkpoint collate collation column commit connect continue count
    create current date decimal declare decrement default defaults define delete delimiter desc difference
    distinct divide do double drop else empty encoding end equals escape exclusive exec execute exists explain
    false fetch file field first float for from function go goto grant greater group having identified if
    immediate in increment index initial inner inout input insert int integer intersect intersection into is
    isempty isnull join last left less like limit lock long max min minus mode modify modulo more multiply next
    noaudit not notin nowait null number object of on option or order outer output power previous prior
    privileges public raise raw remainder rename resource return returns revoke right row rowid rownum rows
    select session set share size sqrt start strict string subtract sum synonym table then to trans
    transaction trigger true uid union unique update user validate values view was when whenever where while with
    """.split()
)

RESERVED_CHARS = frozenset("{}*/%+^$#@?;")
# Characters that end an unquoted string because they are operators or structure.
STRUCTURE_CHARS = frozenset("\\\"'=!<>()~,[]|&")
WHITESPACE = frozenset(" \t\r\n")

_SINGLE: dict[str, TokenType] = {
    "(": TokenType.LPAREN,
    ")": TokenType.RPAREN,
    ",": TokenType.COMMA,
    "[": TokenType.LBRACKET,
    "]": TokenType.RBRACKET,
    "=": TokenType.EQ,
    "~": TokenType.LIKE,
}
# Two-character operators are tried before their one-character prefixes (longest match).
_DOUBLE: dict[str, TokenType] = {
    "!=": TokenType.NEQ,
    "!~": TokenType.NOT_LIKE,
    "<=": TokenType.LTE,
    ">=": TokenType.GTE,
    "&&": TokenType.AND,
    "||": TokenType.OR,
}
_PREFIX: dict[str, TokenType] = {
    "!": TokenType.BANG,
    "<": TokenType.LT,
    ">": TokenType.GT,
    "&": TokenType.AND,
    "|": TokenType.OR,
}
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", '"': '"', "'": "'", "\\": "\\", " ": " "}
_NUMBER = re.compile(r"-?[0-9]+")
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


def is_control(ch: str) -> bool:
    """Whether `ch` is in JQL's control set (never allowed raw, except CR/LF inside quotes)."""
    o = ord(ch)
    return (
        o <= 0x09
        or 0x0B <= o <= 0x0C
        or 0x0E <= o <= 0x1F
        or 0x7F <= o <= 0x9F
        or 0xFDD0 <= o <= 0xFDEF
        or 0xFFFE <= o <= 0xFFFF
    )


def is_unquoted_char(ch: str) -> bool:
    """Whether `ch` may appear raw inside an unquoted string."""
    return not (ch in WHITESPACE or ch in STRUCTURE_CHARS or ch in RESERVED_CHARS or is_control(ch)) and not (
        "\ud800" <= ch <= "\udfff"
    )


def is_plain_word(value: str) -> bool:
    """Whether `value` can be written unquoted and read back as the same string (not a number/keyword)."""
    if not value or not all(is_unquoted_char(c) for c in value):
        return False
    low = value.lower()
    return low not in KEYWORDS and low not in RESERVED_WORDS and not _NUMBER.fullmatch(value)


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, decoded text, and [start, end) offsets in the source."""

    type: TokenType
    text: str
    start: int
    end: int


class Lexer:
    """Splits JQL text into tokens; raises JqlSyntaxError on illegal characters, escapes and words."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0

    def _error(self, message: str, start: int, end: int | None = None) -> JqlSyntaxError:
        return JqlSyntaxError(message, source=self.source, start=start, end=end)

    def tokenize(self) -> list[Token]:
        """All tokens of the source, ending with EOF."""
        tokens: list[Token] = []
        src, n = self.source, len(self.source)
        while True:
            while self.pos < n and src[self.pos] in WHITESPACE:
                self.pos += 1
            if self.pos >= n:
                tokens.append(Token(TokenType.EOF, "", n, n))
                return tokens
            tokens.append(self._next())

    def _next(self) -> Token:
        src, start = self.source, self.pos
        ch = src[start]
        pair = src[start : start + 2]
        if pair in _DOUBLE:
            self.pos += 2
            return Token(_DOUBLE[pair], pair, start, self.pos)
        if ch in _SINGLE or ch in _PREFIX:
            self.pos += 1
            return Token(_SINGLE.get(ch) or _PREFIX[ch], ch, start, self.pos)
        if ch in "\"'":
            return self._quoted(ch)
        if ch in RESERVED_CHARS:
            raise self._error(
                f"The character '{ch}' is a reserved JQL character; put the value in quotes "
                f"or use the escape '\\u{ord(ch):04x}'",
                start,
                start + 1,
            )
        if is_control(ch) or "\ud800" <= ch <= "\udfff":
            raise self._error(f"The character U+{ord(ch):04X} is not allowed in a query", start, start + 1)
        return self._unquoted()

    def _escape(self) -> str:
        """Decode the escape at self.pos (which is a backslash) and advance past it."""
        src, start = self.source, self.pos
        nxt = src[start + 1 : start + 2]
        if nxt in _ESCAPES and nxt:
            self.pos += 2
            return _ESCAPES[nxt]
        if nxt == "u" and _HEX4.fullmatch(src[start + 2 : start + 6]):
            self.pos += 6
            return chr(int(src[start + 2 : start + 6], 16))
        bad = src[start : start + (6 if nxt == "u" else 2)]
        raise self._error(
            f"The escape sequence '{bad}' is illegal; valid escapes are \\t \\n \\r \\\" \\' \\\\ "
            "'\\ ' (space) and \\uXXXX",
            start,
            start + len(bad),
        )

    def _quoted(self, quote: str) -> Token:
        src, start, n = self.source, self.pos, len(self.source)
        self.pos += 1
        out: list[str] = []
        while True:
            if self.pos >= n:
                raise self._error(
                    f"The quoted string {src[start : start + 20]}… has not been completed"
                    if n - start > 20
                    else f"The quoted string {src[start:]} has not been completed",
                    start,
                    n,
                )
            ch = src[self.pos]
            if ch == quote:
                self.pos += 1
                return Token(TokenType.QUOTED_STRING, "".join(out), start, self.pos)
            if ch == "\\":
                out.append(self._escape())
                continue
            if is_control(ch):
                # Raw TAB and other control characters must be written as escapes.
                raise self._error(
                    f"The character U+{ord(ch):04X} is not allowed inside a quoted string; "
                    f"use the escape '\\u{ord(ch):04x}'",
                    self.pos,
                    self.pos + 1,
                )
            out.append(ch)
            self.pos += 1

    def _unquoted(self) -> Token:
        src, start, n = self.source, self.pos, len(self.source)
        out: list[str] = []
        escaped = False
        while self.pos < n:
            ch = src[self.pos]
            if ch == "\\":
                out.append(self._escape())
                escaped = True
            elif is_unquoted_char(ch):
                out.append(ch)
                self.pos += 1
            else:
                break
        text = "".join(out)
        if escaped:
            # An escape makes the word a plain string: `\u0061nd` is the value "and", not the keyword.
            return Token(TokenType.STRING, text, start, self.pos)
        low = text.lower()
        if _NUMBER.fullmatch(text):
            if not _LONG_MIN <= int(text) <= _LONG_MAX:
                raise self._error(f"The number '{text}' is out of range; quote it", start, self.pos)
            return Token(TokenType.NUMBER, text, start, self.pos)
        if low in KEYWORDS:
            return Token(KEYWORDS[low], text, start, self.pos)
        if low in RESERVED_WORDS:
            raise self._error(
                f"'{text}' is a reserved JQL word; put it in quotes (\"{text}\") to use it as a value",
                start,
                self.pos,
            )
        return Token(TokenType.STRING, text, start, self.pos)


def tokenize(source: str) -> list[Token]:
    """Tokens of a JQL query, ending with an EOF token."""
    return Lexer(source).tokenize()
