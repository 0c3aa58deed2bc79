"""Strategy and the KPI cascade: enterprise objectives, department and post indicators linked
to their parents with contribution weights, reusable indicator templates, the cascade tree
and the coverage report.

Scores are fractions (1 = 100 %), weights are percents; both are decimals, sent as strings.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from strata_contracts._base import Code, Measure, Name, Note, Percent
from strata_contracts.goals.calc import RubricLevel, ValueBand
from strata_contracts.goals.vocabulary import (
    Direction,
    Frequency,
    IndicatorKind,
    Level,
    Perspective,
    ScoringMethod,
)

Contribution = Annotated[Decimal, Field(gt=0, le=100, max_digits=7, decimal_places=3)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    created_at: datetime
    updated_at: datetime


# --- objectives ----------------------------------------------------------------------------


class ObjectiveCreate(_Strict):
    """An enterprise strategic objective, e.g. "grow revenue 15 %" (financial)."""

    code: Code | None = Field(default=None, description="Short code, unique in the tenant.")
    title: Name
    description: Note | None = None
    perspective: Perspective
    starts_on: date | None = None
    ends_on: date | None = None
    active: bool = True


class ObjectiveUpdate(_Strict):
    code: Code | None = None
    title: Name | None = None
    description: Note | None = None
    perspective: Perspective | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    active: bool | None = None


class ObjectiveRead(_Read):
    code: str | None
    title: str
    description: str | None
    perspective: Perspective
    starts_on: date | None
    ends_on: date | None
    active: bool


# --- scoring parameters --------------------------------------------------------------------


class ScoringParameters(_Strict):
    """How an indicator is measured and scored (stored, so any score can be recomputed).

    Quantitative: `unit`, `direction`, `baseline`, `threshold` (minimum acceptable),
    `target`, `stretch`, or a target band (`band_low`..`band_high`, `band_tolerance`), or
    value `bands`. Qualitative: anchored `rubric` levels.
    """

    kind: IndicatorKind = IndicatorKind.QUANTITATIVE
    method: ScoringMethod | None = Field(
        default=None,
        description="Default: `rubric` for qualitative, `interpolation` for quantitative.",
    )
    unit: Annotated[str, StringConstraints(max_length=32)] | None = None
    direction: Direction | None = None
    baseline: Measure | None = None
    threshold: Measure | None = None
    target: Measure | None = None
    stretch: Measure | None = None
    band_low: Measure | None = None
    band_high: Measure | None = None
    band_tolerance: Measure | None = None
    threshold_score: Annotated[Decimal, Field(ge=0, le=1)] | None = Field(
        default=None, description="Score at the threshold, fraction (default 0.5)."
    )
    cap: Annotated[Decimal, Field(ge=0, le=10)] | None = Field(
        default=None, description="Maximum credit, fraction (default 1.2)."
    )
    bands: list[ValueBand] = Field(default_factory=list, max_length=50)
    rubric: list[RubricLevel] = Field(default_factory=list, max_length=20)
    frequency: Frequency = Frequency.MONTHLY
    data_source: Annotated[str, StringConstraints(max_length=200)] | None = None


class ScoringParametersRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: IndicatorKind
    method: ScoringMethod
    unit: str | None
    direction: Direction | None
    baseline: Decimal | None
    threshold: Decimal | None
    target: Decimal | None
    stretch: Decimal | None
    band_low: Decimal | None
    band_high: Decimal | None
    band_tolerance: Decimal | None
    threshold_score: Decimal | None
    cap: Decimal | None
    bands: list[ValueBand]
    rubric: list[RubricLevel]
    frequency: Frequency
    data_source: str | None


# --- indicators ----------------------------------------------------------------------------


class IndicatorLinkCreate(_Strict):
    """A link from an indicator to what it serves: an enterprise objective (for department
    and enterprise indicators) or a department indicator (for post indicators)."""

    objective_id: UUID | None = None
    indicator_id: UUID | None = None
    contribution_weight: Contribution = Field(
        default=Decimal(100), description="How much of the parent this indicator carries, %."
    )

    @model_validator(mode="after")
    def _one_parent(self) -> Self:
        if (self.objective_id is None) == (self.indicator_id is None):
            raise ValueError("give exactly one of objective_id and indicator_id")
        return self


class IndicatorLinkRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    indicator_id: UUID = Field(description="The child indicator.")
    parent_objective_id: UUID | None
    parent_indicator_id: UUID | None
    contribution_weight: Decimal


class IndicatorCreate(ScoringParameters):
    """A KPI of the cascade. Department indicators belong to an org unit, post indicators to
    a position (and carry the post's default weight)."""

    code: Code | None = None
    name: Name
    description: Note | None = None
    level: Level
    perspective: Perspective
    org_unit_id: UUID | None = Field(default=None, description="Department level: the unit.")
    position_id: UUID | None = Field(default=None, description="Post level: the position.")
    weight: Percent | None = Field(default=None, description="Post level: default weight, %.")
    links: list[IndicatorLinkCreate] = Field(default_factory=list, max_length=50)


class IndicatorUpdate(_Strict):
    """Change an indicator; every field optional. Plans already made keep their own copy."""

    code: Code | None = None
    name: Name | None = None
    description: Note | None = None
    perspective: Perspective | None = None
    kind: IndicatorKind | None = None
    method: ScoringMethod | None = None
    unit: Annotated[str, StringConstraints(max_length=32)] | None = None
    direction: Direction | None = None
    baseline: Measure | None = None
    threshold: Measure | None = None
    target: Measure | None = None
    stretch: Measure | None = None
    band_low: Measure | None = None
    band_high: Measure | None = None
    band_tolerance: Measure | None = None
    threshold_score: Annotated[Decimal, Field(ge=0, le=1)] | None = None
    cap: Annotated[Decimal, Field(ge=0, le=10)] | None = None
    bands: list[ValueBand] | None = None
    rubric: list[RubricLevel] | None = None
    frequency: Frequency | None = None
    data_source: Annotated[str, StringConstraints(max_length=200)] | None = None
    active: bool | None = None


class IndicatorRead(ScoringParametersRead):
    id: UUID
    code: str | None
    name: str
    description: str | None
    level: Level
    perspective: Perspective
    org_unit_id: UUID | None
    position_id: UUID | None
    weight: Decimal | None
    template_id: UUID | None
    active: bool
    links: list[IndicatorLinkRead]
    created_at: datetime
    updated_at: datetime


class IndicatorLinksReplace(_Strict):
    """The complete set of an indicator's parents (replaces the current set)."""

    links: list[IndicatorLinkCreate] = Field(max_length=50)


# --- templates -----------------------------------------------------------------------------


class IndicatorTemplateCreate(ScoringParameters):
    """A reusable indicator definition, assignable to positions or whole departments."""

    code: Code | None = None
    name: Name
    description: Note | None = None
    perspective: Perspective
    default_weight: Percent | None = None


class IndicatorTemplateUpdate(IndicatorUpdate):
    default_weight: Percent | None = None


class IndicatorTemplateRead(ScoringParametersRead):
    id: UUID
    code: str | None
    name: str
    description: str | None
    perspective: Perspective
    default_weight: Decimal | None
    active: bool
    created_at: datetime
    updated_at: datetime


class TemplateAssignment(_Strict):
    """Assign a template to one position, or to every position of a department (and its
    sub-units). Each position gets (or keeps) one post indicator made from the template;
    with `cycle_id`, every employee holding those positions gets it in their plan for that
    cycle (a draft plan is created where there is none)."""

    position_id: UUID | None = None
    org_unit_id: UUID | None = None
    include_subunits: bool = True
    weight: Percent | None = Field(default=None, description="Default: the template's.")
    parent_indicator_id: UUID | None = Field(
        default=None, description="The department indicator the new post indicators serve."
    )
    contribution_weight: Contribution = Decimal(100)
    target: Measure | None = Field(default=None, description="Override the template's target.")
    threshold: Measure | None = None
    stretch: Measure | None = None
    cycle_id: UUID | None = Field(default=None, description="Also add it to plans of a cycle.")

    @model_validator(mode="after")
    def _one_scope(self) -> Self:
        if (self.position_id is None) == (self.org_unit_id is None):
            raise ValueError("give exactly one of position_id and org_unit_id")
        return self


class SkippedPlan(BaseModel):
    plan_id: UUID
    employee_id: UUID
    reason: str


class TemplateAssignmentResult(BaseModel):
    positions: int = Field(description="Positions the template was assigned to.")
    indicators_created: int
    indicators_existing: int
    indicator_ids: list[UUID]
    employees: int = Field(description="Employees holding those positions.")
    plans_created: int
    plan_items_added: int
    plans_skipped: list[SkippedPlan] = Field(
        description="Plans left alone: signed (revise them to change) or already holding it."
    )


# --- cascade and coverage ------------------------------------------------------------------


class CascadeNode(BaseModel):
    """An objective or indicator in the cascade, with its children. With a cycle, the
    attainment rolls up: a post indicator's is the mean score of the plans that hold it; a
    parent's is the contribution-weighted mean of its children's."""

    kind: Literal["objective", "indicator"]
    id: UUID
    code: str | None
    name: str
    level: Level
    perspective: Perspective
    org_unit_id: UUID | None = None
    position_id: UUID | None = None
    contribution_weight: Decimal | None = Field(
        default=None, description="This node's contribution to its parent, %."
    )
    attainment: Decimal | None = Field(default=None, description="Fraction, 4 places.")
    scored_plans: int | None = Field(
        default=None, description="Post indicators: plans with a score for it."
    )
    children: list["CascadeNode"] = Field(default_factory=list)


class CascadeTree(BaseModel):
    cycle_id: UUID | None
    objectives: list[CascadeNode]
    unlinked: list[CascadeNode] = Field(
        description="Department and post indicators linked to nothing (with their subtrees)."
    )


class CoverageItem(BaseModel):
    kind: Literal["objective", "indicator"]
    id: UUID
    code: str | None
    name: str
    level: Level


class PostIndicatorCount(BaseModel):
    position_id: UUID
    title: str
    org_unit_id: UUID
    indicators: int
    problem: Literal["too_few", "too_many"]


class CoverageReport(BaseModel):
    """What the cascade leaves uncovered."""

    min_indicators: int
    max_indicators: int
    objectives_without_indicators: list[CoverageItem]
    indicators_without_parent: list[CoverageItem] = Field(
        description="Department and post indicators that serve nothing above them."
    )
    department_indicators_without_posts: list[CoverageItem] = Field(
        description="Department indicators no post indicator works on."
    )
    posts_outside_range: list[PostIndicatorCount]
