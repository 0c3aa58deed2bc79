"""Validation of a post's indicator weights (percent, total 100, within bounds)."""

from collections.abc import Sequence
from decimal import Decimal

from strata_contracts.goals.calc import WeightItem, WeightProblem

TOTAL_TOLERANCE = Decimal("0.01")


def validate_weights(
    items: Sequence[WeightItem],
    *,
    min_weight: Decimal | None,
    max_weight: Decimal | None,
    total: Decimal = Decimal(100),
) -> list[WeightProblem]:
    """Every problem with the weights: total, negative, out of bounds, duplicate indicator.

    Pointers are `items/<index>/weight` (`items/<index>/indicator_id` for a duplicate)
    and `items` for the total. An empty list means the weights are valid.
    """
    raise NotImplementedError
