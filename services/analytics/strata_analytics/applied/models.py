import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKeyConstraint, Index, Numeric, UniqueConstraint
from sqlmodel import Field

from strata_analytics.models import MONEY, AnalyticsModel
from strata_kit.db import UtcDateTime

VALUE = Numeric(18, 4)
"""A recommendation's value: an amount, a 0/1 promotion flag or a competency gap."""
LEVEL = Numeric(10, 4)
"""A competency level on the 360 rating scale."""


class Compensation(AnalyticsModel, table=True):
    """An employee's base salary and salary-range midpoint (imported by HR; sensitive)."""

    __tablename__ = "compensation"
    __table_args__ = (
        UniqueConstraint("tenant_id", "employee_id"),
        Index(None, "tenant_id", "updated_at"),
    )

    employee_id: uuid.UUID
    base_salary: Decimal = Field(sa_type=MONEY)
    currency: str = Field(max_length=3)
    range_midpoint: Decimal = Field(sa_type=MONEY)


class MeritMatrix(AnalyticsModel, table=True):
    """Rating band * compa-ratio band → merit increase %, one per tenant (`scope` default)."""

    __tablename__ = "merit_matrix"
    __table_args__ = (UniqueConstraint("tenant_id", "scope"),)

    scope: str = Field(default="default", max_length=64)
    compa_ratio_bands: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    rows: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


class RecommendationRun(AnalyticsModel, table=True):
    """One computation of recommendations: its parameters and what it decided as a whole
    (budget, scale factor, spend, exclusions, promotion evidence)."""

    __tablename__ = "recommendation_run"
    __table_args__ = (
        Index(None, "tenant_id", "cycle_id"),
        Index(None, "tenant_id", "updated_at"),
    )

    kind: str = Field(max_length=16)
    cycle_id: uuid.UUID
    parameters: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    summary: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_by: str = Field(max_length=200)
    stale_reason: str | None = Field(default=None, max_length=2000)
    stale_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    rerun_of: uuid.UUID | None = None
    superseded_by: uuid.UUID | None = None


class Recommendation(AnalyticsModel, table=True):
    """One recommendation with its inputs: proposed, then accepted or overridden (with the
    reason and the new value)."""

    __tablename__ = "recommendation"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "run_id"], ["recommendation_run.tenant_id", "recommendation_run.id"]
        ),
        Index(None, "tenant_id", "run_id"),
        Index(None, "tenant_id", "employee_id"),
        Index(None, "tenant_id", "updated_at"),
    )

    run_id: uuid.UUID
    kind: str = Field(max_length=16)
    employee_id: uuid.UUID
    cycle_id: uuid.UUID
    status: str = Field(default="proposed", max_length=16)
    unit: str = Field(max_length=16)
    proposed_value: Decimal = Field(sa_type=VALUE)
    final_value: Decimal | None = Field(default=None, sa_type=VALUE)
    inputs: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    reason: str | None = Field(default=None, max_length=2000)
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    stale: bool = False
    stale_reason: str | None = Field(default=None, max_length=2000)
    superseded_by: uuid.UUID | None = None


class CompetencyRequirement(AnalyticsModel, table=True):
    """The level a tenant expects on one competency; below it is a training need."""

    __tablename__ = "competency_requirement"
    __table_args__ = (UniqueConstraint("tenant_id", "competency_key"),)

    competency_key: str = Field(max_length=64)
    required_level: Decimal = Field(sa_type=LEVEL)


class TrainingProgramme(AnalyticsModel, table=True):
    __tablename__ = "training_programme"

    name: str = Field(max_length=200)
    competency_key: str | None = Field(default=None, max_length=64)
    description: str | None = Field(default=None, max_length=4000)


class TrainingEnrolment(AnalyticsModel, table=True):
    """An employee on a programme; `completed_on` once they finished it."""

    __tablename__ = "training_enrolment"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "programme_id"],
            ["training_programme.tenant_id", "training_programme.id"],
        ),
        UniqueConstraint("tenant_id", "programme_id", "employee_id"),
    )

    programme_id: uuid.UUID
    employee_id: uuid.UUID
    completed_on: date | None = None
