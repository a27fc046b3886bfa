"""Project request bodies."""

from __future__ import annotations

from pydantic import Field, StrictInt, StrictStr

from api.schemas.common import Strict


class ProjectCreate(Strict):
    key: StrictStr = Field(description="2-10 uppercase letters or digits, starting with a letter")
    name: StrictStr = Field(min_length=1, max_length=255)
    description: StrictStr = Field(default="", max_length=32767)
    lead: StrictStr | None = Field(default=None, description="user name; default the caller")
    issue_types: list[StrictStr] | None = Field(default=None, description="default: all issue types")
    workflow_scheme: StrictInt | None = Field(default=None, description="workflow scheme id; default the software one")
    permission_scheme: StrictInt | None = Field(default=None, description="permission scheme id; default 1")


class ProjectUpdate(Strict):
    name: StrictStr | None = Field(default=None, min_length=1, max_length=255)
    description: StrictStr | None = Field(default=None, max_length=32767)
    lead: StrictStr | None = None
