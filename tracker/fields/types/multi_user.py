"""Multi-user: a set of active users, stored as a JSON array of user ids."""

from __future__ import annotations

from typing import Any

from tracker.fields.models import FieldDefinition
from tracker.fields.types.base import CustomFieldType, Lookups, as_list
from tracker.fields.types.user import resolve_users, user_view


class MultiUserType(CustomFieldType):
    key = "multi_user"
    label = "User picker (multiple users)"
    jql_type = "user"
    sql_type = "BIGINT"
    multi = True

    async def parse(self, raw: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        users = await resolve_users(as_list(raw, "users", self.max_items), lookups)
        out: list[int] = []
        for u in users:
            if u["id"] not in out:
                out.append(u["id"])
        return out

    async def describe(self, stored: Any, field: FieldDefinition, lookups: Lookups) -> tuple[str | None, str | None]:
        if not stored:
            return None, None
        users = await lookups.users_by_id(list(stored))
        return ",".join(str(i) for i in stored), ", ".join(user_view(users.get(i), i)["display_name"] for i in stored)

    async def render(self, stored: Any, field: FieldDefinition, lookups: Lookups) -> Any:
        users = await lookups.users_by_id(list(stored or ()))
        return [user_view(users.get(i), i) for i in stored or ()]
