"""Tables of the organisation: units, positions (posts), employees and their placements."""

import uuid
from datetime import date

from sqlalchemy import ForeignKeyConstraint, Index, UniqueConstraint
from sqlmodel import Field

from strata_contracts.goals.vocabulary import EmployeeStatus
from strata_goals.models import GoalsModel, enum_column


class OrgUnit(GoalsModel, table=True):
    """The enterprise (the one unit without a parent) and its nested departments."""

    __tablename__ = "org_unit"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "parent_id"], ["org_unit.tenant_id", "org_unit.id"]),
        UniqueConstraint("tenant_id", "external_id"),
        UniqueConstraint("tenant_id", "code"),
        Index(None, "tenant_id", "parent_id"),
    )

    name: str = Field(max_length=200)
    code: str | None = Field(default=None, max_length=64)
    external_id: str | None = Field(default=None, max_length=128)
    parent_id: uuid.UUID | None = None


class Position(GoalsModel, table=True):
    """A post in a unit; the KPIs of the post level hang on it."""

    __tablename__ = "position"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "org_unit_id"], ["org_unit.tenant_id", "org_unit.id"]),
        UniqueConstraint("tenant_id", "external_id"),
        UniqueConstraint("tenant_id", "code"),
        Index(None, "tenant_id", "org_unit_id"),
    )

    title: str = Field(max_length=200)
    org_unit_id: uuid.UUID
    code: str | None = Field(default=None, max_length=64)
    external_id: str | None = Field(default=None, max_length=128)


class Employee(GoalsModel, table=True):
    """A person, placed in a unit and position, reporting to a manager."""

    __tablename__ = "employee"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "org_unit_id"], ["org_unit.tenant_id", "org_unit.id"]),
        ForeignKeyConstraint(["tenant_id", "position_id"], ["position.tenant_id", "position.id"]),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["employee.tenant_id", "employee.id"]),
        UniqueConstraint("tenant_id", "external_id"),
        Index(None, "tenant_id", "manager_id"),
        Index(None, "tenant_id", "org_unit_id"),
        Index(None, "tenant_id", "position_id"),
        Index(None, "tenant_id", "updated_at"),
    )

    external_id: str | None = Field(default=None, max_length=128)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    """None: provisioned over SCIM without an e-mail address (RFC 7643 requires only a
    userName)."""
    org_unit_id: uuid.UUID
    position_id: uuid.UUID | None = None
    manager_id: uuid.UUID | None = None
    status: EmployeeStatus = Field(
        default=EmployeeStatus.ACTIVE, sa_type=enum_column(EmployeeStatus)
    )
    hire_date: date | None = None


class EmployeePlacement(GoalsModel, table=True):
    """One period of an employee's placement; a move closes one and opens the next, so the
    history of units, positions and managers is never overwritten."""

    __tablename__ = "employee_placement"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "employee_id"], ["employee.tenant_id", "employee.id"]),
        ForeignKeyConstraint(["tenant_id", "org_unit_id"], ["org_unit.tenant_id", "org_unit.id"]),
        ForeignKeyConstraint(["tenant_id", "position_id"], ["position.tenant_id", "position.id"]),
        ForeignKeyConstraint(["tenant_id", "manager_id"], ["employee.tenant_id", "employee.id"]),
        Index(None, "tenant_id", "employee_id", "valid_from"),
    )

    employee_id: uuid.UUID
    org_unit_id: uuid.UUID
    position_id: uuid.UUID | None = None
    manager_id: uuid.UUID | None = None
    valid_from: date
    valid_to: date | None = None
