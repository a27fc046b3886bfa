"""The warehouse: landed events and PostgreSQL exports as Parquet, DuckDB models on top, JQL for analysts.

Readers: `Warehouse(root).cursor()` (DuckDB views over the current generation) and `query_jql(...)`.
Writers: `refresh(root, database_url)` (incremental) and `rebuild(root, database_url)` (from PostgreSQL).
The layout is in warehouse/layout.py and the analyst-facing schema in docs/warehouse.md.
"""

from warehouse.build import BuildResult
from warehouse.layout import Layout, Manifest
from warehouse.query import compile_filter, default_root, query_jql
from warehouse.reader import Warehouse, shared
from warehouse.refresh import rebuild, refresh, refresh_forever

__all__ = [
    "BuildResult",
    "Layout",
    "Manifest",
    "Warehouse",
    "compile_filter",
    "default_root",
    "query_jql",
    "rebuild",
    "refresh",
    "refresh_forever",
    "shared",
]
