"""Workflow operations on issues: which transitions an actor may run, and running one (see engine.py)."""

from __future__ import annotations

from tracker.workflows.engine import available_transitions, do_transition

__all__ = ["available_transitions", "do_transition"]
