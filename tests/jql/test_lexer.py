"""Lexer: longest match, keywords, numbers, escapes, reserved words and characters."""

from __future__ import annotations

import pytest

from jql.errors import JqlSyntaxError
from jql.tokens import TokenType as T
from jql.tokens import is_plain_word, tokenize


def kinds(text: str) -> list[tuple[T, str]]:
    return [(t.type, t.text) for t in tokenize(text)[:-1]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("status = Open", [(T.STRING, "status"), (T.EQ, "="), (T.STRING, "Open")]),
        ("a!=b", [(T.STRING, "a"), (T.NEQ, "!="), (T.STRING, "b")]),
        ("a !~ b", [(T.STRING, "a"), (T.NOT_LIKE, "!~"), (T.STRING, "b")]),
        ("a<=1", [(T.STRING, "a"), (T.LTE, "<="), (T.NUMBER, "1")]),
        ("a>=-5", [(T.STRING, "a"), (T.GTE, ">="), (T.NUMBER, "-5")]),
        (
            "a && b || c & d | e",
            [
                (T.STRING, "a"),
                (T.AND, "&&"),
                (T.STRING, "b"),
                (T.OR, "||"),
                (T.STRING, "c"),
                (T.AND, "&"),
                (T.STRING, "d"),
                (T.OR, "|"),
                (T.STRING, "e"),
            ],
        ),
        ("!a", [(T.BANG, "!"), (T.STRING, "a")]),
        # Longest match: dates, keys, relative dates and versions are single strings.
        (
            "2019-11-15 ABC-123 -4w 1.0 -5d",
            [(T.STRING, "2019-11-15"), (T.STRING, "ABC-123"), (T.STRING, "-4w"), (T.STRING, "1.0"), (T.STRING, "-5d")],
        ),
        (
            "AnD oR NoT EmPtY NuLL",
            [(T.AND, "AnD"), (T.OR, "oR"), (T.NOT, "NoT"), (T.EMPTY, "EmPtY"), (T.EMPTY, "NuLL")],
        ),
        (
            "during changed was asc desc cf",
            [
                (T.DURING, "during"),
                (T.CHANGED, "changed"),
                (T.WAS, "was"),
                (T.ASC, "asc"),
                (T.DESC, "desc"),
                (T.CF, "cf"),
            ],
        ),
        ("selection", [(T.STRING, "selection")]),
        ("\"select\" 'x y'", [(T.QUOTED_STRING, "select"), (T.QUOTED_STRING, "x y")]),
        (r'"a\"b\'c\\d\te\nf\rg\ h\u0041"', [(T.QUOTED_STRING, "a\"b'c\\d\te\nf\rg hA")]),
        (r"foo\ bar", [(T.STRING, "foo bar")]),
        (r"\u0061nd", [(T.STRING, "and")]),  # an escape makes it a plain string, not the keyword
        ('"line\nbreak"', [(T.QUOTED_STRING, "line\nbreak")]),  # raw CR/LF allowed in quotes
        ("cf[10001]", [(T.CF, "cf"), (T.LBRACKET, "["), (T.NUMBER, "10001"), (T.RBRACKET, "]")]),
        ("\t a \r\n b", [(T.STRING, "a"), (T.STRING, "b")]),
    ],
)
def test_tokens(text: str, expected: list[tuple[T, str]]) -> None:
    assert kinds(text) == expected


def test_positions_are_offsets() -> None:
    toks = tokenize('ab = "c d"')
    assert [(t.start, t.end) for t in toks] == [(0, 2), (3, 4), (5, 10), (10, 10)]


@pytest.mark.parametrize(
    ("text", "fragment", "column", "bad"),
    [
        ("a = select", "'select' is a reserved JQL word", 5, "select"),
        ("a = b*", "The character '*' is a reserved JQL character", 6, "*"),
        ("a = @x", "The character '@' is a reserved JQL character", 5, "@"),
        (r'a = "x\q"', "The escape sequence '\\q' is illegal", 7, "\\q"),
        (r'a = "x\u12"', "The escape sequence '\\u12\"' is illegal", 7, '\\u12"'),
        ('a = "open', 'The quoted string "open has not been completed', 5, '"open'),
        ('a = "t\tb"', "U+0009 is not allowed inside a quoted string", 7, "\t"),
        ("a = \x07", "U+0007 is not allowed", 5, "\x07"),
        ("a = 9223372036854775808", "out of range", 5, "9223372036854775808"),
    ],
)
def test_lexer_errors(text: str, fragment: str, column: int, bad: str) -> None:
    with pytest.raises(JqlSyntaxError) as info:
        tokenize(text)
    assert fragment in info.value.message
    assert (info.value.line, info.value.column, info.value.text) == (1, column, bad)


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        ("Open", True),
        ("ABC-1", True),
        ("In Progress", False),
        ("and", False),
        ("select", False),
        ("10", False),
        ("-5", False),
        ("-5d", True),
        ("", False),
        ("a*b", False),
        ("a.b", True),
        ("cf", False),
        ("during", False),
    ],
)
def test_plain_words(value: str, plain: bool) -> None:
    assert is_plain_word(value) is plain
