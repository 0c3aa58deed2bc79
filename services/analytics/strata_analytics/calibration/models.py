import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field

from strata_analytics.models import SCORE, AnalyticsModel
from strata_kit.db import UtcDateTime


class CalibrationSession(AnalyticsModel, table=True):
    __tablename__ = "calibration_session"

    name: str = Field(max_length=200)
    cycle_id: uuid.UUID = Field(index=True)
    org_unit_id: uuid.UUID | None = None
    status: str = Field(default="open", max_length=16)
    guideline: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    finalised_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    finalised_by: str | None = Field(default=None, max_length=200)


class CalibrationEntry(AnalyticsModel, table=True):
    """One result under review: its raw values as the session found them and, once
    adjusted, the calibrated ones with the reason."""

    __tablename__ = "calibration_entry"
    __table_args__ = (UniqueConstraint("tenant_id", "session_id", "employee_id"),)

    session_id: uuid.UUID
    employee_id: uuid.UUID
    cycle_id: uuid.UUID
    raw_overall: Decimal | None = Field(default=None, sa_type=SCORE)
    raw_band: str | None = Field(default=None, max_length=32)
    calibrated_overall: Decimal | None = Field(default=None, sa_type=SCORE)
    calibrated_band: str | None = Field(default=None, max_length=32)
    reason: str | None = Field(default=None, max_length=2000)
    adjusted_by: str | None = Field(default=None, max_length=200)
    adjusted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
