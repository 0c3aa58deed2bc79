"""Results applied: compensation inputs, the merit matrix, merit / bonus / promotion /
training recommendations (each a record with its inputs that HR accepts or overrides with a
reason), training programmes and their effectiveness.

Money is `Decimal` with 2 places, percents with 3, compa-ratios with 4. A decision on a
recommendation publishes `analytics.recommendation.decided` (`RecommendationDecided`).
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
)

from strata_contracts._base import BandCode, Name, Percent, Reason
from strata_contracts.events import RECOMMENDATION_DECIDED

__all__ = ["RECOMMENDATION_DECIDED"]

Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
PositiveMoney = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
Ratio = Annotated[Decimal, Field(gt=0, le=10, max_digits=6, decimal_places=4)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
CompetencyKey = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
]
Level = Annotated[Decimal, Field(ge=0, le=100, max_digits=8, decimal_places=4)]
Statistic = Annotated[Decimal, Field(decimal_places=4)]
"""A computed figure (a mean, an SD, an effect size): a decimal string with 4 places, as
every analytics figure is published."""

RecommendationKind = Literal["merit", "bonus", "promotion", "training"]
RecommendationStatus = Literal["proposed", "accepted", "overridden"]


# --- compensation -----------------------------------------------------------------------


class CompensationRow(BaseModel):
    """One employee's pay: base salary and the midpoint of their salary range, one currency."""

    model_config = ConfigDict(extra="forbid")

    employee_id: UUID
    base_salary: PositiveMoney
    currency: Currency = Field(description="ISO 4217 code, e.g. `EUR`.")
    range_midpoint: PositiveMoney = Field(description="Midpoint of the employee's salary range.")


class CompensationImport(BaseModel):
    """A bulk import: every row is valid or nothing is stored. Rows replace what is held
    for their employee; employees not listed are left as they are."""

    model_config = ConfigDict(extra="forbid")

    rows: list[CompensationRow] = Field(min_length=1, max_length=10_000)


class CompensationRead(BaseModel):
    employee_id: UUID
    employee_name: str | None
    base_salary: Decimal
    currency: str
    range_midpoint: Decimal
    compa_ratio: Decimal = Field(description="base_salary / range_midpoint, 4 places.")
    updated_at: datetime


class CompensationImportResult(BaseModel):
    created: int
    updated: int
    items: list[CompensationRead]


# --- merit matrix -----------------------------------------------------------------------


class CompaRatioBand(BaseModel):
    """Compa-ratios below `below` (and at or above the previous band's `below`) fall in this
    band; the last band has no upper bound (`below` null)."""

    model_config = ConfigDict(extra="forbid")

    code: BandCode
    below: Ratio | None = None


class MeritMatrixRow(BaseModel):
    """The merit increase, in percent of base salary, for one rating band: one value per
    compa-ratio band, in the order of `compa_ratio_bands`."""

    model_config = ConfigDict(extra="forbid")

    band: BandCode
    increases: list[Percent] = Field(min_length=1, max_length=12)


class MeritMatrixWrite(BaseModel):
    """Rating band * compa-ratio band → increase %. Every rating band of the tenant's result
    policy has exactly one row; compa-ratio bands ascend, the last one open."""

    model_config = ConfigDict(extra="forbid")

    compa_ratio_bands: list[CompaRatioBand] = Field(min_length=1, max_length=12)
    rows: list[MeritMatrixRow] = Field(min_length=1, max_length=12)


class MeritMatrixRead(MeritMatrixWrite):
    built_in: bool = Field(description="True when the tenant set none: the default applies.")
    updated_at: datetime | None


# --- runs -------------------------------------------------------------------------------


class Population(BaseModel):
    """Who a run covers: employees with a result in `cycle_id`, optionally only one org unit
    (and the units below it) or a list of employees."""

    model_config = ConfigDict(extra="forbid")

    cycle_id: UUID
    org_unit_id: UUID | None = None
    employee_ids: list[UUID] | None = Field(default=None, min_length=1, max_length=10_000)


class CompleteResultsOnly(BaseModel):
    """Pay, bonus and promotion runs use only complete results (every part the result policy
    weighs: the plan score and the 360 score). `include_incomplete: true` lets incomplete
    results in; it is an explicit choice and needs `include_incomplete_reason` (audited)."""

    include_incomplete: bool = Field(
        default=False,
        description="Include people whose result is incomplete (`complete: false`).",
    )
    include_incomplete_reason: Reason | None = Field(
        default=None, description="Why incomplete results are included (required with it)."
    )


class MeritRunCreate(CompleteResultsOnly, Population):
    """Merit increases from the matrix within a budget: `budget_amount`, or
    `budget_percent` of the population's payroll (exactly one of the two)."""

    currency: Currency
    budget_amount: Money | None = None
    budget_percent: Percent | None = None


class BandMultiplier(BaseModel):
    model_config = ConfigDict(extra="forbid")

    band: BandCode
    multiplier: Annotated[Decimal, Field(ge=0, le=100, max_digits=8, decimal_places=4)]


class BonusRunCreate(CompleteResultsOnly, Population):
    """A bonus pool shared in proportion to base salary * the multiplier of the person's
    band; amounts are rounded to cents by largest remainder so they total the pool."""

    currency: Currency
    pool_amount: Money
    multipliers: list[BandMultiplier] = Field(min_length=1, max_length=12)


class CompetencyMinimum(BaseModel):
    model_config = ConfigDict(extra="forbid")

    competency_key: CompetencyKey
    minimum: Level = Field(description="Lowest acceptable 360 mean, on the rating scale.")


class PromotionRunCreate(CompleteResultsOnly):
    """Promotion candidates: a final band at or above `min_band` in each of the last
    `consecutive_cycles` of `cycle_ids` (oldest first, the last one the current cycle), and
    every competency mean of the current cycle's 360 at or above its minimum."""

    model_config = ConfigDict(extra="forbid")

    cycle_ids: list[UUID] = Field(min_length=1, max_length=60)
    min_band: BandCode
    consecutive_cycles: int = Field(ge=1, le=60)
    competency_minimums: list[CompetencyMinimum] = Field(default_factory=list, max_length=50)
    org_unit_id: UUID | None = None
    employee_ids: list[UUID] | None = Field(default=None, min_length=1, max_length=10_000)


class TrainingRunCreate(Population):
    """Training needs: each competency whose 360 mean in `cycle_id` is below the required
    level (`competency-requirements`) is a need, ranked by gap."""


MissingPart = Literal["plan_score", "competency_score"]


class ExcludedEmployee(BaseModel):
    """Someone the run left out and why. `incomplete_result`: a part the result policy weighs
    is missing (`missing` names it: `plan_score`, the KPI part, or `competency_score`, the
    360 part)."""

    employee_id: UUID
    reason: Literal[
        "no_result",
        "incomplete_result",
        "no_compensation",
        "other_currency",
        "band_not_configured",
        "no_360",
    ]
    missing: list[MissingPart] = Field(default_factory=list)


class IncludedIncomplete(BaseModel):
    """Someone with an incomplete result the run included (`include_incomplete: true`)."""

    employee_id: UUID
    missing: list[MissingPart]


class RuleEvidence(BaseModel):
    """One rule applied to one person: what was required, what was found, whether it held."""

    rule: str
    required: str
    found: str
    passed: bool
    detail: dict[str, Any] = Field(default_factory=dict)


class PromotionEvaluation(BaseModel):
    employee_id: UUID
    employee_name: str | None
    candidate: bool
    evidence: list[RuleEvidence]


class RunSummary(BaseModel):
    """What a run decided as a whole (the figures that depend on the kind are null
    otherwise)."""

    population: int = Field(description="People who received a recommendation or evaluation.")
    currency: str | None = None
    payroll: Decimal | None = Field(default=None, description="Σ base salary of the population.")
    budget: Decimal | None = None
    matrix_spend: Decimal | None = Field(
        default=None, description="What the matrix percentages alone would cost."
    )
    scale_factor: Decimal | None = Field(
        default=None,
        description="budget / matrix spend when the matrix exceeds the budget, else 1.",
    )
    scaled: bool = False
    spend: Decimal | None = Field(default=None, description="Σ recommended amounts.")
    remaining: Decimal | None = Field(default=None, description="budget (or pool) - spend.")
    pool: Decimal | None = None
    total_weight: Decimal | None = None
    notes: list[str] = Field(default_factory=list)
    excluded: list[ExcludedEmployee] = Field(default_factory=list)
    included_incomplete: list[IncludedIncomplete] = Field(
        default_factory=list,
        description="People with an incomplete result included on purpose "
        "(`include_incomplete`), with the parts they lack.",
    )
    include_incomplete_reason: str | None = None
    evaluations: list[PromotionEvaluation] = Field(default_factory=list)


class RecommendationRead(BaseModel):
    id: UUID
    run_id: UUID
    kind: RecommendationKind
    employee_id: UUID
    employee_name: str | None
    cycle_id: UUID
    status: RecommendationStatus
    unit: str = Field(
        description="What `value` counts: a currency code (merit, bonus), `promote` "
        "(1 promote, 0 do not) or `levels` (training: the competency gap on the scale)."
    )
    proposed_value: Decimal
    final_value: Decimal | None = Field(description="The accepted or overriding value.")
    inputs: dict[str, Any] = Field(
        description="Every input of the recommendation (band, compa-ratio, matrix cell, "
        "budget scale factor, rule evidence, gap …)."
    )
    reason: str | None
    decided_by: str | None
    decided_at: datetime | None
    stale: bool = Field(
        default=False,
        description="The result it was built on changed (an upheld appeal): it can no longer "
        "be decided; see `superseded_by` for the re-proposed one. A decision already taken "
        "stays, marked stale.",
    )
    stale_reason: str | None = None
    superseded_by: UUID | None = Field(
        default=None, description="The re-proposed recommendation for the same person."
    )
    version: int
    created_at: datetime
    updated_at: datetime


class RunStaleness(BaseModel):
    """Set when a result the run was built on changed afterwards (an upheld appeal)."""

    stale_reason: str | None = None
    stale_at: datetime | None = None
    rerun_of: UUID | None = Field(
        default=None, description="The stale run this one re-proposes, with its parameters."
    )
    superseded_by: UUID | None = Field(default=None, description="The run re-proposing it.")


class RunRead(RunStaleness):
    id: UUID
    kind: RecommendationKind
    cycle_id: UUID
    parameters: dict[str, Any]
    summary: RunSummary
    recommendations: list[RecommendationRead]
    created_by: str
    created_at: datetime


class RunListItem(RunStaleness):
    id: UUID
    kind: RecommendationKind
    cycle_id: UUID
    summary: RunSummary
    created_by: str
    created_at: datetime
    updated_at: datetime


class DecisionCreate(BaseModel):
    """Accept the proposed value, or override it with a new `value` and a `reason`."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["accepted", "overridden"]
    value: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=4)] | None = None
    reason: Reason | None = None


class RecommendationDecided(BaseModel):
    """`analytics.recommendation.decided` (version 1): HR accepted or overrode a
    recommendation; `final_value` is what the HRIS should apply."""

    recommendation_id: UUID
    run_id: UUID
    kind: RecommendationKind
    employee_id: UUID
    cycle_id: UUID
    status: Literal["accepted", "overridden"]
    unit: str
    proposed_value: Decimal
    final_value: Decimal
    reason: str | None
    decided_by: str
    decided_at: datetime
    inputs: dict[str, Any]


# --- training ---------------------------------------------------------------------------


def _a_number(value: Any) -> Any:
    """A level is a JSON number: `"40"` (a string) or `true` is refused, not read as 40."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("a number (not a string) on the competency's rating scale")
    return value


LevelNumber = Annotated[
    Decimal,
    BeforeValidator(_a_number),
    Field(ge=0, le=100, max_digits=8, decimal_places=4),
    PlainSerializer(float, return_type=float, when_used="json"),
]


class CompetencyRequirement(BaseModel):
    """The level expected on one competency. `competency_key` must be a competency the
    tenant's closed 360 campaigns rated, `required_level` a number within its rating scale
    (e.g. 1 to 5); read back as a number too."""

    model_config = ConfigDict(extra="forbid")

    competency_key: CompetencyKey
    required_level: LevelNumber = Field(
        description="The level expected, a number on the competency's 360 rating scale."
    )


class CompetencyRequirementsWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requirements: list[CompetencyRequirement] = Field(max_length=100)


class CompetencyRequirementsRead(BaseModel):
    requirements: list[CompetencyRequirement]


class TrainingProgrammeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    competency_key: CompetencyKey | None = Field(
        default=None, description="The competency the programme develops, if one."
    )
    description: Annotated[str, StringConstraints(max_length=4000)] | None = None


class TrainingProgrammeRead(BaseModel):
    id: UUID
    name: str
    competency_key: str | None
    description: str | None
    enrolments: int
    completed: int
    created_at: datetime
    updated_at: datetime


class EnrolmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employee_id: UUID
    completed_on: date | None = Field(default=None, description="Null while in progress.")


class EnrolmentsWrite(BaseModel):
    """A bulk enrolment import: all rows valid or nothing stored; a listed employee's
    enrolment in the programme is replaced."""

    model_config = ConfigDict(extra="forbid")

    enrolments: list[EnrolmentCreate] = Field(min_length=1, max_length=10_000)


class EnrolmentRead(BaseModel):
    programme_id: UUID
    employee_id: UUID
    employee_name: str | None
    completed_on: date | None
    updated_at: datetime


class EnrolmentList(BaseModel):
    items: list[EnrolmentRead]


class GroupChange(BaseModel):
    """Before → after change of one group. Figures are null when the group has fewer
    members than the anonymity threshold (`suppressed`)."""

    n: int
    suppressed: bool
    mean_before: Statistic | None
    mean_after: Statistic | None
    mean_change: Statistic | None
    sd_change: Statistic | None


class TrainingEffectiveness(BaseModel):
    """Trained (completed) vs untrained peers, both with a result in both cycles.

    `cohens_d_paired` = mean change / SD of the changes (d_z) of the trained group;
    `difference_in_differences` = trained mean change - untrained mean change;
    `hedges_g` = that difference / pooled SD of the changes * (1 - 3 / (4 (n₁ + n₂) - 9))."""

    programme_id: UUID
    before_cycle_id: UUID
    after_cycle_id: UUID
    measure: str = Field(description="`overall` or `competency:<key>`.")
    anonymity_threshold: int
    trained: GroupChange
    untrained: GroupChange
    cohens_d_paired: Statistic | None
    difference_in_differences: Statistic | None
    hedges_g: Statistic | None
    notes: list[str]


# --- results amended --------------------------------------------------------------------

RESULT_AMENDED = "analytics.result.amended"
RECOMMENDATION_STALE = "analytics.recommendation.stale"


class RatingAmendment(BaseModel):
    """An upheld appeal decides a person's rating (band) for a cycle: the result takes the
    band (and an overall within it: given, or the raw overall clamped into the band), is
    locked with it, and everything built on it follows (HR or admin, a reason required)."""

    model_config = ConfigDict(extra="forbid")

    band: BandCode
    overall: Annotated[Decimal, Field(ge=0, le=10, decimal_places=4)] | None = None
    reason: Reason
    appeal_id: UUID | None = None
    change_request_id: UUID | None = None


class ResultAmended(BaseModel):
    """`analytics.result.amended` (version 1): an upheld appeal changed an input of a result
    (e.g. a KPI actual corrected in goals); the raw result was recomputed, even when a
    finalised calibration had locked it, and every run built on it was marked stale and
    re-proposed."""

    employee_id: UUID
    cycle_id: UUID
    appeal_id: UUID | None
    change_request_id: UUID | None
    cause: str = Field(description="What changed, e.g. `actual <id> corrected to <id>`.")
    before_overall: Decimal | None
    before_band: str | None
    raw_overall: Decimal | None
    raw_band: str | None
    final_overall: Decimal | None
    final_band: str | None
    calibration_session_id: UUID | None
    stale_run_ids: list[UUID]
    stale_recommendation_ids: list[UUID]


class RecommendationStale(BaseModel):
    """`analytics.recommendation.stale` (version 1): the result a recommendation was built on
    changed; a decision already taken should be reviewed against the re-proposal."""

    recommendation_id: UUID
    run_id: UUID
    kind: RecommendationKind
    employee_id: UUID
    cycle_id: UUID
    status: RecommendationStatus
    reason: str
