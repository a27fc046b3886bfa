"""Checkboxes (Jira's "Checkboxes"): the options ticked, stored like a multi-select. A yes/no flag is a
checkbox field with one option."""

from __future__ import annotations

from tracker.fields.types.multi_select import MultiSelectType


class CheckboxType(MultiSelectType):
    key = "checkbox"
    label = "Checkboxes"
