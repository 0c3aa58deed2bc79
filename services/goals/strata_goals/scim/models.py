"""The SCIM resources themselves: which employee or org unit each User or Group is, and what
the identity provider sent that Strata has no column for.

A SCIM resource is not the Strata row it provisions: deleting a User (RFC 7644 §3.6) deletes
its `scim_resource` row and leaves the employee (deactivated) with the plans, results and
reviews that hang on them; a later User is a new resource, linked to the kept employee only
when its `externalId` says so.
"""

import uuid
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field

from strata_goals.models import GoalsModel


class ScimResource(GoalsModel, table=True):
    """One SCIM User (an employee) or Group (an org unit) of a tenant."""

    __tablename__ = "scim_resource"
    __table_args__ = (
        # userName (User) and displayName (Group) are unique case-insensitively.
        UniqueConstraint("tenant_id", "resource_type", "name_key"),
        # an employee or unit is at most one live resource
        UniqueConstraint("tenant_id", "resource_type", "target_id"),
        Index(None, "tenant_id", "resource_type", "external_id"),
    )

    resource_type: str = Field(max_length=8)
    """`User` or `Group`."""
    target_id: uuid.UUID
    """The employee (User) or org unit (Group) the resource provisions."""
    name: str = Field(max_length=512)
    """userName or displayName, as sent."""
    name_key: str = Field(max_length=512)
    """`name` case-folded: what uniqueness is decided on."""
    external_id: str | None = Field(default=None, max_length=512)
    """The provider's externalId, as sent."""
    attributes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    """The resource as the provider last wrote it (minus id, meta and what Strata derives)."""


def name_key(name: str) -> str:
    return name.casefold()
