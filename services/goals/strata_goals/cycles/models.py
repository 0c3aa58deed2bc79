"""Tables of cycles and their phase changes."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKeyConstraint, Index
from sqlmodel import Field

from strata_contracts.goals.vocabulary import Cadence, CyclePhase
from strata_goals.models import GoalsModel, enum_column
from strata_kit.db import UtcDateTime, utcnow


class Cycle(GoalsModel, table=True):
    __tablename__ = "cycle"
    __table_args__ = (Index(None, "tenant_id", "starts_on"),)

    name: str = Field(max_length=200)
    cadence: Cadence = Field(sa_type=enum_column(Cadence))
    starts_on: date
    ends_on: date
    phase: CyclePhase = Field(default=CyclePhase.PLANNING, sa_type=enum_column(CyclePhase))
    phase_changed_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class CyclePhaseChange(GoalsModel, table=True):
    """Every phase change, with who, why, and what the gate found (append only)."""

    __tablename__ = "cycle_phase_change"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "cycle_id"], ["cycle.tenant_id", "cycle.id"]),
        Index(None, "tenant_id", "cycle_id"),
    )

    cycle_id: uuid.UUID
    from_phase: CyclePhase = Field(sa_type=enum_column(CyclePhase))
    to_phase: CyclePhase = Field(sa_type=enum_column(CyclePhase))
    reopened: bool = False
    override: bool = False
    reason: str | None = Field(default=None, max_length=2000)
    findings: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    actor: str = Field(max_length=200)
    actor_employee_id: uuid.UUID | None = None
