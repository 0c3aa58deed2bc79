"""Plans and performance agreements, check-ins, actuals and scores.

A plan belongs to one employee for one cycle. Every proposal (the employee's, the
manager's revision) is a new numbered version; both sign a version and that version becomes
the performance agreement. Items keep a stable `key` across versions, so actuals and
check-ins follow an indicator through revisions.

Scores are fractions (1 = 100 %), weights are percents; both are decimals sent as strings.
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from strata_contracts._base import Measure, Name, Note, Percent, Reason
from strata_contracts.goals.calc import IndicatorScore, PlanScore
from strata_contracts.goals.strategy import ScoringParameters, ScoringParametersRead
from strata_contracts.goals.vocabulary import CyclePhase, Perspective

MAX_ITEMS = 30


class PlanStatus(StrEnum):
    DRAFT = "draft"
    """The current version is not signed by both sides (yet, or again after a change)."""
    SIGNED = "signed"
    """Both sides signed the current version: it is the performance agreement."""


class SignerRole(StrEnum):
    EMPLOYEE = "employee"
    MANAGER = "manager"


# --- plan versions -------------------------------------------------------------------------


class PlanItemInput(ScoringParameters):
    """One indicator of a proposed version. With `indicator_id`, every parameter not given
    is copied from that indicator of the cascade; without it, `name` and `perspective` are
    required (an indicator the employee proposes). `key` names the item of an earlier
    version this one revises."""

    key: UUID | None = None
    indicator_id: UUID | None = None
    name: Name | None = None
    perspective: Perspective | None = None
    weight: Percent


class PlanCreate(BaseModel):
    """Open an employee's plan for a cycle. Without `items`, version 1 is drafted from the
    indicators and default weights of the employee's position."""

    model_config = ConfigDict(extra="forbid")

    employee_id: UUID
    cycle_id: UUID
    items: list[PlanItemInput] | None = Field(default=None, max_length=MAX_ITEMS)
    note: Note | None = None


class PlanVersionCreate(BaseModel):
    """Propose a new version (the employee proposes, the manager revises). `base_version`
    is the version the proposal starts from: a stale one is refused (409)."""

    model_config = ConfigDict(extra="forbid")

    base_version: int = Field(ge=1)
    items: list[PlanItemInput] = Field(max_length=MAX_ITEMS)
    note: Note | None = None
    reason: Reason | None = Field(
        default=None, description="Required to change weights once the cycle left planning."
    )


class ItemWeight(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: UUID
    weight: Percent


class PlanWeightsSet(BaseModel):
    """New weights for the items of the current version (a new version). Once the cycle
    left planning only HR may do this, with a reason; the change is audited."""

    model_config = ConfigDict(extra="forbid")

    base_version: int = Field(ge=1)
    items: list[ItemWeight] = Field(min_length=1, max_length=MAX_ITEMS)
    reason: Reason | None = None


class PlanItemRead(ScoringParametersRead):
    key: UUID
    indicator_id: UUID | None
    name: str
    perspective: Perspective
    weight: Decimal


class SignatureRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    role: SignerRole
    signer: str = Field(description="Subject of the signer.")
    signer_employee_id: UUID | None
    signed_at: datetime


class PlanVersionRead(BaseModel):
    number: int
    author: str
    author_employee_id: UUID | None
    note: str | None
    reason: str | None
    created_at: datetime
    items: list[PlanItemRead]
    signatures: list[SignatureRead]


class PlanSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    employee_id: UUID
    cycle_id: UUID
    status: PlanStatus
    current_version: int
    agreed_version: int | None = Field(description="The version both signed last, if any.")
    agreed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PlanRead(PlanSummary):
    current: PlanVersionRead


class PlanSign(BaseModel):
    """Sign a version: the plan's employee signs as employee, their manager as manager."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, description="The version signed: must be the current one.")


class AgreementRead(BaseModel):
    """The performance agreement: the version both signed, who signed and when."""

    plan_id: UUID
    employee_id: UUID
    cycle_id: UUID
    version: int
    employee_signature: SignatureRead
    manager_signature: SignatureRead
    agreed_at: datetime
    superseded: bool = Field(description="A newer version awaits signatures.")
    items: list[PlanItemRead]


# --- check-ins -----------------------------------------------------------------------------


class CheckInProgress(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: UUID = Field(description="The plan item.")
    value: Measure | None = Field(default=None, description="Where the indicator stands now.")
    on_track: bool | None = None
    note: Note | None = None


class CheckInCreate(BaseModel):
    """A coaching check-in: progress per indicator, obstacles, the supervisor's guidance."""

    model_config = ConfigDict(extra="forbid")

    held_on: date | None = Field(default=None, description="Default: today (UTC).")
    progress: list[CheckInProgress] = Field(default_factory=list, max_length=MAX_ITEMS)
    obstacles: Note | None = None
    guidance: Note | None = None
    summary: Note | None = None


class CheckInRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    plan_id: UUID
    held_on: date
    author: str
    author_employee_id: UUID | None
    progress: list[CheckInProgress]
    obstacles: str | None
    guidance: str | None
    summary: str | None
    created_at: datetime


class OverdueCheckIn(BaseModel):
    employee_id: UUID
    employee_name: str
    manager_id: UUID | None
    plan_id: UUID
    cycle_id: UUID
    last_check_in_on: date | None
    days_since: int | None = Field(description="Days since the last check-in; None if never.")


# --- actuals and scores --------------------------------------------------------------------


class ActualCreate(BaseModel):
    """An actual value (quantitative) or chosen level (qualitative) for one plan item."""

    model_config = ConfigDict(extra="forbid")

    key: UUID = Field(description="The plan item.")
    value: Measure | None = None
    level: int | None = None
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    measured_on: date | None = Field(default=None, description="Default: today (UTC).")
    note: Note | None = None

    @model_validator(mode="after")
    def _value_or_level(self) -> Self:
        if (self.value is None) == (self.level is None):
            raise ValueError("give exactly one of value and level")
        return self


class ActualCorrection(BaseModel):
    """Correct the actual in force of a plan item, e.g. as an upheld appeal decided (HR or
    admin, from coaching to feedback, with a reason). A new actual replaces it (the corrected
    one is kept); `before`, when given, must be its current value or level (else 409)."""

    model_config = ConfigDict(extra="forbid")

    value: Measure | None = None
    level: int | None = None
    before: Measure | None = Field(
        default=None, description="The value (or level) as the caller believes it stands."
    )
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
    appeal_id: UUID | None = Field(default=None, description="The feedback appeal, if one.")
    change_request_id: UUID | None = Field(
        default=None, description="The feedback change request it applies, if one."
    )

    @model_validator(mode="after")
    def _value_or_level(self) -> Self:
        if (self.value is None) == (self.level is None):
            raise ValueError("give exactly one of value and level")
        return self


class ActualRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    plan_id: UUID
    key: UUID
    value: Decimal | None
    level: int | None
    source: str
    measured_on: date
    note: str | None
    recorded_by: str
    created_at: datetime


class ActualBulkItem(BaseModel):
    """One actual of a bulk load, located by employee and cascade indicator."""

    model_config = ConfigDict(extra="forbid")

    employee_id: UUID | None = None
    employee_external_id: Annotated[str, StringConstraints(max_length=128)] | None = None
    indicator_id: UUID | None = None
    indicator_code: Annotated[str, StringConstraints(max_length=64)] | None = None
    value: Measure | None = None
    level: int | None = None
    measured_on: date | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _references(self) -> Self:
        if (self.employee_id is None) == (self.employee_external_id is None):
            raise ValueError("give exactly one of employee_id and employee_external_id")
        if (self.indicator_id is None) == (self.indicator_code is None):
            raise ValueError("give exactly one of indicator_id and indicator_code")
        if (self.value is None) == (self.level is None):
            raise ValueError("give exactly one of value and level")
        return self


class ActualBulkCreate(BaseModel):
    """Actuals for many employees of one cycle (the data-source path); all or nothing."""

    model_config = ConfigDict(extra="forbid")

    cycle_id: UUID
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    items: list[ActualBulkItem] = Field(min_length=1, max_length=10_000)


class ActualBulkResult(BaseModel):
    recorded: int
    ids: list[UUID]


class PlanScoreRead(BaseModel):
    """A plan's weighted score. In `score`, each item carries its plan item `key` and its real
    `indicator_id` (None for an item proposed without an indicator)."""

    plan_id: UUID
    employee_id: UUID
    cycle_id: UUID
    version: int
    agreed: bool = Field(description="False when scored on an unsigned version.")
    score: PlanScore


class ExplainedItem(BaseModel):
    key: UUID
    indicator_id: UUID | None
    name: str
    perspective: Perspective
    weight: Decimal
    parameters: ScoringParametersRead
    actual: ActualRead | None = Field(description="The latest actual; None if none yet.")
    actuals_recorded: int = Field(description="How many actuals were ever recorded.")
    score: IndicatorScore | None = Field(description="Every step from actual to score.")


class PlanExplanation(BaseModel):
    """How an employee's score for a cycle was computed, every step shown: which version
    was scored, each item's parameters, actual and scoring steps, then the weighted total
    (in `plan_score`, each item carries its plan item `key` and its real `indicator_id`)."""

    employee_id: UUID
    employee_name: str
    cycle_id: UUID
    cycle_name: str
    phase: CyclePhase
    plan_id: UUID
    version: int
    agreed: bool
    items: list[ExplainedItem]
    plan_score: PlanScore
