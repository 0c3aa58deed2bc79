"""Contracts of the gateway's own API: tenants, API keys, webhook subscriptions."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from strata_contracts.identity import Role


class TenantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)


Language = Literal["en", "zh-CN"]
"""The languages Strata renders texts in (those `strata_kit.i18n` knows)."""


class TenantRead(BaseModel):
    id: UUID
    name: str
    default_language: Language = Field(
        default="en",
        description="The language used when a request sends no `Accept-Language`.",
    )
    created_at: datetime


class TenantUpdate(BaseModel):
    """What an admin may change on the tenant (`PATCH /api/v1/tenant`)."""

    model_config = ConfigDict(extra="forbid")

    default_language: Language = Field(
        description="`en` or `zh-CN`: the language of problem titles, the default 360 "
        "template and the HTML reports when a request sends no `Accept-Language`."
    )


class ApiKeyCreate(BaseModel):
    """A new API key for the caller's tenant."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="What the key is for.")
    roles: list[Role] = Field(min_length=1, description="Roles the key grants.")
    employee_id: UUID | None = Field(
        default=None, description="Employee the key acts as (for person keys)."
    )


class ApiKeyRead(BaseModel):
    id: UUID
    tenant_id: UUID
    name: str
    prefix: str = Field(description="The key's public prefix, shown to tell keys apart.")
    roles: list[Role]
    employee_id: UUID | None
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    """Returned once, at creation: `secret` is never shown again."""

    secret: str = Field(description="The full key. Store it now; only its hash is kept.")


class TenantCreated(BaseModel):
    """What `strata tenant create` prints: the tenant and its first admin key."""

    tenant: TenantRead
    admin_key: ApiKeyCreated


class WebhookCreate(BaseModel):
    """Subscribe an HTTPS endpoint to the tenant's events."""

    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl = Field(description="Where events are POSTed (HTTPS in production).")
    event_types: list[str] = Field(
        default_factory=list,
        description="Event types to send (`goals.plan.signed`, or `goals.*`); empty: all.",
    )
    description: str | None = Field(default=None, max_length=500)


class WebhookUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl | None = None
    event_types: list[str] | None = None
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = None
    redeliver_failed: bool = Field(
        default=True,
        description=(
            "With `enabled: true` on a disabled subscription: send again, with a fresh retry "
            "schedule, the deliveries that used up their retries (the one that disabled it "
            "among them), in order per subject before the later events of their subjects. "
            "`false` leaves them `failed` (redeliver them one by one, or replay)."
        ),
    )


class WebhookRead(BaseModel):
    id: UUID
    url: str
    event_types: list[str]
    description: str | None
    enabled: bool
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookRead):
    """Returned once, at creation: verify deliveries with this secret (Standard Webhooks)."""

    secret: str = Field(description="`whsec_…` signing secret. Store it now.")


class WebhookDeliveryRead(BaseModel):
    id: UUID
    subscription_id: UUID
    event_id: UUID
    event_position: int
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class WebhookReplay(BaseModel):
    """Send again every matching event after a feed position (0: from the beginning)."""

    model_config = ConfigDict(extra="forbid")

    after_position: int = Field(default=0, ge=0)


class WebhookReplayResult(BaseModel):
    queued: int
