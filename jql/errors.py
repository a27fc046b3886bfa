"""User-facing JQL errors.

Every error a query can provoke is a `JqlError`; anything else escaping `jql` is a bug. Errors carry the
position of the offending text so callers can point at it (`JqlError.pointer()` draws a caret line).
"""

from __future__ import annotations

from collections.abc import Sequence


def line_and_column(source: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset in `source`."""
    offset = max(0, min(offset, len(source)))
    line = source.count("\n", 0, offset) + 1
    line_start = source.rfind("\n", 0, offset) + 1
    return line, offset - line_start + 1


class JqlError(Exception):
    """Base class of every error a JQL query can cause; safe to show to the user."""

    code = "jql_error"

    def __init__(
        self,
        message: str,
        *,
        source: str = "",
        start: int = 0,
        end: int | None = None,
        suggestions: Sequence[str] = (),
    ) -> None:
        self.message = message
        self.source = source
        self.start = start
        self.end = start if end is None else end
        self.text = source[self.start : self.end]
        self.line, self.column = line_and_column(source, start)
        self.suggestions = tuple(suggestions)
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.message} at line {self.line}, column {self.column}"
        if self.suggestions:
            text += ". Did you mean " + " or ".join(f"'{s}'" for s in self.suggestions) + "?"
        return text

    def pointer(self) -> str:
        """The offending source line with a caret under the error position."""
        lines = self.source.split("\n")
        text = lines[self.line - 1] if 0 < self.line <= len(lines) else ""
        width = max(1, min(self.end - self.start, len(text) - self.column + 1))
        return f"{text}\n{' ' * (self.column - 1)}{'^' * width}"

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly description for API error bodies."""
        return {
            "code": self.code,
            "message": self.message,
            "start": self.start,
            "end": self.end,
            "line": self.line,
            "column": self.column,
            "text": self.text,
            "suggestions": list(self.suggestions),
        }


class JqlSyntaxError(JqlError):
    """The query text does not follow the JQL grammar."""

    code = "jql_syntax_error"


class JqlSemanticError(JqlError):
    """The query parses but is invalid against the field catalog (unknown field, bad operator, …)."""

    code = "jql_semantic_error"
