"""Invalid queries are rejected with Jira-like messages, positions and the offending text."""

from __future__ import annotations

import pytest

from jql import JqlError, JqlSemanticError, JqlSyntaxError, analyze, parse
from jql.testing import InMemoryCatalog

SYNTAX: list[tuple[str, str, int, int, str]] = [
    # (query, message, line, column, offending text)
    ("status Open", "Expected an operator after 'status'", 1, 8, "Open"),
    ("status", "Expected an operator after 'status' but the query ended", 1, 7, ""),
    ("(status = Open", "Expected ')' to close this '('", 1, 1, "("),
    ("status = Open)", "Unexpected ')' without a matching '('", 1, 14, ")"),
    ("((a = 1) or b = 2", "Expected ')' to close this '('", 1, 1, "("),
    ("(a = 1 b = 2)", "Expected AND, OR or ')' after '1'", 1, 8, "b"),
    ("status = select", "'select' is a reserved JQL word; put it in quotes", 1, 10, "select"),
    ("status = Open and select = 1", "'select' is a reserved JQL word", 1, 19, "select"),
    ("status = changed", "'changed' is a JQL keyword, put it in quotes", 1, 10, "changed"),
    ("status = during", "'during' is a JQL keyword", 1, 10, "during"),
    ("order = 1", "Expected BY after 'ORDER'", 1, 7, "="),
    ("status in Open", "Expected a list such as (a, b) or a function after 'in'", 1, 11, "Open"),
    ("status not in Open", "Expected a list such as (a, b) or a function after 'in'", 1, 15, "Open"),
    ("status was in Open", "Expected a list such as (a, b) or a function after 'in'", 1, 15, "Open"),
    ("status in ()", "A list must hold at least one value", 1, 12, ")"),
    ("status in (a,)", "after ','", 1, 14, ")"),
    ("status in (a b)", "Expected ',' or ')' after 'a' in the list", 1, 14, "b"),
    ("status = Open AND", "Expected a field name after 'AND' but the query ended", 1, 18, ""),
    ("status = Open OR", "Expected a field name after 'OR' but the query ended", 1, 17, ""),
    ("AND status = Open", "Expected a field name at the start of a clause", 1, 1, "AND"),
    ("NOT", "Expected a clause after 'NOT' but the query ended", 1, 4, ""),
    ("status = Open NOT", "Expected AND, OR or ORDER BY after 'Open'", 1, 15, "NOT"),
    ("status = Open priority = High", "Expected AND, OR or ORDER BY after 'Open'", 1, 15, "priority"),
    ("status =", "Expected a value, a function or EMPTY after '=' but the query ended", 1, 9, ""),
    ("status = (a, b)", "Expected a value, a function or EMPTY after '='", 1, 10, "("),
    ("due < EMPTY", "Expected a value or a function after '<'; EMPTY cannot be used here", 1, 7, "EMPTY"),
    ("assignee is bob", "Expected EMPTY or NULL after 'is'", 1, 13, "bob"),
    ("assignee is not bob", "Expected EMPTY or NULL after 'not'", 1, 17, "bob"),
    ("status not Open", "Expected IN after 'NOT'", 1, 12, "Open"),
    (
        'status = Open BEFORE "2020-01-01"',
        "The predicate 'BEFORE' can only follow WAS or CHANGED, not '='",
        1,
        15,
        "BEFORE",
    ),
    ("status in (a) by bob", "The predicate 'BY' can only follow WAS or CHANGED, not 'IN'", 1, 15, "by"),
    ("assignee is EMPTY after -1d", "The predicate 'AFTER' can only follow WAS or CHANGED", 1, 19, "after"),
    ("status was Open from a", "The predicate 'FROM' can only follow CHANGED, not 'WAS'", 1, 17, "from"),
    ("status was Open to b", "The predicate 'TO' can only follow CHANGED", 1, 17, "to"),
    ("status changed after", "Expected a value, a list such as (a, b), a function or EMPTY after 'after'", 1, 21, ""),
    (r'summary ~ "a\qb"', "The escape sequence '\\q' is illegal", 1, 13, "\\q"),
    (r"summary ~ a\x", "The escape sequence '\\x' is illegal", 1, 12, "\\x"),
    ('summary ~ "unfinished', 'The quoted string "unfinished has not been completed', 1, 11, '"unfinished'),
    ("summary ~ win*", "The character '*' is a reserved JQL character", 1, 14, "*"),
    ("summary ~ a+b", "The character '+' is a reserved JQL character", 1, 12, "+"),
    ("labels = a;b", "The character ';' is a reserved JQL character", 1, 11, ";"),
    ('"" = x', "A field name must not be empty", 1, 1, '""'),
    ('a = ""()', "A function name must not be empty", 1, 5, '""'),
    ("a = f(x,)", "Expected a function argument (a string or number) after ','", 1, 9, ")"),
    ("a = f((x))", "Expected a function argument", 1, 7, "("),
    ("a = f(g())", "Expected ',' or ')' after 'g' in the call to 'f'", 1, 8, "("),
    ("a = f(x", "Expected ',' or ')' after 'x' in the call to 'f' but the query ended", 1, 8, ""),
    ("cf = 1", "Expected '[' after 'cf'", 1, 4, "="),
    ("cf[abc] = 1", "Expected a positive custom field id after 'cf['", 1, 4, "abc"),
    ("cf[-1] = 1", "Expected a positive custom field id after 'cf['", 1, 4, "-1"),
    ("cf[1 = 1", "Expected ']' after 'cf[1'", 1, 6, "="),
    ("order by", "Expected a field name after 'ORDER BY' but the query ended", 1, 9, ""),
    ("order by created up", "Expected ASC, DESC, ',' or the end of the query after 'created'", 1, 18, "up"),
    ("order by created,", "Expected a field name after ','", 1, 18, ""),
    ("order by created status = a", "Expected ASC, DESC", 1, 18, "status"),
    ("a = 1 order by b and c = 1", "Expected ASC, DESC", 1, 18, "and"),
    ("status = Open\nAND priority", "Expected an operator after 'priority' but the query ended", 2, 13, ""),
    ("project = ABC\n  AND status = \n", "Expected a value, a function or EMPTY after '='", 3, 1, ""),
    ("a = 99999999999999999999", "The number '99999999999999999999' is out of range", 1, 5, "99999999999999999999"),
    ("(" * 70 + "a = 1" + ")" * 70, "nested too deeply", 1, 66, "("),
    ("NOT " * 70 + "a = 1", "nested too deeply", 1, 261, "NOT"),
    ("a in " + "(" * 70 + "1" + ")" * 70, "nested too deeply", 1, 71, "("),
]


@pytest.mark.parametrize(("text", "message", "line", "column", "bad"), SYNTAX)
def test_syntax_errors(text: str, message: str, line: int, column: int, bad: str) -> None:
    with pytest.raises(JqlSyntaxError) as info:
        parse(text)
    err = info.value
    assert message in err.message
    assert (err.line, err.column, err.text) == (line, column, bad)
    assert str(err).startswith(err.message) and f"at line {line}, column {column}" in str(err)


def test_brief_example_message() -> None:
    with pytest.raises(JqlSyntaxError) as info:
        parse("status Open")
    assert str(info.value) == "Expected an operator after 'status' at line 1, column 8"
    assert info.value.start == 7 and info.value.end == 11


def test_pointer_draws_a_caret() -> None:
    with pytest.raises(JqlSyntaxError) as info:
        parse('project = ABC AND status = "Open" priority = High')
    assert info.value.pointer() == ('project = ABC AND status = "Open" priority = High\n' + " " * 34 + "^^^^^^^^")


def test_error_dict_is_json_ready() -> None:
    with pytest.raises(JqlError) as info:
        parse("status = select")
    assert info.value.to_dict() == {
        "code": "jql_syntax_error",
        "message": "'select' is a reserved JQL word; put it in quotes (\"select\") to use it as a value",
        "start": 9,
        "end": 15,
        "line": 1,
        "column": 10,
        "text": "select",
        "suggestions": [],
    }


SEMANTIC: list[tuple[str, str, str, list[str]]] = [
    # (query, message, offending text, suggestions)
    ("stauts = Done", "Field 'stauts' does not exist or you do not have permission to view it", "stauts", ["status"]),
    ("cf[99999] = 1", "Field 'cf[99999]' does not exist", "cf[99999]", []),
    ("status = Dne", "The value 'Dne' does not exist for the field 'status'", "Dne", ["Done"]),
    ("assignee = bobb", "The value 'bobb' does not exist for the field 'assignee'", "bobb", ["bob"]),
    ("project = ABD", "The value 'ABD' does not exist for the field 'project'", "ABD", ["ABC"]),
    (
        "sprint = 'Sprint 9'",
        "The value 'Sprint 9' does not exist for the field 'sprint'",
        "'Sprint 9'",
        ["Sprint 4", "Sprint 3", "Sprint 2"],
    ),
    ("fixVersion = 9.9", "The value '9.9' does not exist for the field 'fixVersion'", "9.9", []),
    ("Team = Purple", "The value 'Purple' does not exist for the field 'Team'", "Purple", []),
    ("status > Done", "The operator '>' is not supported by the 'status' field", "status > Done", []),
    ("summary = foo", "The operator '=' is not supported by the 'summary' field", "summary = foo", []),
    ("assignee ~ bob", "The operator '~' is not supported by the 'assignee' field", "assignee ~ bob", []),
    ("labels was foo", "The operator 'WAS' is not supported by the 'labels' field", "labels was foo", []),
    ("created changed", "The operator 'CHANGED' is not supported by the 'created' field", "created changed", []),
    ("text !~ foo", "The operator '!~' is not supported by the 'text' field", "text !~ foo", []),
    ("statusCategory is EMPTY", "The operator 'IS' is not supported", "statusCategory is EMPTY", []),
    ("created > tomorrow", "Date value 'tomorrow' for 'created' is invalid", "tomorrow", []),
    ('created > "2024-13-01"', "Date value '2024-13-01' for 'created' is invalid", '"2024-13-01"', []),
    ('"Story Points" > lots', "'lots' is not a valid number for the field 'Story Points'", "lots", []),
    ("key = nonsense", "'nonsense' is not a valid issue key for the field 'issuekey'", "nonsense", []),
    ("key = QQQ-1", "An issue with key 'QQQ-1' does not exist for the field 'issuekey'", "QQQ-1", []),
    ("assignee = currentUsr()", "Unable to find JQL function 'currentUsr()'", "currentUsr()", ["currentUser"]),
    ("assignee in currentUser()", "Function 'currentUser' does not support the operator 'IN'", "currentUser()", []),
    ("status = currentUser()", "Function 'currentUser' cannot be used with the field 'status'", "currentUser()", []),
    ("assignee in membersOf()", "Function 'membersOf' expects 1 argument(s) but got 0", "membersOf()", []),
    ("assignee in membersOf(devs)", "The group 'devs' does not exist", "membersOf(devs)", []),
    (
        "created > startOfDay(tomorrow)",
        "'tomorrow' is not a valid increment for startOfDay()",
        "startOfDay(tomorrow)",
        [],
    ),
    ("status was Done during (-1d)", "DURING needs exactly 2 dates", "(-1d)", []),
    ("status was Done after (-1d, -2d)", "AFTER needs exactly one date", "(-1d, -2d)", []),
    ("status was Done after foo", "Date value 'foo' for 'AFTER' is invalid", "foo", []),
    ("status was Done by zed", "The value 'zed' does not exist for the field 'user'", "zed", []),
    ("status changed to Nope", "The value 'Nope' does not exist for the field 'status'", "Nope", []),
    ("order by description", "Field 'description' does not support sorting", "description", []),
    ("order by labels", "Field 'labels' does not support sorting", "labels", []),
    ("order by created, created desc", "The sort field 'created' is referenced multiple times", "created", []),
    ("issue.property[x].y = 1", "Entity properties (field[key].path) are not supported", "issue.property[x].y", []),
    ('summary ~ "the and of"', "The text query 'the and of' has no searchable words", '"the and of"', []),
    ('timeInStatus("Nope") > 1d', "The value 'Nope' does not exist for the field 'status'", '"Nope"', []),
    ('timeInStatus("Done") > soon', "'soon' is not a valid duration", "soon", []),
    (
        'timeInStatus("Done") in (1d)',
        "The operator 'IN' is not supported by timeInStatus()",
        'timeInStatus("Done") in (1d)',
        [],
    ),
    ("timeSpent(x) > 1", "Unknown field function 'timeSpent()'", "timeSpent(x)", []),
    (
        'issue in subtasksOf("stauts = Done")',
        "In the query given to subtasksOf(): Field 'stauts' does not exist",
        'subtasksOf("stauts = Done")',
        ["status"],
    ),
    (
        'issue in parentsOf("status =")',
        "In the query given to parentsOf(): Expected a value",
        'parentsOf("status =")',
        [],
    ),
    (
        'issue in linkedIssuesOf("project = ABC", "fixes")',
        "The link type 'fixes' does not exist",
        'linkedIssuesOf("project = ABC", "fixes")',
        [],
    ),
]


@pytest.mark.parametrize(("text", "message", "bad", "suggestions"), SEMANTIC)
def test_semantic_errors(text: str, message: str, bad: str, suggestions: list[str], catalog: InMemoryCatalog) -> None:
    with pytest.raises(JqlSemanticError) as info:
        analyze(text, catalog)
    err = info.value
    assert message in err.message
    assert err.text == bad
    assert list(err.suggestions) == suggestions
    if text.count(bad) == 1:
        assert (err.line, err.column) == (1, text.index(bad) + 1)


def test_suggestions_in_message(catalog: InMemoryCatalog) -> None:
    with pytest.raises(JqlSemanticError) as info:
        analyze("status = Dne", catalog)
    assert str(info.value) == (
        "The value 'Dne' does not exist for the field 'status' at line 1, column 10. Did you mean 'Done'?"
    )


def test_deep_subquery_nesting_is_bounded(catalog: InMemoryCatalog) -> None:
    inner = "project = ABC"
    for _ in range(5):
        inner = f'issue in subtasksOf("{inner.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}")'
    with pytest.raises(JqlSemanticError, match="nested at most"):
        analyze(inner, catalog)


def test_query_size_is_bounded(catalog: InMemoryCatalog) -> None:
    with pytest.raises(JqlSemanticError, match="more than 1000 clauses"):
        analyze(" OR ".join(["status = Done"] * 1001), catalog)
    with pytest.raises(JqlSemanticError, match="at most 3000 values"):
        analyze("labels in (" + ", ".join(["x"] * 3001) + ")", catalog)
    analyze("labels in (" + ", ".join(["x"] * 3000) + ")", catalog)
