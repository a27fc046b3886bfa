"""Request bodies of webhooks, watchers and notifications."""

from __future__ import annotations

from pydantic import Field, StrictBool, StrictInt, StrictStr, model_validator

from api.schemas.common import Strict


class WebhookCreate(Strict):
    name: StrictStr = Field(description="1-255 characters")
    url: StrictStr = Field(description="http(s) URL whose host is in TRACKLAKE_WEBHOOK_ALLOWED_HOSTS")
    events: list[StrictStr] = Field(description="event types, e.g. ['issue.created'], or ['*'] for all")
    jql: StrictStr | None = Field(
        default=None,
        description="optional JQL filter: only events of issues that match it, as the webhook's owner sees them",
    )
    secret: StrictStr | None = Field(default=None, description="HMAC secret, 16-255 characters; generated if absent")
    active: StrictBool = True


class WebhookUpdate(Strict):
    name: StrictStr | None = None
    url: StrictStr | None = None
    events: list[StrictStr] | None = None
    jql: StrictStr | None = None
    secret: StrictStr | None = None
    active: StrictBool | None = None


class WatcherBody(Strict):
    username: StrictStr | None = Field(default=None, description="user to add; default the caller")


class MarkRead(Strict):
    ids: list[StrictInt] | None = Field(default=None, max_length=1000, description="notification ids")
    all: StrictBool = Field(default=False, description="mark every notification read")

    @model_validator(mode="after")
    def _one_of(self) -> MarkRead:
        if (self.ids is None) == (not self.all):
            raise ValueError("give either 'ids' or 'all': true")
        if self.ids is not None and not self.ids:
            raise ValueError("'ids' must not be empty")
        return self
