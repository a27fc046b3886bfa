"""JQL search over PostgreSQL (and Elasticsearch when configured)."""

from tracker.search.catalog import load_catalog
from tracker.search.execute import SearchPage, search_issue_ids, search_issues

__all__ = ["SearchPage", "load_catalog", "search_issue_ids", "search_issues"]
