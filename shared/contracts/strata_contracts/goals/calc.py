"""Wire models of the goals service's calculations: scoring, AHP, weights and balance.

Conventions shared by every model here:

- **Scores are fractions**: 1 means 100 % achievement. They are `Decimal`, quantised to
  4 decimal places (`0.0001`, rounding half up) once, at the end of each calculation; the
  steps show the same rounded numbers the employee sees.
- **Weights are percents**: `Decimal`, 40 means 40 %; a plan's weights total 100.
- **Pointers**: every problem carries `pointer`, the path of the offending input relative
  to the request body (`"target"`, `"bands/1/upper"`, `"matrix/0/2"`, `"items/3/weight"`),
  so an endpoint can prefix `/body/` and answer RFC 9457 problem details.
- AHP eigen-analysis works in binary floating point (the eigenvector of a pairwise matrix
  is irrational in general); the weights it proposes for storage are given again as
  `Decimal` percents with 2 places that add up to exactly 100.
"""

from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from strata_contracts.goals.vocabulary import Direction, IndicatorKind, Perspective, ScoringMethod

DEFAULT_CAP = Decimal("1.20")
"""Maximum credit an indicator can earn, as a fraction (120 %)."""
DEFAULT_THRESHOLD_SCORE = Decimal("0.5")
"""Score at the threshold (the floor of the interpolation), as a fraction (50 %)."""
AHP_CR_LIMIT = 0.10
"""A pairwise matrix whose consistency ratio reaches this is rejected (Saaty)."""


class CalcModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------- problems


class CalcProblem(CalcModel):
    """One thing wrong with a calculation's input, located by `pointer`."""

    pointer: str = Field(
        description="Path of the bad input relative to the body, e.g. `bands/1/upper`."
    )
    code: str = Field(description="Machine-readable reason, e.g. `missing`, `order`.")
    detail: str = Field(description="What is wrong, in words.")


class IndicatorProblem(CalcProblem):
    """A problem with one field of an indicator's scoring parameters."""


class WeightProblemCode(StrEnum):
    TOTAL = "total"
    """The weights do not add up to the required total (within 0.01)."""
    NEGATIVE = "negative"
    BELOW_MIN = "below_min"
    ABOVE_MAX = "above_max"
    DUPLICATE = "duplicate"
    """The same indicator appears more than once."""


class WeightProblem(CalcProblem):
    """A problem with a set of indicator weights; `index` is None for the total."""

    code: WeightProblemCode
    index: int | None = Field(default=None, description="Position of the item, 0-based.")
    indicator_id: UUID | None = None
    actual: Decimal = Field(description="The offending weight (or the actual total), percent.")
    limit: Decimal | None = Field(
        default=None, description="The bound or total it breaks, percent."
    )


class AhpCellProblem(CalcProblem):
    """A problem with a pairwise comparison matrix; `column` is None for a whole row."""

    row: int | None = Field(default=None, description="0-based row, None for the matrix.")
    column: int | None = Field(default=None, description="0-based column, None for a row.")
    value: str | None = Field(default=None, description="The entry as received, if any.")


# --------------------------------------------------------------------------- scoring


class ValueBand(CalcModel):
    """Actuals in `[lower, upper)` score `score`; a missing bound is unbounded."""

    lower: Decimal | None = Field(default=None, description="Inclusive; None is -infinity.")
    upper: Decimal | None = Field(default=None, description="Exclusive; None is +infinity.")
    score: Decimal = Field(description="Achievement for this band, fraction (1 = 100 %).")
    label: str | None = None


class RubricLevel(CalcModel):
    """One behaviourally anchored level of a qualitative indicator."""

    level: int = Field(description="Level number as chosen by the assessor, e.g. 1..5.")
    score: Decimal = Field(description="Achievement for this level, fraction (1 = 100 %).")
    description: str = Field(description="What this level looks like, so both sides agree.")


class IndicatorScoringSpec(CalcModel):
    """An indicator's stored scoring parameters: everything needed to recompute a score.

    - ratio: actual / target (higher is better) or target / actual (lower is better),
      needs a positive target; capped at `cap`.
    - interpolation: piecewise linear through threshold (→ `threshold_score`), target (→ 1)
      and stretch (→ `cap`); 0 beyond the threshold on the bad side. For a target band,
      1 inside `[band_low, band_high]`, falling linearly to 0 over `band_tolerance`.
    - bands: the score of the value band `[lower, upper)` holding the actual.
    - rubric (qualitative): the score of the level chosen.
    """

    kind: IndicatorKind
    method: ScoringMethod
    direction: Direction | None = Field(
        default=None, description="Required for quantitative indicators."
    )
    unit: str | None = None
    baseline: Decimal | None = Field(
        default=None, description="Starting point; shown for context, not used in scoring."
    )
    threshold: Decimal | None = Field(default=None, description="Minimum acceptable actual.")
    target: Decimal | None = None
    stretch: Decimal | None = Field(default=None, description="Actual that earns `cap`.")
    band_low: Decimal | None = None
    band_high: Decimal | None = None
    band_tolerance: Decimal | None = Field(
        default=None,
        description=(
            "Distance outside a target band over which the score falls from 1 to 0. "
            "Default: the band's width; a zero-width band with no tolerance scores 0 "
            "for any actual outside it."
        ),
    )
    threshold_score: Decimal = Field(
        default=DEFAULT_THRESHOLD_SCORE,
        description="Score at the threshold in interpolation (floor), fraction.",
    )
    cap: Decimal = Field(default=DEFAULT_CAP, description="Maximum credit, fraction.")
    bands: list[ValueBand] = Field(default_factory=list)
    rubric: list[RubricLevel] = Field(default_factory=list)


class ScoreStep(CalcModel):
    """One line of a score's explanation."""

    description: str = Field(
        description="The line in words with the numbers filled in, e.g. "
        "`actual 45 between threshold 40 and target 50 → 0.5 + 0.5 * (45 - 40) / (50 - 40) "
        "= 0.75`."
    )
    formula: str | None = Field(default=None, description="The rule in symbols.")
    values: dict[str, Decimal] = Field(
        default_factory=dict, description="The numbers the formula used, by name."
    )
    result: Decimal | None = Field(default=None, description="What this step produced.")


class IndicatorScore(CalcModel):
    """An indicator's achievement score with the steps that produced it."""

    method: ScoringMethod
    direction: Direction | None = None
    actual: Decimal | None = None
    level: int | None = None
    score: Decimal = Field(description="Achievement, fraction, 0 ≤ score ≤ cap, 4 places.")
    percent: Decimal = Field(description="The score in percent, 2 places.")
    capped: bool = Field(description="True when the cap limited the score.")
    steps: list[ScoreStep]


class PlanItem(CalcModel):
    """One indicator of a plan, as input to plan scoring: the indicator, and (when it is
    a plan's item) the plan item's `key`. At least one of the two is given."""

    key: UUID | None = Field(
        default=None, description="The plan item's key; absent when scoring bare indicators."
    )
    indicator_id: UUID | None = Field(
        default=None,
        description="The indicator; None for an item proposed in the plan with no indicator.",
    )
    name: str
    perspective: Perspective
    weight: Decimal = Field(description="Percent; the plan's weights total 100.")
    score: IndicatorScore | None = Field(
        default=None, description="None while the indicator has no actual yet."
    )

    @model_validator(mode="after")
    def _identified(self) -> "PlanItem":
        if self.key is None and self.indicator_id is None:
            raise ValueError("give key or indicator_id")
        return self

    @property
    def ident(self) -> UUID:
        """The item's identity in one scoring: its key, else its indicator."""
        ident = self.key if self.key is not None else self.indicator_id
        assert ident is not None  # the validator holds it
        return ident


class PlanItemScore(CalcModel):
    key: UUID | None = Field(
        default=None, description="The plan item's key (plans only): actuals are keyed by it."
    )
    indicator_id: UUID | None = Field(
        description="The real indicator id (join it to indicators); None for a plan item "
        "proposed without one."
    )
    name: str
    perspective: Perspective
    weight: Decimal
    score: Decimal | None = Field(description="The indicator's score, None when unscored.")
    contribution: Decimal | None = Field(
        description="weight * score / scored weight: this item's part of the plan total."
    )


class PerspectiveScore(CalcModel):
    """A Balanced Scorecard perspective's share of a plan and its achievement."""

    perspective: Perspective
    weight: Decimal = Field(description="Sum of its indicators' weights, percent of the plan.")
    scored_weight: Decimal = Field(description="Weight of its indicators that have a score.")
    score: Decimal | None = Field(
        description="Achievement within the perspective: Σ weight * score / Σ scored weight; "
        "None when none of its indicators is scored."
    )
    contribution: Decimal = Field(
        description="Its part of the plan total: Σ weight * score / plan scored weight."
    )
    indicators: int


class PlanScore(CalcModel):
    """A plan's weighted total, per-perspective breakdown and explanation.

    Unscored indicators (no actual yet) are left out: the total is computed over the
    weight that is scored (Σ weight * score / Σ scored weight), and `provisional` says so.
    With every indicator scored this is Σ weight * score / 100.
    """

    total: Decimal | None = Field(
        description="Weighted achievement, fraction, 4 places; None when nothing is scored."
    )
    percent: Decimal | None = Field(description="The total in percent, 2 places.")
    provisional: bool = Field(description="True when some indicator has no score yet.")
    total_weight: Decimal
    scored_weight: Decimal
    items: list[PlanItemScore]
    perspectives: list[PerspectiveScore] = Field(
        description="All four perspectives, in the vocabulary's order."
    )
    unscored: list[UUID] = Field(
        description="Items left out for want of an actual: each one's `key` when given (always "
        "on a plan's score), else its `indicator_id`."
    )
    steps: list[ScoreStep]


# --------------------------------------------------------------------------- weights


class WeightItem(CalcModel):
    """An indicator's weight, as input to weight validation and balance aggregation."""

    indicator_id: UUID
    weight: Decimal = Field(description="Percent.")
    perspective: Perspective | None = None


# --------------------------------------------------------------------------- AHP


class AhpRequest(CalcModel):
    """A pairwise comparison matrix on Saaty's 1 to 9 scale.

    Entry (i, j) says how much more important item i is than item j: 1 equal, 3 moderate,
    5 strong, 7 very strong, 9 extreme (2, 4, 6, 8 between); below the diagonal the
    reciprocals (1/3 …). Entries are numbers or fractions written as strings (`"1/3"`).
    """

    matrix: list[list[Fraction]] = Field(min_length=1, max_length=15)
    labels: list[Annotated[str, StringConstraints(max_length=200)]] | None = Field(
        default=None, description="Names of the items compared, in matrix order."
    )


class AhpInconsistency(CalcModel):
    """A comparison that disagrees with the weights the whole matrix implies.

    `ratio` is Saaty's ε_ij = a_ij · w_j / w_i (1 when consistent); `deviation` is
    max(ε, 1/ε), the factor by which the judgment is off.
    """

    row: int
    column: int
    row_label: str | None = None
    column_label: str | None = None
    value: float = Field(description="The comparison as given, a_ij.")
    consistent_value: float = Field(description="w_i / w_j, the value that would fit.")
    suggested: str = Field(description="Nearest value on Saaty's scale, e.g. `3` or `1/5`.")
    ratio: float
    deviation: float
    cr_if_revised: float = Field(
        description="The consistency ratio if only this pair were set to `suggested`."
    )


class AhpResult(CalcModel):
    """Weights from a pairwise matrix (principal eigenvector) and its consistency."""

    n: int
    labels: list[str] | None = None
    weights: list[float] = Field(description="Normalised principal eigenvector, sums to 1.")
    weights_percent: list[Decimal] = Field(
        description="The weights in percent, 2 places, adding up to exactly 100."
    )
    lambda_max: float
    ci: float = Field(description="Consistency index (λmax - n) / (n - 1); 0 for n ≤ 2.")
    ri: float = Field(description="Saaty's random index for n.")
    cr: float = Field(description="Consistency ratio CI / RI; 0 for n ≤ 2.")
    consistent: bool = Field(description="CR < 0.10.")
    inconsistencies: list[AhpInconsistency] = Field(
        description="When inconsistent: the comparisons most at odds, worst first."
    )


# --------------------------------------------------------------------------- balance


class BalanceRuleKind(StrEnum):
    MIN_TOTAL = "min_total"
    """The perspectives listed together weigh at least `limit` % (one listed: "P ≥ Z %")."""
    MAX_TOTAL = "max_total"
    """The perspectives listed together weigh at most `limit` %."""
    EACH_MIN = "each_min"
    """Each perspective listed (all four when none listed) weighs at least `limit` %."""
    EACH_MAX = "each_max"
    """Each perspective listed (all four when none listed) weighs at most `limit` %."""
    ALL_PRESENT = "all_present"
    """Each perspective listed (all four when none listed) has some weight."""


class BalanceRule(CalcModel):
    id: str = Field(
        min_length=1, max_length=64, description="Stable identifier, e.g. `non_financial_min_40`."
    )
    kind: BalanceRuleKind
    perspectives: list[Perspective] = Field(default_factory=list)
    limit: Decimal | None = Field(
        default=None, le=100, description="Percent; required except for `all_present`."
    )
    description: str = Field(max_length=500)


class BalanceViolation(CalcModel):
    rule_id: str
    kind: BalanceRuleKind
    description: str = Field(description="The rule, in words.")
    perspectives: list[Perspective] = Field(description="The perspective(s) at fault.")
    actual: Decimal = Field(description="Their weight, percent.")
    limit: Decimal | None
    detail: str = Field(description="What is wrong, with the numbers.")
