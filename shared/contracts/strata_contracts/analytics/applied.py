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

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from strata_contracts.events import RECOMMENDATION_DECIDED

__all__ = ["RECOMMENDATION_DECIDED"]

Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
PositiveMoney = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=3)]
Ratio = Annotated[Decimal, Field(gt=0, le=10, max_digits=6, decimal_places=4)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
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

    code: Code
    below: Ratio | None = None


class MeritMatrixRow(BaseModel):
    """The merit increase, in percent of base salary, for one rating band: one value per
    compa-ratio band, in the order of `compa_ratio_bands`."""

    model_config = ConfigDict(extra="forbid")

    band: Code
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


class MeritRunCreate(Population):
    """Merit increases from the matrix within a budget: `budget_amount`, or
    `budget_percent` of the population's payroll (exactly one of the two)."""

    currency: Currency
    budget_amount: Money | None = None
    budget_percent: Percent | None = None


class BandMultiplier(BaseModel):
    model_config = ConfigDict(extra="forbid")

    band: Code
    multiplier: Annotated[Decimal, Field(ge=0, le=100, max_digits=8, decimal_places=4)]


class BonusRunCreate(Population):
    """A bonus pool shared in proportion to base salary * the multiplier of the person's
    band; amounts are rounded to cents by largest remainder so they total the pool."""

    currency: Currency
    pool_amount: Money
    multipliers: list[BandMultiplier] = Field(min_length=1, max_length=12)


class CompetencyMinimum(BaseModel):
    model_config = ConfigDict(extra="forbid")

    competency_key: Key
    minimum: Level = Field(description="Lowest acceptable 360 mean, on the rating scale.")


class PromotionRunCreate(BaseModel):
    """Promotion candidates: a final band at or above `min_band` in each of the last
    `consecutive_cycles` of `cycle_ids` (oldest first, the last one the current cycle), and
    every competency mean of the current cycle's 360 at or above its minimum."""

    model_config = ConfigDict(extra="forbid")

    cycle_ids: list[UUID] = Field(min_length=1, max_length=60)
    min_band: Code
    consecutive_cycles: int = Field(ge=1, le=60)
    competency_minimums: list[CompetencyMinimum] = Field(default_factory=list, max_length=50)
    org_unit_id: UUID | None = None
    employee_ids: list[UUID] | None = Field(default=None, min_length=1, max_length=10_000)


class TrainingRunCreate(Population):
    """Training needs: each competency whose 360 mean in `cycle_id` is below the required
    level (`competency-requirements`) is a need, ranked by gap."""


class ExcludedEmployee(BaseModel):
    employee_id: UUID
    reason: Literal[
        "no_result", "no_compensation", "other_currency", "band_not_configured", "no_360"
    ]


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
    version: int
    created_at: datetime
    updated_at: datetime


class RunRead(BaseModel):
    id: UUID
    kind: RecommendationKind
    cycle_id: UUID
    parameters: dict[str, Any]
    summary: RunSummary
    recommendations: list[RecommendationRead]
    created_by: str
    created_at: datetime


class RunListItem(BaseModel):
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


class CompetencyRequirement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    competency_key: Key
    required_level: Level = Field(description="The level expected, on the 360 rating scale.")


class CompetencyRequirementsWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requirements: list[CompetencyRequirement] = Field(max_length=100)


class CompetencyRequirementsRead(BaseModel):
    requirements: list[CompetencyRequirement]


class TrainingProgrammeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    competency_key: Key | None = Field(
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
