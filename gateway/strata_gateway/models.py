"""The gateway's own tables: tenants and their API keys."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from strata_kit.db import TenantModel, UtcDateTime, new_registry, utcnow

registry = new_registry()
metadata = registry.metadata


class GatewayModel(TenantModel, registry=registry):
    """Base of every tenant-owned table of the gateway."""


class GatewayTable(SQLModel, registry=registry):
    """Base of the gateway's platform-level tables (not owned by a tenant)."""


class Tenant(GatewayTable, table=True):
    """A customer organisation. Every other row of every service belongs to one."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=200)
    default_language: str = Field(default="en", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)


class ApiKey(GatewayModel, table=True):
    """An API key: only its SHA-256 hash is kept; the full key is shown once."""

    __tablename__ = "api_key"
    __table_args__ = (ForeignKeyConstraint(["tenant_id"], ["tenant.id"], ondelete="CASCADE"),)

    name: str = Field(max_length=200)
    prefix: str = Field(max_length=32, unique=True, description="Public part, for look-up.")
    secret_hash: str = Field(max_length=64)
    roles: list[str] = Field(default_factory=list, sa_type=JSON)
    employee_id: uuid.UUID | None = None
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class IdempotencyRecord(GatewayModel, table=True):
    """The first answer to a POST sent with an `Idempotency-Key`, replayed to retries."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("tenant_id", "subject", "key"),)

    subject: str = Field(max_length=200, description="The caller the key belongs to.")
    key: str = Field(max_length=255)
    fingerprint: str = Field(max_length=64, description="SHA-256 of method, path and body.")
    completed: bool = False
    status_code: int | None = None
    headers: list[list[str]] = Field(default_factory=list, sa_type=JSON)
    body: bytes | None = Field(default=None, sa_type=LargeBinary)
    expires_at: datetime = Field(sa_type=UtcDateTime, index=True)


class Event(GatewayTable, table=True):
    """An event received from a service's relay: stored once (by id), in a total order.

    Not tenant-owned in the `TenantModel` sense (its key is the global `position`), so every
    query on it filters `tenant_id` explicitly (see events/repository.py).
    """

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_tenant_id_position", "tenant_id", "position"),)

    position: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    id: uuid.UUID = Field(unique=True)
    tenant_id: uuid.UUID
    type: str = Field(max_length=128, index=True)
    schema_version: int = 1
    subject: str = Field(max_length=200)
    source: str = Field(max_length=100, description="The service whose relay sent it.")
    occurred_at: datetime = Field(sa_type=UtcDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class WebhookSubscription(GatewayModel, table=True):
    """A tenant's endpoint that receives events, signed per the Standard Webhooks spec."""

    __tablename__ = "webhook_subscription"

    url: str = Field(max_length=2000)
    description: str | None = Field(default=None, max_length=500)
    event_types: list[str] = Field(default_factory=list, sa_type=JSON)
    secret: str = Field(max_length=100, description="`whsec_…` signing secret.")
    enabled: bool = True
    disabled_reason: str | None = Field(default=None, max_length=500)


class WebhookDelivery(GatewayModel, table=True):
    """One event to one subscription: its attempts and outcome (the delivery log)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "subscription_id"],
            ["webhook_subscription.tenant_id", "webhook_subscription.id"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("tenant_id", "subscription_id", "event_id"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index(
            "ix_webhook_delivery_subject_order",
            "tenant_id",
            "subscription_id",
            "subject",
            "event_position",
        ),
    )

    subscription_id: uuid.UUID
    event_id: uuid.UUID
    event_position: int = Field(sa_type=BigInteger)
    subject: str = Field(
        default="",
        max_length=200,
        description="The event's subject: deliveries of one subject go out in position order.",
    )
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default_factory=utcnow, sa_type=UtcDateTime)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
