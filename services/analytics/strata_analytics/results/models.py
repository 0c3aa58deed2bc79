import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field

from strata_analytics.models import SCORE, WEIGHT, AnalyticsModel


class ResultPolicy(AnalyticsModel, table=True):
    """Weights and bands of a tenant (`scope` = `default`) or of one 360 template
    (`scope` = `template:<id>`)."""

    __tablename__ = "result_policy"
    __table_args__ = (UniqueConstraint("tenant_id", "scope"),)

    scope: str = Field(max_length=64)
    template_id: uuid.UUID | None = None
    kpi_weight: Decimal = Field(sa_type=WEIGHT)
    competency_weight: Decimal = Field(sa_type=WEIGHT)
    bands: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)


class OverallResult(AnalyticsModel, table=True):
    """An employee's result for a cycle: recomputed whenever an input changes, until a
    finalised calibration locks it."""

    __tablename__ = "overall_result"
    __table_args__ = (
        UniqueConstraint("tenant_id", "employee_id", "cycle_id"),
        Index(None, "tenant_id", "cycle_id"),
        Index(None, "tenant_id", "updated_at"),
    )

    employee_id: uuid.UUID
    cycle_id: uuid.UUID
    plan_id: uuid.UUID | None = None
    plan_score: Decimal | None = Field(default=None, sa_type=SCORE)
    plan_provisional: bool = False
    campaign_id: uuid.UUID | None = None
    competency_mean: Decimal | None = Field(default=None, sa_type=SCORE)
    competency_score: Decimal | None = Field(default=None, sa_type=SCORE)
    policy_scope: str = Field(default="default", max_length=64)
    kpi_weight: Decimal = Field(sa_type=WEIGHT)
    competency_weight: Decimal = Field(sa_type=WEIGHT)
    bands: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    overall: Decimal | None = Field(default=None, sa_type=SCORE)
    band: str | None = Field(default=None, max_length=32)
    calibrated_overall: Decimal | None = Field(default=None, sa_type=SCORE)
    calibrated_band: str | None = Field(default=None, max_length=32)
    calibration_session_id: uuid.UUID | None = None
    locked: bool = False
