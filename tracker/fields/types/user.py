"""User: one active user, given by user name (or {"username"}/{"id"}), stored as the user's id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from psycopg.rows import DictRow

from tracker.fields.models import FieldDefinition
from tracker.fields.types.base import CustomFieldType, FieldValueError, IndexSpec, Lookups, as_int_ref


async def resolve_users(raw_items: list[Any], lookups: Lookups) -> list[DictRow]:
    """Active users named by each item, in order; unknown or inactive users break the rule."""
    names: list[str] = []
    ids: list[int] = []
    for item in raw_items:
        if isinstance(item, Mapping) and ("username" in item or "name" in item):
            item = item.get("username", item.get("name"))
        if isinstance(item, str) and item:
            names.append(item)
        elif (ref := as_int_ref(item)) is not None and not isinstance(item, str):
            ids.append(ref)
        else:
            raise FieldValueError("must be a user name")
    by_name = await lookups.users_by_name(names) if names else {}
    by_id = await lookups.users_by_id(ids) if ids else {}
    out: list[DictRow] = []
    for item in raw_items:
        if isinstance(item, Mapping):
            item = item.get("username", item.get("name", item.get("id")))
        user = by_name.get(item) if isinstance(item, str) else by_id.get(item)
        if user is None:
            raise FieldValueError(f"user '{str(item)[:60]}' does not exist")
        if not user["active"]:
            raise FieldValueError(f"user '{user['username']}' is inactive")
        out.append(user)
    return out


def user_view(user: Mapping[str, Any] | None, user_id: int) -> dict[str, Any]:
    if user is None:
        return {"id": user_id, "username": None, "display_name": f"(deleted user {user_id})"}
    return {"id": user["id"], "username": user["username"], "display_name": user["display_name"]}


class UserType(CustomFieldType):
    key = "user"
    label = "User picker (single user)"
    jql_type = "user"
    sql_type = "BIGINT"

    async def parse(self, raw: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        if isinstance(raw, list | bool):
            raise FieldValueError("must be one user name")
        return (await resolve_users([raw], lookups))[0]["id"]

    async def describe(self, stored: Any, field: FieldDefinition, lookups: Lookups) -> tuple[str | None, str | None]:
        if stored is None:
            return None, None
        user = (await lookups.users_by_id([stored])).get(stored)
        return str(stored), user_view(user, stored)["display_name"]

    async def render(self, stored: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        return user_view((await lookups.users_by_id([stored])).get(stored), stored)

    def value_sql(self, storage_key: str, alias: str = "i") -> str:
        return f"(({alias}.custom_fields ->> '{storage_key}')::bigint)"

    def indexes(self, field_id: int) -> list[IndexSpec]:
        expr = f"(custom_fields ->> 'customfield_{field_id}')::bigint"
        return [IndexSpec(f"issues_cf_{field_id}_user", "btree", expr, f"(({expr}) IS NOT NULL)")]
