"""The Elasticsearch side of search: the client, and the index that the indexer writes and search reads."""

from __future__ import annotations

from typing import Any

# The issue index (mapping: jql/es_mapping.py), written by pipelines/consumers/search.py.
DEFAULT_INDEX = "tracklake-issues"


def elasticsearch_client(url: str) -> Any:
    """An async client for the server at `url` (HTTP through httpx)."""
    from elastic_transport import HttpxAsyncHttpNode
    from elasticsearch import AsyncElasticsearch

    return AsyncElasticsearch(url, node_class=HttpxAsyncHttpNode)
