"""Permission scheme and project role request bodies."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictInt, StrictStr

from api.schemas.common import Strict


class Grant(Strict):
    permission: StrictStr
    grantee: StrictStr | dict[StrictStr, Any] = Field(
        description='"anyone", "reporter", "assignee", "project_lead", or {"type": "user", "user": name}, '
        '{"type": "group", "group": name}, {"type": "project_role", "role": name or id}'
    )


class PermissionSchemeCreate(Strict):
    name: StrictStr
    description: StrictStr = ""
    grants: list[Grant] | None = None
    copy_from: StrictInt | None = Field(default=None, description="start from another scheme's grants")


class PermissionSchemeUpdate(Strict):
    name: StrictStr | None = None
    description: StrictStr | None = None
    grants: list[Grant] | None = Field(default=None, description="replaces every grant")


class ProjectPermissionScheme(Strict):
    scheme: StrictInt


class RoleCreate(Strict):
    name: StrictStr = Field(min_length=1, max_length=255)
    description: StrictStr = ""


class RoleMembers(Strict):
    users: list[StrictStr] = Field(default_factory=list)
    groups: list[StrictStr] = Field(default_factory=list)
