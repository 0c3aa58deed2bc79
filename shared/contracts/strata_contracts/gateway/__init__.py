"""Contracts of the gateway's own API: tenants and API keys."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from strata_contracts.identity import Role


class TenantCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class TenantRead(BaseModel):
    id: UUID
    name: str
    created_at: datetime


class ApiKeyCreate(BaseModel):
    """A new API key for the caller's tenant."""

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
