"""Turning an actual into an achievement score, and indicator scores into a plan score.

Conventions (see also `strata_contracts.goals.calc`):

- Arithmetic in `Decimal` at the context's precision; the score is quantised once to
  4 places (ROUND_HALF_UP), percents to 2 places.
- 0 ≤ score ≤ cap for every method; the steps say when the cap or the floor of 0 applied.
"""

from collections.abc import Sequence
from decimal import Decimal

from strata_contracts.goals.calc import IndicatorScore, IndicatorScoringSpec, PlanItem, PlanScore


def score_indicator(
    spec: IndicatorScoringSpec, actual: Decimal | None = None, level: int | None = None
) -> IndicatorScore:
    """Score one actual (or, for a rubric, one chosen level) by the indicator's method.

    Raises `ScoringError` when the spec cannot score (e.g. ratio without a positive
    target) or the actual/level is missing or not in the rubric.
    """
    raise NotImplementedError


def score_plan(items: Sequence[PlanItem]) -> PlanScore:
    """Weighted total of a plan's indicator scores with a per-perspective breakdown.

    Items without a score are reported in `unscored`; the total is over the scored weight
    and marked provisional. Raises `PlanWeightsError` if the weights are negative,
    duplicated or do not total 100 (± 0.01).
    """
    raise NotImplementedError
