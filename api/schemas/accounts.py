"""Account request bodies."""

from __future__ import annotations

from pydantic import Field, StrictBool, StrictStr

from api.schemas.common import Strict


class UserCreate(Strict):
    username: StrictStr = Field(
        pattern=r"^[a-z0-9][a-z0-9._-]{0,59}$", description="lowercase letters, digits, '.', '_' or '-'; at most 60"
    )
    display_name: StrictStr = Field(min_length=1, max_length=255)
    email: StrictStr | None = Field(default=None, max_length=255, pattern=r"^[^@\s]+@[^@\s]+$")
    is_admin: StrictBool = False


class UserUpdate(Strict):
    display_name: StrictStr | None = Field(default=None, min_length=1, max_length=255)
    email: StrictStr | None = Field(default=None, max_length=255, pattern=r"^[^@\s]+@[^@\s]+$")
    active: StrictBool | None = None
    is_admin: StrictBool | None = None


class TokenCreate(Strict):
    name: StrictStr = Field(min_length=1, max_length=100)


class GroupCreate(Strict):
    name: StrictStr = Field(min_length=1, max_length=255)


class GroupMember(Strict):
    username: StrictStr


class ProjectCreate(Strict):
    key: StrictStr = Field(description="2-10 uppercase letters or digits, starting with a letter")
    name: StrictStr = Field(min_length=1, max_length=255)
    description: StrictStr = Field(default="", max_length=32767)
    lead: StrictStr | None = Field(default=None, description="user name; default the caller")
    issue_types: list[StrictStr] | None = Field(default=None, description="default: all issue types")


class ProjectUpdate(Strict):
    name: StrictStr | None = Field(default=None, min_length=1, max_length=255)
    description: StrictStr | None = Field(default=None, max_length=32767)
    lead: StrictStr | None = None
