"""Overall results: the KPI plan score and the 360 competency score combined by weights,
mapped to rating bands, explained step by step; rollups per department, enterprise,
scorecard perspective and along the strategy cascade.

Scores are fractions (1 = 100 %) as `Decimal` with 4 places; weights are percents.
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from strata_contracts._base import BandCode, Name, Percent

Fraction = Annotated[Decimal, Field(ge=0, le=10, max_digits=8, decimal_places=4)]


class RatingBand(BaseModel):
    """Results from `min_score` (inclusive) up to the next band's `min_score` get this band."""

    model_config = ConfigDict(extra="forbid")

    code: BandCode
    label: Name
    min_score: Fraction = Field(description="Lowest overall score of the band, fraction.")


class ResultPolicyWrite(BaseModel):
    """How results are combined and banded, for the tenant or for one 360 template.
    The two weights total 100; bands ascend by `min_score`, the first starting at 0."""

    model_config = ConfigDict(extra="forbid")

    kpi_weight: Percent
    competency_weight: Percent
    bands: list[RatingBand] = Field(min_length=1, max_length=12)


class ResultPolicyRead(BaseModel):
    scope: Literal["default", "template"]
    template_id: UUID | None
    kpi_weight: Decimal
    competency_weight: Decimal
    bands: list[RatingBand]
    built_in: bool = Field(description="True when no policy was set: the defaults apply.")
    updated_at: datetime | None


class OverallResultRead(BaseModel):
    id: UUID
    employee_id: UUID
    employee_name: str | None
    org_unit_id: UUID | None
    cycle_id: UUID
    plan_id: UUID | None
    plan_score: Decimal | None = Field(description="Weighted KPI achievement, fraction.")
    plan_provisional: bool = Field(description="Some agreed indicator has no actual yet.")
    campaign_id: UUID | None
    competency_mean: Decimal | None = Field(description="360 mean on the rating scale.")
    competency_score: Decimal | None = Field(description="The 360 mean rescaled, fraction.")
    kpi_weight: Decimal = Field(description="Weight applied to the plan score, percent.")
    competency_weight: Decimal = Field(description="Weight applied to the 360 score, percent.")
    overall: Decimal | None = Field(description="The combined score (raw), fraction.")
    band: str | None = Field(description="The band of the raw score.")
    calibrated_overall: Decimal | None
    calibrated_band: str | None
    final_overall: Decimal | None = Field(description="Calibrated when calibrated, else raw.")
    final_band: str | None
    complete: bool = Field(
        description="Every part the policy weighs is present (plan score and 360 score); "
        "pay, bonus and promotion runs use only complete results by default."
    )
    locked: bool = Field(description="A finalised calibration fixed this result.")
    calibration_session_id: UUID | None
    updated_at: datetime


class ExplanationStep(BaseModel):
    description: str
    formula: str | None = None
    values: dict[str, Decimal | str | None] = Field(default_factory=dict)
    result: Decimal | str | None = None


class PlanItemPart(BaseModel):
    key: UUID
    indicator_id: UUID | None
    name: str
    perspective: str
    weight: Decimal | None
    score: Decimal | None
    contribution: Decimal | None = Field(description="weight * score / scored weight.")


class PlanPart(BaseModel):
    plan_id: UUID
    signed_version: int | None
    items: list[PlanItemPart]
    scored_weight: Decimal
    total_weight: Decimal
    score: Decimal | None


class CompetencyPart(BaseModel):
    key: str
    name: str
    ratings: int
    mean: Decimal


class WithheldGroupRead(BaseModel):
    relationship: str
    reason: str


class CompetencyScorePart(BaseModel):
    campaign_id: UUID
    anonymity_threshold: int
    competencies: list[CompetencyPart]
    withheld_groups: list[WithheldGroupRead] = Field(
        description="Groups left out because reviews suppresses them (no figures)."
    )
    mean: Decimal | None
    scale_min: int | None
    scale_max: int | None
    score: Decimal | None


class ResultExplanation(BaseModel):
    """Every step from the inputs to the band."""

    result: OverallResultRead
    plan: PlanPart | None
    competencies: CompetencyScorePart | None
    bands: list[RatingBand]
    steps: list[ExplanationStep]


class BandCount(BaseModel):
    band: str
    count: int


class GroupRollup(BaseModel):
    """Results of a group of employees (a department, the enterprise)."""

    org_unit_id: UUID | None
    name: str
    employees: int = Field(description="Employees with a result in the cycle.")
    mean_overall: Decimal | None = Field(description="Mean final overall score, fraction.")
    mean_plan_score: Decimal | None
    mean_competency_score: Decimal | None
    bands: list[BandCount] = Field(description="Final bands, in the policy's order.")


class PerspectiveRollup(BaseModel):
    """Σ weight * score / Σ scored weight over the agreed indicators of one perspective."""

    perspective: str
    attainment: Decimal | None
    scored_weight: Decimal
    indicators: int


class StrategyNode(BaseModel):
    """An objective or indicator of the cascade with its attainment: a post indicator's is
    the mean score of the plans that carry it; a parent's is Σ contribution * attainment /
    Σ contribution over the children that have one."""

    kind: Literal["objective", "indicator"]
    id: UUID
    name: str
    level: str
    perspective: str
    attainment: Decimal | None
    measured_children: int
    children: list["StrategyNode"] = Field(default_factory=list)
