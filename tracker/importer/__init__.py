"""Imports from Jira: an export bundle in Jira's REST shapes, with its full history (see docs/import.md)."""

from tracker.importer.actions import import_bundle, run_import, summary_lines
from tracker.importer.bundle import Bundle, BundleError, bundle_from_data, load_bundle
from tracker.importer.metadata import sprint_by_external_id
from tracker.importer.models import ImportSummary, Problem

__all__ = [
    "Bundle",
    "BundleError",
    "ImportSummary",
    "Problem",
    "bundle_from_data",
    "import_bundle",
    "load_bundle",
    "run_import",
    "sprint_by_external_id",
    "summary_lines",
]
