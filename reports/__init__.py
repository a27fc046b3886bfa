"""Agile and flow reports computed over the warehouse, as JSON-ready dicts (docs/reports.md).

Every report is a pure function `f(ctx: ReportContext, **params) -> dict`, registered in `REGISTRY` with its
parameter model; `run_report(name, ctx, raw_params)` validates and runs one. The API, dashboards, exports and
notebooks all go through the registry, so they show the same numbers.
"""

from reports.context import JqlReportError, ReportContext, ReportError, ReportNotFound, open_context, warehouse_status
from reports.registry import REGISTRY, ReportSpec, describe, get_spec, parse_params, run_report

__all__ = [
    "REGISTRY",
    "JqlReportError",
    "ReportContext",
    "ReportError",
    "ReportNotFound",
    "ReportSpec",
    "describe",
    "get_spec",
    "open_context",
    "parse_params",
    "run_report",
    "warehouse_status",
]
