"""Workflow and workflow scheme request bodies. Shapes are checked here; meaning (statuses, reachability,
rule settings) is checked by tracker.workflows, which names every problem by its path."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictInt, StrictStr

from api.schemas.common import Strict

StatusRef = StrictInt | StrictStr


class WorkflowBody(Strict):
    name: StrictStr | None = Field(default=None, description="1-255 characters, unique")
    description: StrictStr | None = None
    statuses: list[StatusRef | dict[str, Any]] | None = Field(
        default=None, description='status ids, names, or {"name", "category"} to create a status'
    )
    initial_status: StatusRef | None = Field(default=None, description="the status new issues start in")
    transitions: list[dict[str, Any]] = Field(
        default_factory=list,
        description='[{"id"?, "name", "from": [statuses], "global": bool, "to": status, "conditions": [...], '
        '"validators": [...], "post_functions": [...], "screen": [{"field", "required"}], "auto_resolution": bool}]',
    )


class StatusMappingBody(Strict):
    status_mapping: dict[StrictStr, StatusRef] | None = Field(
        default=None, description="old status → new status, for issues in statuses that disappear"
    )


class WorkflowSchemeBody(Strict):
    name: StrictStr | None = None
    description: StrictStr | None = None
    default_workflow: StrictInt | None = None
    mappings: dict[StrictStr, StrictInt] | None = Field(default=None, description="issue type → workflow id")
    status_mapping: dict[StrictStr, StatusRef] | None = None


class ProjectWorkflowScheme(Strict):
    scheme: StrictInt
    status_mapping: dict[StrictStr, StatusRef] | None = None
