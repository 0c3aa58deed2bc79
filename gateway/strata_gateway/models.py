"""The gateway's own tables: tenants and their API keys."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKeyConstraint, LargeBinary, UniqueConstraint
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
