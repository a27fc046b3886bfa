"""Exports of report results as CSV, Parquet, JSON and self-contained HTML (docs/dashboards.md).

An export is made from the dict the JSON API returns, never from a second computation:
* `json`: that dict, as the API writes it;
* `csv` / `parquet`: one of its tables (`reports.figures.tables`: the main one unless `table` names another);
  CSV cells are the JSON values as text (floats in their shortest exact form, lists comma-separated), Parquet
  columns are typed (ISO instants become UTC timestamps, ISO days dates);
* `html`: the dashboard panel with Plotly's JavaScript and the data inlined, readable without a network.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from reports.context import ReportError
from reports.figures import Table, cell_text, inline_assets, panel, render, tables, to_json
from reports.registry import get_spec

FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "parquet": ("application/vnd.apache.parquet", "parquet"),
    "json": ("application/json", "json"),
    "html": ("text/html; charset=utf-8", "html"),
}
# Export options travel with report parameters (in query strings and schedules); these names are not parameters.
OPTIONS = ("format", "table")

# Numeric columns that may hold only nulls in one result (typed float64 so exports keep one schema).
FLOAT_COLUMNS = frozenset(
    {
        "value",
        "average_days",
        "average_age_days",
        "pace_percentile",
        "rolling_average_days",
        "rolling_std_days",
        "initial_estimate",
        "final_estimate",
        "increase",
        "decrease",
        "remaining",
        "commitment",
        "completed",
    }
)
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def invalid(field: str, message: str) -> ReportError:
    """A bad parameter, reported as the report API reports them: `field: message`, and errors {field: message}."""
    return ReportError(f"{field}: {message}", field=field, errors={field: message})


@dataclass(frozen=True)
class Export:
    """An exported file."""

    content: bytes
    media_type: str
    filename: str
    table: str | None = None


def split_options(raw: Mapping[str, Any]) -> tuple[str, str | None, dict[str, Any]]:
    """(format, table, report parameters) from raw request parameters; `format` is required."""
    params = {k: v for k, v in raw.items() if k not in OPTIONS}
    fmt = raw.get("format")
    table = raw.get("table")
    if not isinstance(fmt, str) or not fmt:
        raise invalid("format", f"one of {', '.join(FORMATS)}")
    check_format(fmt)
    if table is not None and (not isinstance(table, str) or not table):
        raise invalid("table", "a table name")
    return fmt, table, params


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise invalid("format", f"one of {', '.join(FORMATS)}")
    return fmt


def choose_table(name: str, result: Mapping[str, Any], table: str | None) -> Table:
    """The table a CSV or Parquet export writes: the named one, or the main one."""
    found = tables(name, result)
    if table is None:
        return found[0]
    for t in found:
        if t.name == table:
            return t
    raise invalid("table", f"one of {', '.join(t.name for t in found)}")


def to_csv(table: Table) -> bytes:
    """The table as CSV (UTF-8, header row, RFC 4180 quoting); empty cells are JSON nulls."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_csv_cell(row.get(c)) for c in table.columns])
    return out.getvalue().encode()


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return value  # csv writes repr(): the shortest text that reads back as the same float
    return cell_text(value)


def _arrow_column(name: str, values: Sequence[Any]) -> pa.Array:
    present = [v for v in values if v is not None]
    if not present and name in FLOAT_COLUMNS:
        return pa.array(values, pa.float64())
    if present and all(isinstance(v, str) for v in present):
        if all(_INSTANT.match(v) for v in present):
            return pa.array(
                [None if v is None else datetime.fromisoformat(v.replace("Z", "+00:00")) for v in values],
                pa.timestamp("us", tz="UTC"),
            )
        if all(_DAY.match(v) for v in present):
            return pa.array([None if v is None else date.fromisoformat(v) for v in values], pa.date32())
        return pa.array(values, pa.string())
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        if all(isinstance(v, int) for v in present):
            return pa.array(values, pa.int64())
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else cell_text(v) for v in values], pa.string())


def to_arrow(table: Table) -> pa.Table:
    """The table with typed columns."""
    return pa.table({c: _arrow_column(c, [row.get(c) for row in table.rows]) for c in table.columns})


def to_parquet(table: Table) -> bytes:
    out = io.BytesIO()
    pq.write_table(to_arrow(table), out, compression="zstd")
    return out.getvalue()


def to_html(
    name: str,
    result: Mapping[str, Any],
    params: Mapping[str, Any] | None = None,
    *,
    generated_at: datetime | None = None,
    warehouse: str | None = None,
) -> bytes:
    """A self-contained HTML file: the dashboard panel with Plotly's JavaScript and the data inlined."""
    spec = get_spec(name)
    shown = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    html = render(
        "export.html",
        title=spec.title,
        description=spec.description,
        params=shown,
        panel=panel(name, spec.title, result),
        assets=inline_assets(),
        user=None,
        session=False,
        generated_at=stamp(generated_at or datetime.now(UTC)),
        warehouse=warehouse,
    )
    return html.encode()


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def filename(name: str, fmt: str, at: datetime, table: str | None = None) -> str:
    """`<report>[-<table>]-<UTC time>.<ext>`, e.g. `velocity-20240315T170000Z.csv`."""
    when = at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    part = f"-{table}" if table else ""
    return f"{name}{part}-{when}.{FORMATS[fmt][1]}"


def export_report(
    name: str,
    result: Mapping[str, Any],
    fmt: str,
    *,
    table: str | None = None,
    params: Mapping[str, Any] | None = None,
    generated_at: datetime | None = None,
    warehouse: str | None = None,
) -> Export:
    """Export one report result in `fmt` (csv, parquet, json or html)."""
    check_format(fmt)
    at = generated_at or datetime.now(UTC)
    media_type = FORMATS[fmt][0]
    if fmt == "json":
        if table is not None:
            raise invalid("table", "only for csv and parquet exports")
        return Export(to_json(result), media_type, filename(name, fmt, at))
    if fmt == "html":
        if table is not None:
            raise invalid("table", "only for csv and parquet exports")
        content = to_html(name, result, params, generated_at=at, warehouse=warehouse)
        return Export(content, media_type, filename(name, fmt, at))
    chosen = choose_table(name, result, table)
    content = to_csv(chosen) if fmt == "csv" else to_parquet(chosen)
    return Export(content, media_type, filename(name, fmt, at, chosen.name if table else None), chosen.name)
