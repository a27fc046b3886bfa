"""Response shapes of the reports API (results themselves are the registry's JSON dicts, see docs/reports.md)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ReportInfo(BaseModel):
    """One registered report."""

    name: str = Field(description="path segment: /api/v1/reports/<name>")
    title: str
    description: str
    chart: str = Field(
        description="what dashboards draw: line, step, bar, stacked-area, scatter, pie, table, histogram"
    )
    parameters: dict[str, Any] = Field(description="JSON schema of the query parameters")


class ReportList(BaseModel):
    reports: list[ReportInfo]
    warehouse: dict[str, Any] = Field(description="the warehouse generation results are computed from")
