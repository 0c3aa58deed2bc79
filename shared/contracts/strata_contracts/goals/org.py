"""The organisation: org units (enterprise → departments), positions (posts), employees and
reporting lines. Other services refer to employees by id and read them through `GoalsClient`.

The HRIS path upserts by `external_id` (the HRIS's own key) in bulk; references between
upserted rows may use the HRIS keys too (`parent_external_id`, `manager_external_id`, ...).
"""

from datetime import date, datetime
from typing import Annotated, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from strata_contracts._base import Code, Email, Name
from strata_contracts.goals.vocabulary import EmployeeStatus, Level

ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]

MAX_BULK_ITEMS = 10_000


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    created_at: datetime
    updated_at: datetime


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- org units ---------------------------------------------------------------------------


class OrgUnitCreate(_Strict):
    """A unit of the organisation. The one unit without a parent is the enterprise."""

    name: Name
    code: Code | None = Field(default=None, description="Short code, unique in the tenant.")
    external_id: ExternalId | None = Field(default=None, description="The HRIS's key.")
    parent_id: UUID | None = Field(
        default=None, description="Parent unit; absent only for the enterprise (root) unit."
    )


class OrgUnitUpdate(_Strict):
    """Change a unit; every field optional. A new `parent_id` moves the unit (no cycles)."""

    name: Name | None = None
    code: Code | None = None
    external_id: ExternalId | None = None
    parent_id: UUID | None = None


class OrgUnitRead(_Read):
    name: str
    code: str | None
    external_id: str | None
    parent_id: UUID | None
    level: Level = Field(description="`enterprise` for the root unit, else `department`.")


class OrgUnitUpsert(_Strict):
    """One unit of a bulk upsert, keyed by the HRIS's `external_id`."""

    external_id: ExternalId
    name: Name
    code: Code | None = None
    parent_external_id: ExternalId | None = Field(
        default=None, description="The parent's HRIS key; absent for the enterprise unit."
    )


class OrgUnitBulkUpsert(_Strict):
    items: list[OrgUnitUpsert] = Field(min_length=1, max_length=MAX_BULK_ITEMS)


# --- positions ---------------------------------------------------------------------------


class PositionCreate(_Strict):
    """A post in a unit (e.g. "Sales representative"); many employees may hold it."""

    title: Name
    org_unit_id: UUID
    code: Code | None = None
    external_id: ExternalId | None = None


class PositionUpdate(_Strict):
    title: Name | None = None
    org_unit_id: UUID | None = None
    code: Code | None = None
    external_id: ExternalId | None = None


class PositionRead(_Read):
    title: str
    org_unit_id: UUID
    code: str | None
    external_id: str | None


class PositionUpsert(_Strict):
    """One position of a bulk upsert, keyed by the HRIS's `external_id`."""

    external_id: ExternalId
    title: Name
    org_unit_external_id: ExternalId
    code: Code | None = None


class PositionBulkUpsert(_Strict):
    items: list[PositionUpsert] = Field(min_length=1, max_length=MAX_BULK_ITEMS)


# --- employees ---------------------------------------------------------------------------


class EmployeeCreate(_Strict):
    """A person of the tenant, placed in a unit and (optionally) a position, under a manager."""

    external_id: ExternalId | None = Field(default=None, description="The HRIS's key.")
    name: Name
    email: Email | None = Field(
        default=None,
        description="The work e-mail address; a person provisioned without one (SCIM allows "
        "it) has none.",
    )
    org_unit_id: UUID
    position_id: UUID | None = None
    manager_id: UUID | None = Field(default=None, description="An employee of the same tenant.")
    status: EmployeeStatus = EmployeeStatus.ACTIVE
    hire_date: date | None = None


class EmployeeUpdate(_Strict):
    """Change an employee; every field optional. A change of unit, position or manager is a
    move: the previous placement stays in the employee's history."""

    external_id: ExternalId | None = None
    name: Name | None = None
    email: Email | None = None
    org_unit_id: UUID | None = None
    position_id: UUID | None = None
    manager_id: UUID | None = None
    status: EmployeeStatus | None = None
    hire_date: date | None = None
    effective_on: date | None = Field(
        default=None, description="When a move takes effect (default: today, UTC)."
    )


class EmployeeRead(_Read):
    external_id: str | None
    name: str
    email: str | None
    org_unit_id: UUID
    position_id: UUID | None
    manager_id: UUID | None
    status: EmployeeStatus
    hire_date: date | None


class EmployeeUpsert(_Strict):
    """One employee of a bulk upsert, keyed by `external_id`. Each reference is given either
    by Strata id or by HRIS key (not both); HRIS keys may point at rows of the same batch."""

    external_id: ExternalId
    name: Name
    email: Email
    org_unit_id: UUID | None = None
    org_unit_external_id: ExternalId | None = None
    position_id: UUID | None = None
    position_external_id: ExternalId | None = None
    manager_id: UUID | None = None
    manager_external_id: ExternalId | None = None
    status: EmployeeStatus = EmployeeStatus.ACTIVE
    hire_date: date | None = None

    @model_validator(mode="after")
    def _one_reference_each(self) -> Self:
        if (self.org_unit_id is None) == (self.org_unit_external_id is None):
            raise ValueError("give exactly one of org_unit_id and org_unit_external_id")
        if self.position_id is not None and self.position_external_id is not None:
            raise ValueError("give at most one of position_id and position_external_id")
        if self.manager_id is not None and self.manager_external_id is not None:
            raise ValueError("give at most one of manager_id and manager_external_id")
        return self


class EmployeeBulkUpsert(_Strict):
    items: list[EmployeeUpsert] = Field(min_length=1, max_length=MAX_BULK_ITEMS)


class BulkUpsertResult(BaseModel):
    """What a bulk upsert did, and the Strata id of every external id it was given."""

    created: int
    updated: int
    unchanged: int
    ids: dict[str, UUID] = Field(description="`external_id` → Strata id, for every item.")


class EmployeePlacementRead(BaseModel):
    """One period of an employee's placement (unit, position, manager): their history."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    employee_id: UUID
    org_unit_id: UUID
    position_id: UUID | None
    manager_id: UUID | None
    valid_from: date
    valid_to: date | None = Field(description="Last day of the placement; absent while current.")
    created_at: datetime
