"""Export and schedule fixtures (tests/dashboards/fixtures.py)."""

from tests.dashboards.fixtures import analytics_app, analytics_dir, client, dataset

__all__ = ["analytics_app", "analytics_dir", "client", "dataset"]
