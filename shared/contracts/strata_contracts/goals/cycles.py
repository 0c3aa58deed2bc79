"""Performance cycles: cadence, dates and the phases planning → coaching → assessment →
feedback → closed, each transition behind a gate; closed cycles are frozen."""

from datetime import date, datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from strata_contracts._base import Reason
from strata_contracts.goals.vocabulary import Cadence, CyclePhase


class CycleCreate(BaseModel):
    """A new cycle, in planning. `ends_on` follows from the cadence (a monthly cycle starting
    on 1 March ends on 31 March); a custom cadence must give it."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    cadence: Cadence
    starts_on: date
    ends_on: date | None = Field(default=None, description="Last day; required when custom.")
    allow_overlap: bool = Field(
        default=False,
        description=(
            "A cycle covers the whole tenant, so one overlapping another of the same cadence "
            "is refused (409) unless allowed here, with `overlap_reason` (kept in the audit). "
            "Cycles of different cadences (a monthly KPI cycle inside an annual one) may overlap."
        ),
    )
    overlap_reason: Reason | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError("ends_on must not be before starts_on")
        if self.allow_overlap and self.overlap_reason is None:
            raise ValueError("allowing an overlap needs overlap_reason")
        return self


class CycleUpdate(BaseModel):
    """Rename a cycle (dates and phase change only through their own rules)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class CycleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    name: str
    cadence: Cadence
    starts_on: date
    ends_on: date
    phase: CyclePhase
    phase_changed_at: datetime
    created_at: datetime
    updated_at: datetime


class PhaseTransition(BaseModel):
    """Move a cycle to the next phase. A gate that blocks (e.g. unsigned plans before
    assessment) can be overridden by HR only, with a reason."""

    model_config = ConfigDict(extra="forbid")

    to_phase: CyclePhase = Field(description="The phase right after the current one.")
    override: bool = Field(default=False, description="Pass a blocking gate (HR, with reason).")
    reason: Reason | None = None

    @model_validator(mode="after")
    def _override_needs_reason(self) -> Self:
        if self.override and self.reason is None:
            raise ValueError("an override needs a reason")
        return self


class CycleReopen(BaseModel):
    """Reopen a closed cycle (HR, audited): results can change again until it closes."""

    model_config = ConfigDict(extra="forbid")

    to_phase: Literal[CyclePhase.ASSESSMENT, CyclePhase.FEEDBACK] = CyclePhase.ASSESSMENT
    reason: Reason


class GateFinding(BaseModel):
    """What a gate found on the way to a phase (blocking unless overridden)."""

    code: str = Field(description="`unsigned_plans`, `missing_actuals`, ...")
    detail: str
    count: int
    plan_ids: list[UUID] = Field(description="The plans concerned (at most 100).")


class PhaseChangeRead(BaseModel):
    """One phase change of a cycle: who, when, from and to, and why."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    cycle_id: UUID
    from_phase: CyclePhase
    to_phase: CyclePhase
    reopened: bool
    override: bool
    reason: str | None
    findings: list[GateFinding] = Field(description="What the gate found (overridden ones).")
    actor: str
    actor_employee_id: UUID | None
    created_at: datetime
