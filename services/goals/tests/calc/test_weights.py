"""Indicator weights: total 100 within 0.01, bounds, negatives, duplicates."""

from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from strata_contracts.goals.calc import WeightItem, WeightProblem, WeightProblemCode
from strata_goals.calc import CalcError, validate_weights

D = Decimal


def items(*weights: str, ids: list[UUID] | None = None) -> list[WeightItem]:
    ids = ids or [uuid4() for _ in weights]
    return [WeightItem(indicator_id=i, weight=D(w)) for i, w in zip(ids, weights, strict=True)]


def check(
    weights: list[WeightItem],
    *,
    min_weight: Decimal | None = D(5),
    max_weight: Decimal | None = D(40),
    total: Decimal = D(100),
) -> list[WeightProblem]:
    return validate_weights(weights, min_weight=min_weight, max_weight=max_weight, total=total)


class TestValidWeights:
    def test_the_sales_post(self) -> None:
        assert check(items("40", "25", "15", "20")) == []

    def test_weights_on_the_bounds(self) -> None:
        # 40 + 40 + 15 + 5 = 100
        assert check(items("40", "40", "15", "5")) == []

    def test_no_bounds(self) -> None:
        assert check(items("90", "10"), min_weight=None, max_weight=None) == []


class TestTotal:
    @pytest.mark.parametrize("weights", [("33.33", "33.33", "33.34"), ("33.33", "33.33", "33.33")])
    def test_within_the_tolerance(self, weights: tuple[str, ...]) -> None:
        # 100.00 and 99.99: off by at most 0.01
        assert check(items(*weights)) == []

    @pytest.mark.parametrize(("weights", "total"), [(("40", "40", "19.98"), "99.98"),
                                                    (("40", "40", "30"), "110")])  # fmt: skip
    def test_outside_the_tolerance(self, weights: tuple[str, ...], total: str) -> None:
        (problem,) = check(items(*weights))
        assert problem.code is WeightProblemCode.TOTAL
        assert (problem.pointer, problem.index, problem.actual, problem.limit) == (
            "items",
            None,
            D(total),
            D(100),
        )
        assert problem.detail == f"the weights total {total} %, not 100 %"

    def test_another_total(self) -> None:
        assert check(items("0.6", "0.4"), min_weight=None, max_weight=None, total=D(1)) == []

    def test_no_items_total_zero(self) -> None:
        (problem,) = check([])
        assert (problem.code, problem.actual) == (WeightProblemCode.TOTAL, D(0))


class TestBounds:
    def test_below_the_minimum(self) -> None:
        ids = [uuid4() for _ in range(4)]
        (problem,) = check(items("40", "40", "17", "3", ids=ids))
        assert problem.code is WeightProblemCode.BELOW_MIN
        assert (problem.pointer, problem.index, problem.indicator_id) == (
            "items/3/weight",
            3,
            ids[3],
        )
        assert (problem.actual, problem.limit) == (D(3), D(5))
        assert problem.detail == "item 3: weight 3 % is below the minimum 5 %"

    def test_above_the_maximum(self) -> None:
        (problem,) = check(items("45", "35", "20"))
        assert problem.code is WeightProblemCode.ABOVE_MAX
        assert (problem.pointer, problem.actual, problem.limit) == ("items/0/weight", D(45), D(40))

    def test_every_item_at_fault_is_named(self) -> None:
        problems = check(items("50", "2", "46", "2"))
        assert [(p.index, p.code) for p in problems] == [
            (0, WeightProblemCode.ABOVE_MAX),
            (1, WeightProblemCode.BELOW_MIN),
            (2, WeightProblemCode.ABOVE_MAX),
            (3, WeightProblemCode.BELOW_MIN),
        ]

    def test_contradictory_bounds(self) -> None:
        with pytest.raises(CalcError, match="minimum weight 50 is above the maximum 40"):
            check(items("100"), min_weight=D(50))


class TestNegative:
    def test_reported_as_negative_not_below_minimum(self) -> None:
        problems = check(items("-10", "40", "40", "30"))
        assert [(p.code, p.pointer) for p in problems] == [
            (WeightProblemCode.NEGATIVE, "items/0/weight")
        ]

    def test_even_without_bounds(self) -> None:
        problems = check(items("-10", "110"), min_weight=None, max_weight=None)
        assert [p.code for p in problems] == [WeightProblemCode.NEGATIVE]


class TestDuplicates:
    def test_the_repeat_is_named_with_the_first_position(self) -> None:
        same = uuid4()
        problems = check(items("40", "30", "30", ids=[same, uuid4(), same]))
        (problem,) = problems
        assert problem.code is WeightProblemCode.DUPLICATE
        assert (problem.pointer, problem.index, problem.indicator_id) == (
            "items/2/indicator_id",
            2,
            same,
        )
        assert problem.detail.endswith("is already weighted at item 0")
