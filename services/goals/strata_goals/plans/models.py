"""Tables of plans, their versions and items, signatures, check-ins and actuals."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKeyConstraint, Index, UniqueConstraint
from sqlmodel import Field

from strata_contracts.goals.plans import PlanStatus, SignerRole
from strata_contracts.goals.vocabulary import Perspective
from strata_goals.models import MEASURE, WEIGHT, GoalsModel, ScoringFields, enum_column
from strata_kit.db import UtcDateTime


class Plan(GoalsModel, table=True):
    """An employee's plan for a cycle."""

    __tablename__ = "plan"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "employee_id"], ["employee.tenant_id", "employee.id"]),
        ForeignKeyConstraint(["tenant_id", "cycle_id"], ["cycle.tenant_id", "cycle.id"]),
        UniqueConstraint("tenant_id", "cycle_id", "employee_id"),
        Index(None, "tenant_id", "employee_id"),
    )

    employee_id: uuid.UUID
    cycle_id: uuid.UUID
    status: PlanStatus = Field(default=PlanStatus.DRAFT, sa_type=enum_column(PlanStatus))
    current_version: int = 1
    agreed_version: int | None = None
    agreed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class PlanVersion(GoalsModel, table=True):
    """One proposal of a plan; never changed once a newer version exists or it is signed."""

    __tablename__ = "plan_version"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "plan_id"], ["plan.tenant_id", "plan.id"]),
        UniqueConstraint("tenant_id", "plan_id", "number"),
    )

    plan_id: uuid.UUID
    number: int
    author: str = Field(max_length=200)
    author_employee_id: uuid.UUID | None = None
    note: str | None = Field(default=None, max_length=4000)
    reason: str | None = Field(default=None, max_length=2000)


class PlanItem(ScoringFields, GoalsModel, table=True):
    """An indicator of a plan version, with its own copy of the scoring parameters."""

    __tablename__ = "plan_item"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "version_id"], ["plan_version.tenant_id", "plan_version.id"]
        ),
        ForeignKeyConstraint(["tenant_id", "plan_id"], ["plan.tenant_id", "plan.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "indicator_id"], ["indicator.tenant_id", "indicator.id"]
        ),
        UniqueConstraint("tenant_id", "version_id", "key"),
        Index(None, "tenant_id", "plan_id"),
        Index(None, "tenant_id", "indicator_id"),
    )

    plan_id: uuid.UUID
    version_id: uuid.UUID
    key: uuid.UUID = Field(description="Stable across versions of the plan.")
    indicator_id: uuid.UUID | None = None
    name: str = Field(max_length=200)
    perspective: Perspective = Field(sa_type=enum_column(Perspective))
    weight: Decimal = Field(sa_type=WEIGHT)
    ordinal: int = 0


class PlanSignature(GoalsModel, table=True):
    __tablename__ = "plan_signature"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "plan_id"], ["plan.tenant_id", "plan.id"]),
        UniqueConstraint("tenant_id", "plan_id", "plan_version", "role"),
    )

    plan_id: uuid.UUID
    plan_version: int = Field(description="The plan version signed.")
    role: SignerRole = Field(sa_type=enum_column(SignerRole))
    signer: str = Field(max_length=200)
    signer_employee_id: uuid.UUID | None = None
    signed_at: datetime = Field(sa_type=UtcDateTime)


class CheckIn(GoalsModel, table=True):
    __tablename__ = "check_in"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "plan_id"], ["plan.tenant_id", "plan.id"]),
        Index(None, "tenant_id", "plan_id", "held_on"),
    )

    plan_id: uuid.UUID
    held_on: date
    author: str = Field(max_length=200)
    author_employee_id: uuid.UUID | None = None
    progress: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    obstacles: str | None = Field(default=None, max_length=4000)
    guidance: str | None = Field(default=None, max_length=4000)
    summary: str | None = Field(default=None, max_length=4000)


class Actual(GoalsModel, table=True):
    """A measured value (or chosen level) of a plan item; the latest one counts, all kept."""

    __tablename__ = "actual"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "plan_id"], ["plan.tenant_id", "plan.id"]),
        Index(None, "tenant_id", "plan_id", "key"),
    )

    plan_id: uuid.UUID
    key: uuid.UUID
    value: Decimal | None = Field(default=None, sa_type=MEASURE)
    level: int | None = None
    source: str = Field(max_length=200)
    measured_on: date
    note: str | None = Field(default=None, max_length=4000)
    recorded_by: str = Field(max_length=200)
    recorded_by_employee_id: uuid.UUID | None = None
