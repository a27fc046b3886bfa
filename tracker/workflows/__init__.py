"""Workflows: statuses and the transitions between them."""
