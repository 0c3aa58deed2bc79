"""Validation of a post's indicator weights (percent, total 100, within bounds).

Rules: the weights total `total` (100) within `TOTAL_TOLERANCE` (0.01 percentage
points, so 33.33 + 33.33 + 33.34 passes and 99.98 does not); no weight is negative;
each lies within `[min_weight, max_weight]` when those bounds are given (the domain's
usual bounds are 5 % to 40 %: `DEFAULT_MIN_WEIGHT`, `DEFAULT_MAX_WEIGHT`); an indicator
appears once. A negative weight is reported as negative only, not also as below the
minimum.
"""

from collections.abc import Sequence
from decimal import Decimal

from strata_contracts.goals.calc import WeightItem, WeightProblem, WeightProblemCode
from strata_goals.calc._text import fmt
from strata_goals.calc.errors import CalcError

TOTAL_TOLERANCE = Decimal("0.01")
DEFAULT_MIN_WEIGHT = Decimal(5)
DEFAULT_MAX_WEIGHT = Decimal(40)


def validate_weights(
    items: Sequence[WeightItem],
    *,
    min_weight: Decimal | None,
    max_weight: Decimal | None,
    total: Decimal = Decimal(100),
) -> list[WeightProblem]:
    """Every problem with the weights: total, negative, out of bounds, duplicate indicator.

    Pointers are `items/<index>/weight` (`items/<index>/indicator_id` for a duplicate)
    and `items` for the total. An empty list means the weights are valid. Raises
    `CalcError` if the bounds themselves are contradictory (min above max).
    """
    if min_weight is not None and max_weight is not None and min_weight > max_weight:
        raise CalcError(
            f"the minimum weight {fmt(min_weight)} is above the maximum {fmt(max_weight)}"
        )
    problems: list[WeightProblem] = []
    first_seen: dict[object, int] = {}
    for index, item in enumerate(items):
        problems.extend(_bound_problems(index, item, min_weight, max_weight))
        if item.indicator_id in first_seen:
            problems.append(
                WeightProblem(
                    pointer=f"items/{index}/indicator_id",
                    code=WeightProblemCode.DUPLICATE,
                    detail=f"item {index}: indicator {item.indicator_id} is already weighted "
                    f"at item {first_seen[item.indicator_id]}",
                    index=index,
                    indicator_id=item.indicator_id,
                    actual=item.weight,
                )
            )
        else:
            first_seen[item.indicator_id] = index
    actual_total = sum((item.weight for item in items), Decimal(0))
    if abs(actual_total - total) > TOTAL_TOLERANCE:
        problems.append(
            WeightProblem(
                pointer="items",
                code=WeightProblemCode.TOTAL,
                detail=f"the weights total {fmt(actual_total)} %, not {fmt(total)} %",
                actual=actual_total,
                limit=total,
            )
        )
    return problems


def _bound_problems(
    index: int, item: WeightItem, min_weight: Decimal | None, max_weight: Decimal | None
) -> list[WeightProblem]:
    """Item `index`'s weight against zero and the position's bounds."""
    weight, pointer = item.weight, f"items/{index}/weight"
    found: list[tuple[WeightProblemCode, str, Decimal]] = []
    if weight < 0:
        found.append((WeightProblemCode.NEGATIVE, "is negative", Decimal(0)))
    elif min_weight is not None and weight < min_weight:
        found.append(
            (WeightProblemCode.BELOW_MIN, f"is below the minimum {fmt(min_weight)} %", min_weight)
        )
    if max_weight is not None and weight > max_weight:
        found.append(
            (WeightProblemCode.ABOVE_MAX, f"is above the maximum {fmt(max_weight)} %", max_weight)
        )
    return [
        WeightProblem(
            pointer=pointer,
            code=code,
            detail=f"item {index}: weight {fmt(weight)} % {words}",
            index=index,
            indicator_id=item.indicator_id,
            actual=weight,
            limit=limit,
        )
        for code, words, limit in found
    ]
