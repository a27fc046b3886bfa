"""What a model is: a named SQL query with a stated grain, a layer and a materialization."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol


class SourceColumns(Protocol):
    """The columns each source table offers (adapters shape staging SQL by what a table has)."""

    def columns(self, table: str) -> set[str]: ...


@dataclass(frozen=True)
class Model:
    """One model; `sql` may depend on the source tables' columns (the agile adapter does)."""

    name: str
    grain: str
    layer: Literal["staging", "mart"]
    sql: str | Callable[[SourceColumns], str]
    materialized: Literal["view", "table"] = "view"
    # Every row belongs to one issue and depends only on that issue's changes (plus dimensions): an incremental
    # build recomputes the issues touched by new events and keeps the other rows of the previous generation.
    per_issue: bool = False
    sort: str = ""

    def render(self, sources: SourceColumns, issue_scope: str = "TRUE") -> str:
        text = self.sql(sources) if callable(self.sql) else self.sql
        return text.replace("{issue_scope}", issue_scope)
