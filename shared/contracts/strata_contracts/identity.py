"""Identity claims the gateway forwards to services in a short-lived signed token."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

IDENTITY_HEADER = "X-Strata-Identity"
REQUEST_ID_HEADER = "X-Request-ID"


class Role(StrEnum):
    """Roles a caller can hold. A caller may hold several."""

    ADMIN = "admin"
    HR = "hr"
    MANAGER = "manager"
    EMPLOYEE = "employee"
    INTEGRATION = "integration"


class IdentityClaims(BaseModel):
    """Who is calling, on behalf of which tenant, with which roles.

    `tenant_id` is absent only for platform-level calls made by Strata itself (for
    instance the gateway fetching a service's OpenAPI document); no tenant data is
    reachable with such an identity.
    """

    model_config = ConfigDict(frozen=True)

    subject: str = Field(description="Stable id of the caller: `key:<id>`, `user:<sub>`, ...")
    tenant_id: UUID | None = None
    employee_id: UUID | None = Field(
        default=None, description="The employee record the caller is, when the caller is a person."
    )
    roles: frozenset[Role] = frozenset()
    expires_at: datetime | None = None

    def has_any(self, *roles: Role) -> bool:
        """True when the caller holds at least one of `roles`."""
        return not self.roles.isdisjoint(roles)


class IdentityRead(BaseModel):
    """The caller as a service sees it (`GET /api/v1/<service>/me`)."""

    service: str
    subject: str
    tenant_id: UUID | None
    employee_id: UUID | None
    roles: list[Role]
