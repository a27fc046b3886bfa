"""Fixtures of the JQL tests: a populated in-memory catalog and a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jql import QueryContext
from jql.testing import InMemoryCatalog, sample_catalog

NOW = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)  # a Saturday


@pytest.fixture
def catalog() -> InMemoryCatalog:
    return sample_catalog()


@pytest.fixture
def ctx() -> QueryContext:
    return QueryContext(user_id=1, now=NOW)
