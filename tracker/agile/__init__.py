"""Agile: boards, saved filters, ranking, sprints, hierarchy, links, versions, components and their cache.

One module per domain, each holding its SQL as named constants next to the operations (docs/agile.md).
"""
