"""Workflows: statuses and transitions as data, with conditions, validators and post-functions (rules/),
versions and publishing (admin.py), and the engine running transitions (engine.py)."""
