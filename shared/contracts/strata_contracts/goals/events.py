"""Payloads of the goals service's domain events (the `data` of an `EventEnvelope`).

| type | subject | data |
| --- | --- | --- |
| `goals.org_unit.changed` | `org_unit/<id>` | `OrgUnitChanged` |
| `goals.position.changed` | `position/<id>` | `PositionChanged` |
| `goals.employee.upserted` | `employee/<id>` | `EmployeeUpserted` |
| `goals.objective.changed` | `objective/<id>` | `ObjectiveChanged` |
| `goals.indicator.changed` | `indicator/<id>` | `IndicatorChanged` |
| `goals.weights.changed` | `position/<id>` | `PostWeightsChanged` |
| `goals.cycle.phase_changed` | `cycle/<id>` | `CyclePhaseChanged` |
| `goals.cycle.renamed` | `cycle/<id>` | `CycleRenamed` |
| `goals.plan.version_proposed` | `plan/<id>` | `PlanVersionProposed` |
| `goals.plan.signed` | `plan/<id>` | `PlanSigned` |
| `goals.check_in.recorded` | `plan/<id>` | `CheckInRecorded` |
| `goals.actual.recorded` | `plan/<id>` | `ActualRecorded` |
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from strata_contracts.goals.org import EmployeeRead, OrgUnitRead, PositionRead
from strata_contracts.goals.strategy import IndicatorRead, ObjectiveRead
from strata_contracts.goals.vocabulary import CyclePhase, Perspective

Change = Literal["created", "updated"]


class OrgUnitChanged(BaseModel):
    """An org unit was created or changed (`goals.org_unit.changed`)."""

    change: Change
    org_unit: OrgUnitRead


class PositionChanged(BaseModel):
    """A position was created or changed (`goals.position.changed`)."""

    change: Change
    position: PositionRead


class EmployeeUpserted(BaseModel):
    """An employee was created or changed, by hand or by the HRIS (`goals.employee.upserted`)."""

    change: Change = Field(description="`created` or `updated`.")
    employee: EmployeeRead = Field(description="The employee after the change.")


class ObjectiveChanged(BaseModel):
    """A strategic objective was created or changed (`goals.objective.changed`)."""

    change: Change
    objective: ObjectiveRead


class IndicatorChanged(BaseModel):
    """An indicator of the cascade was created or changed, links included
    (`goals.indicator.changed`)."""

    change: Change
    indicator: IndicatorRead


class PostWeight(BaseModel):
    indicator_id: UUID
    weight: Decimal


class PostWeightsChanged(BaseModel):
    """A post's indicator weights were set (`goals.weights.changed`)."""

    position_id: UUID
    method: Literal["direct", "ahp"]
    weights: list[PostWeight]
    reason: str | None


class CyclePhaseChanged(BaseModel):
    """A cycle moved to another phase, or was reopened (`goals.cycle.phase_changed`)."""

    cycle_id: UUID
    change_id: UUID = Field(description="The phase change record.")
    from_phase: CyclePhase
    to_phase: CyclePhase
    reopened: bool
    override: bool = Field(description="A blocking gate was overridden by HR.")
    reason: str | None
    name: str | None = Field(
        default=None, description="The cycle's name (absent from events before 2026-12)."
    )


class CycleRenamed(BaseModel):
    """A cycle's name changed (`goals.cycle.renamed`)."""

    cycle_id: UUID
    name: str


class PlanVersionProposed(BaseModel):
    """A new version of a plan awaits signatures (`goals.plan.version_proposed`)."""

    plan_id: UUID
    employee_id: UUID
    cycle_id: UUID
    version: int
    author: str


class SignedItem(BaseModel):
    """One indicator of a signed version, as it is scored: its plan item key, weight and
    perspective (consumers such as analytics weigh `goals.actual.recorded` scores by it)."""

    key: UUID
    indicator_id: UUID | None
    name: str
    perspective: Perspective
    weight: Decimal = Field(description="Percent; a version's weights total 100.")


class PlanSigned(BaseModel):
    """Both sides signed a version: the performance agreement (`goals.plan.signed`)."""

    plan_id: UUID
    employee_id: UUID
    cycle_id: UUID
    version: int
    employee_signed_by: str
    employee_signed_at: datetime
    manager_signed_by: str
    manager_signer_employee_id: UUID | None
    manager_signed_at: datetime
    items: list[SignedItem] = Field(
        default_factory=list, description="The signed version's indicators and weights."
    )


class CheckInRecorded(BaseModel):
    """A coaching check-in took place (`goals.check_in.recorded`)."""

    check_in_id: UUID
    plan_id: UUID
    employee_id: UUID
    cycle_id: UUID
    held_on: date
    author: str


class ActualRecorded(BaseModel):
    """An actual was recorded for a plan item, with the score it gives
    (`goals.actual.recorded`)."""

    actual_id: UUID
    plan_id: UUID
    employee_id: UUID
    cycle_id: UUID
    key: UUID = Field(description="The plan item.")
    indicator_id: UUID | None
    value: Decimal | None
    level: int | None
    source: str
    measured_on: date
    score: Decimal | None = Field(description="The item's score, fraction (1 = 100 %).")
    corrects_actual_id: UUID | None = Field(
        default=None, description="Set when this actual corrects one (e.g. an upheld appeal)."
    )
    appeal_id: UUID | None = Field(default=None, description="The appeal behind a correction.")
    change_request_id: UUID | None = Field(
        default=None, description="The feedback change request a correction applies."
    )
    reason: str | None = Field(default=None, description="Why the actual was corrected.")
