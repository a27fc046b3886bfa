"""The registry's report descriptions: whole sentences, as /reports and GET /api/v1/reports show them."""

from __future__ import annotations

import pytest

from reports import REGISTRY, describe
from reports.registry import ReportSpec, summary


@pytest.mark.parametrize("spec", REGISTRY.values(), ids=lambda spec: spec.name)
def test_description_is_the_whole_first_paragraph(spec: ReportSpec) -> None:
    description = spec.description
    assert description, "a report needs a docstring"
    assert "\n" not in description and "  " not in description
    # A docstring that wraps mid-sentence must not be cut at its first line.
    assert description.endswith((".", "?", ")")), description
    # The first paragraph of the docstring, every word of it.
    doc = (spec.function.__doc__ or "").strip()
    first_paragraph = doc.split("\n\n", 1)[0]
    assert description.split() == first_paragraph.split()


def test_describe_lists_the_same_descriptions() -> None:
    listed = {r["name"]: r["description"] for r in describe()}
    assert listed == {name: spec.description for name, spec in REGISTRY.items()}


def test_summary_joins_the_first_paragraph_only() -> None:
    def report() -> None:
        """Items finished per period, counted once
        at their last finish.

        Details that are not part of the description.
        """

    def undocumented() -> None:
        pass

    assert summary(report) == "Items finished per period, counted once at their last finish."
    assert summary(undocumented) == ""
