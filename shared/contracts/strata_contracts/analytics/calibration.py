"""Calibration sessions: a population's results reviewed against a guideline distribution,
adjusted with a mandatory reason (raw and calibrated values both kept), then finalised,
which locks the results and publishes `analytics.calibration.finalised`."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from strata_contracts._base import Name, Reason

CALIBRATION_FINALISED = "analytics.calibration.finalised"


class GuidelineShare(BaseModel):
    model_config = ConfigDict(extra="forbid")

    band: str = Field(min_length=1, max_length=32)
    share: Annotated[Decimal, Field(gt=0, le=100, decimal_places=3)] = Field(
        description="Percent of the population the guideline expects in the band."
    )


class CalibrationSessionCreate(BaseModel):
    """A session over one cycle's results: the whole tenant or one org unit (and the units
    below it). The guideline lists every band of the policy; shares total 100."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    cycle_id: UUID
    org_unit_id: UUID | None = None
    guideline: list[GuidelineShare] = Field(min_length=2, max_length=12)


class AdjustmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employee_id: UUID
    calibrated_band: str = Field(min_length=1, max_length=32)
    calibrated_overall: Annotated[Decimal, Field(ge=0, le=10, decimal_places=4)] | None = Field(
        default=None,
        description="Within the calibrated band's range, or omitted: the raw overall clamped "
        "into the band (its floor from below, its highest 4-place score from above).",
    )
    reason: Reason


class CalibrationEntryRead(BaseModel):
    employee_id: UUID
    employee_name: str | None
    raw_overall: Decimal | None
    raw_band: str | None
    calibrated_overall: Decimal | None
    calibrated_band: str | None
    final_band: str | None
    reason: str | None
    adjusted_by: str | None
    adjusted_at: datetime | None


class BandDistribution(BaseModel):
    band: str
    raw: int
    calibrated: int
    guideline_share: Decimal
    expected: float = Field(description="Population size * guideline share.")
    deviation: float = Field(description="Calibrated count - expected.")


class CalibrationSessionRead(BaseModel):
    id: UUID
    name: str
    cycle_id: UUID
    org_unit_id: UUID | None
    status: Literal["open", "finalised"]
    guideline: list[GuidelineShare]
    entries: list[CalibrationEntryRead]
    distribution: list[BandDistribution]
    chi_square: float | None = Field(description="Goodness of fit of the calibrated bands.")
    p_value: float | None
    small_expected: bool = Field(description="Some expected count is below 5: guidance only.")
    finalised_at: datetime | None
    finalised_by: str | None
    created_at: datetime
    updated_at: datetime


class FinalisedResult(BaseModel):
    employee_id: UUID
    raw_band: str | None
    final_band: str | None
    final_overall: Decimal | None
    adjusted: bool


class CalibrationFinalised(BaseModel):
    """`analytics.calibration.finalised`: these results are final for the cycle."""

    session_id: UUID
    cycle_id: UUID
    org_unit_id: UUID | None
    finalised_at: datetime
    results: list[FinalisedResult]
