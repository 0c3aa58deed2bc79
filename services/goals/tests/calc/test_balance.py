"""Balanced Scorecard balance: aggregation and each rule type."""

from decimal import Decimal
from uuid import uuid4

import pytest

from strata_contracts.goals.calc import BalanceRule, BalanceRuleKind, WeightItem
from strata_contracts.goals.vocabulary import Perspective
from strata_goals.calc import (
    BalanceRuleError,
    CalcError,
    check_balance,
    default_balance_rules,
    perspective_weights,
)

D = Decimal
FIN, CUS, INT, LRN = (
    Perspective.FINANCIAL,
    Perspective.CUSTOMER,
    Perspective.INTERNAL_PROCESS,
    Perspective.LEARNING_GROWTH,
)


def weights(
    fin: str = "0", cus: str = "0", int_: str = "0", lrn: str = "0"
) -> dict[Perspective, Decimal]:
    return {FIN: D(fin), CUS: D(cus), INT: D(int_), LRN: D(lrn)}


def rule(
    kind: BalanceRuleKind, limit: str | None = None, *perspectives: Perspective
) -> BalanceRule:
    return BalanceRule(
        id=f"r-{kind.value}",
        kind=kind,
        perspectives=list(perspectives),
        limit=None if limit is None else D(limit),
        description=f"{kind.value} {limit}",
    )


class TestPerspectiveWeights:
    def test_sums_per_perspective_with_every_perspective_present(self) -> None:
        items = [
            WeightItem(indicator_id=uuid4(), weight=D(40), perspective=FIN),
            WeightItem(indicator_id=uuid4(), weight=D(25), perspective=CUS),
            WeightItem(indicator_id=uuid4(), weight=D(20), perspective=CUS),
            WeightItem(indicator_id=uuid4(), weight=D(15), perspective=INT),
        ]
        # financial 40; customer 25 + 20 = 45; internal 15; learning & growth 0
        assert perspective_weights(items) == weights("40", "45", "15", "0")

    def test_an_item_without_a_perspective_is_refused(self) -> None:
        items = [
            WeightItem(indicator_id=uuid4(), weight=D(60), perspective=FIN),
            WeightItem(indicator_id=uuid4(), weight=D(40)),
        ]
        with pytest.raises(CalcError) as caught:
            perspective_weights(items)
        assert caught.value.problems[0].pointer == "items/1/perspective"


class TestDefaultRules:
    def test_non_financial_together_at_least_40(self) -> None:
        (only,) = default_balance_rules()
        assert (only.kind, only.limit) == (BalanceRuleKind.MIN_TOTAL, D(40))
        assert set(only.perspectives) == {CUS, INT, LRN}

    def test_exactly_40_passes(self) -> None:
        assert check_balance(weights("60", "20", "10", "10"), default_balance_rules()) == []

    def test_below_40_is_a_violation_with_the_numbers(self) -> None:
        # non-financial: 20 + 10 + 9.99 = 39.99 < 40
        (violation,) = check_balance(weights("60.01", "20", "10", "9.99"), default_balance_rules())
        assert violation.rule_id == "non_financial_min_40"
        assert (violation.actual, violation.limit) == (D("39.99"), D(40))
        assert violation.perspectives == [CUS, INT, LRN]
        assert violation.detail == (
            "customer, internal process, learning & growth weigh together 39.99 %, below the "
            "minimum 40 %"
        )
        assert violation.description == "non-financial perspectives together at least 40 %"


class TestTotalRules:
    def test_one_perspective_at_least(self) -> None:
        r = rule(BalanceRuleKind.MIN_TOTAL, "10", LRN)
        assert check_balance(weights("50", "30", "10", "10"), [r]) == []
        (violation,) = check_balance(weights("50", "30", "15", "5"), [r])
        assert (violation.perspectives, violation.actual) == ([LRN], D(5))
        assert violation.detail == "learning & growth weigh 5 %, below the minimum 10 %"

    def test_a_set_at_most(self) -> None:
        r = rule(BalanceRuleKind.MAX_TOTAL, "60", FIN, CUS)
        assert check_balance(weights("30", "30", "20", "20"), [r]) == []
        (violation,) = check_balance(weights("40", "30", "20", "10"), [r])
        assert (violation.actual, violation.limit) == (D(70), D(60))

    def test_a_missing_perspective_counts_as_zero(self) -> None:
        r = rule(BalanceRuleKind.MIN_TOTAL, "10", LRN)
        (violation,) = check_balance({FIN: D(100)}, [r])
        assert violation.actual == 0

    def test_needs_perspectives(self) -> None:
        with pytest.raises(BalanceRuleError, match="list the perspectives"):
            check_balance(weights("100"), [rule(BalanceRuleKind.MIN_TOTAL, "40")])


class TestEachRules:
    def test_each_at_most_names_every_perspective_over(self) -> None:
        r = rule(BalanceRuleKind.EACH_MAX, "40")
        violations = check_balance(weights("45", "41", "14", "0"), [r])
        assert [(v.perspectives, v.actual) for v in violations] == [([FIN], D(45)), ([CUS], D(41))]
        assert violations[0].detail == "financial weighs 45 %, above the maximum 40 %"

    def test_each_at_least_over_the_perspectives_listed(self) -> None:
        r = rule(BalanceRuleKind.EACH_MIN, "10", CUS, INT)
        # learning & growth (0) is not listed, so not checked
        (violation,) = check_balance(weights("75", "20", "5", "0"), [r])
        assert (violation.perspectives, violation.actual) == ([INT], D(5))

    def test_each_at_least_defaults_to_all_four(self) -> None:
        r = rule(BalanceRuleKind.EACH_MIN, "10")
        violations = check_balance(weights("75", "20", "5", "0"), [r])
        assert [v.perspectives for v in violations] == [[INT], [LRN]]

    def test_every_perspective_present(self) -> None:
        r = rule(BalanceRuleKind.ALL_PRESENT)
        assert check_balance(weights("40", "30", "20", "10"), [r]) == []
        (violation,) = check_balance(weights("60", "25", "15", "0"), [r])
        assert (violation.perspectives, violation.actual, violation.limit) == ([LRN], D(0), None)
        assert violation.detail == "learning & growth has no weight"


class TestRuleErrors:
    @pytest.mark.parametrize(
        "kind", [k for k in BalanceRuleKind if k is not BalanceRuleKind.ALL_PRESENT]
    )
    def test_a_limit_is_required(self, kind: BalanceRuleKind) -> None:
        with pytest.raises(BalanceRuleError, match="needs a limit"):
            check_balance(weights("100"), [rule(kind, None, FIN)])

    def test_a_negative_limit(self) -> None:
        with pytest.raises(BalanceRuleError, match="negative"):
            check_balance(weights("100"), [rule(BalanceRuleKind.EACH_MAX, "-1")])


class TestSeveralRules:
    def test_all_violations_in_rule_order(self) -> None:
        rules = [
            *default_balance_rules(),
            rule(BalanceRuleKind.EACH_MAX, "50"),
            rule(BalanceRuleKind.ALL_PRESENT),
        ]
        violations = check_balance(weights("70", "20", "10", "0"), rules)
        assert [v.rule_id for v in violations] == [
            "non_financial_min_40",
            "r-each_max",
            "r-all_present",
        ]
