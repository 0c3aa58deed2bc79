"""Scoring a plan: weighted total, perspectives, unscored items, and the domain's worked example."""

from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from strata_contracts.goals.calc import (
    IndicatorScoringSpec,
    PerspectiveScore,
    PlanItem,
    PlanScore,
    RubricLevel,
    WeightItem,
    WeightProblemCode,
)
from strata_contracts.goals.vocabulary import (
    Direction,
    IndicatorKind,
    Perspective,
    ScoringMethod,
)
from strata_goals.calc import (
    PlanWeightsError,
    check_balance,
    default_balance_rules,
    perspective_weights,
    score_indicator,
    score_plan,
    validate_weights,
)
from strata_goals.calc.weights import DEFAULT_MAX_WEIGHT, DEFAULT_MIN_WEIGHT

D = Decimal

# ---------------------------------------------------------------------------------------
# The domain brief's worked example (section 9): the sales representative post.
#
# Monthly signed contracts  financial          40 %  interpolation, higher is better:
#                                                    threshold 8, target 10, stretch 14
# Pipeline value            customer           25 %  ratio to a target of 500 000
#                           (a leading indicator of customer acquisition)
# CRM data quality          internal process   15 %  qualitative, rubric levels 1..5
# Customer complaints       customer           20 %  interpolation, lower is better:
#                                                    threshold 6, target 3, stretch 0
# ---------------------------------------------------------------------------------------
CONTRACTS = IndicatorScoringSpec(
    kind=IndicatorKind.QUANTITATIVE,
    method=ScoringMethod.INTERPOLATION,
    direction=Direction.HIGHER_IS_BETTER,
    unit="contracts",
    baseline=D(7),
    threshold=D(8),
    target=D(10),
    stretch=D(14),
)
PIPELINE = IndicatorScoringSpec(
    kind=IndicatorKind.QUANTITATIVE,
    method=ScoringMethod.RATIO,
    direction=Direction.HIGHER_IS_BETTER,
    unit="EUR",
    target=D(500_000),
)
CRM_QUALITY = IndicatorScoringSpec(
    kind=IndicatorKind.QUALITATIVE,
    method=ScoringMethod.RUBRIC,
    rubric=[
        RubricLevel(level=1, score=D(0), description="Contacts and deals mostly unrecorded"),
        RubricLevel(level=2, score=D("0.5"), description="Recorded, often late or incomplete"),
        RubricLevel(level=3, score=D("0.75"), description="Complete, updated weekly"),
        RubricLevel(level=4, score=D(1), description="Complete, updated the same day"),
        RubricLevel(level=5, score=D("1.2"), description="Exemplary; used as the team's model"),
    ],
)
COMPLAINTS = IndicatorScoringSpec(
    kind=IndicatorKind.QUANTITATIVE,
    method=ScoringMethod.INTERPOLATION,
    direction=Direction.LOWER_IS_BETTER,
    unit="complaints",
    threshold=D(6),
    target=D(3),
    stretch=D(0),
)
IDS = {name: uuid4() for name in ("contracts", "pipeline", "crm", "complaints")}


def sales_plan(
    *, complaints_measured: bool = True, pipeline: Perspective = Perspective.CUSTOMER
) -> list[PlanItem]:
    return [
        PlanItem(
            indicator_id=IDS["contracts"],
            name="Monthly signed contracts",
            perspective=Perspective.FINANCIAL,
            weight=D(40),
            score=score_indicator(CONTRACTS, D(12)),  # 1 + 0.2 * (12 - 10) / (14 - 10) = 1.1
        ),
        PlanItem(
            indicator_id=IDS["pipeline"],
            name="Pipeline value",
            perspective=pipeline,
            weight=D(25),
            score=score_indicator(PIPELINE, D(450_000)),  # 450 000 / 500 000 = 0.9
        ),
        PlanItem(
            indicator_id=IDS["crm"],
            name="CRM data quality",
            perspective=Perspective.INTERNAL_PROCESS,
            weight=D(15),
            score=score_indicator(CRM_QUALITY, level=3),  # level 3 -> 0.75
        ),
        PlanItem(
            indicator_id=IDS["complaints"],
            name="Customer complaints",
            perspective=Perspective.CUSTOMER,
            weight=D(20),
            # 0.5 + 0.5 * (4 - 6) / (3 - 6) = 0.8333… -> 0.8333
            score=score_indicator(COMPLAINTS, D(4)) if complaints_measured else None,
        ),
    ]


def by_perspective(result: PlanScore, perspective: Perspective) -> PerspectiveScore:
    return next(p for p in result.perspectives if p.perspective is perspective)


class TestWorkedExampleSalesRepresentative:
    def test_indicator_scores(self) -> None:
        scores = [item.score.score for item in sales_plan() if item.score is not None]
        assert scores == [D("1.1"), D("0.9"), D("0.75"), D("0.8333")]

    def test_plan_total(self) -> None:
        # 40 * 1.1 + 25 * 0.9 + 15 * 0.75 + 20 * 0.8333
        #   = 44 + 22.5 + 11.25 + 16.666 = 94.416;  / 100 = 0.94416 -> 0.9442
        result = score_plan(sales_plan())
        assert result.total == D("0.9442")
        assert result.percent == D("94.42")
        assert result.provisional is False
        assert result.total_weight == result.scored_weight == 100
        assert result.unscored == []

    def test_per_perspective_breakdown(self) -> None:
        result = score_plan(sales_plan())
        financial = by_perspective(result, Perspective.FINANCIAL)
        # 40 %: 44 / 40 = 1.1; contribution 44 / 100 = 0.44
        assert (financial.weight, financial.score, financial.contribution) == (
            D(40),
            D("1.1"),
            D("0.44"),
        )
        customer = by_perspective(result, Perspective.CUSTOMER)
        # 25 + 20 = 45 %: (22.5 + 16.666) / 45 = 39.166 / 45 = 0.870355… -> 0.8704;
        # contribution 39.166 / 100 = 0.39166 -> 0.3917
        assert (customer.weight, customer.score, customer.contribution) == (
            D(45),
            D("0.8704"),
            D("0.3917"),
        )
        assert customer.indicators == 2
        internal = by_perspective(result, Perspective.INTERNAL_PROCESS)
        # 15 %: 11.25 / 15 = 0.75; contribution 0.1125
        assert (internal.weight, internal.score, internal.contribution) == (
            D(15),
            D("0.75"),
            D("0.1125"),
        )
        learning = by_perspective(result, Perspective.LEARNING_GROWTH)
        assert (learning.weight, learning.score, learning.contribution) == (D(0), None, D(0))
        assert [p.perspective for p in result.perspectives] == list(Perspective)

    def test_every_term_is_in_the_steps(self) -> None:
        steps = [s.description for s in score_plan(sales_plan()).steps]
        assert "Monthly signed contracts (financial): weight 40 \u00d7 score 1.1 = 44" in steps
        assert "Customer complaints (customer): weight 20 \u00d7 score 0.8333 = 16.666" in steps
        assert (
            "total = \u03a3 weight \u00d7 score / \u03a3 scored weight = "
            "(44 + 22.5 + 11.25 + 16.666) / 100 = 0.94416 \u2192 0.9442"
        ) in steps

    def test_the_weights_are_within_the_usual_bounds(self) -> None:
        items = [
            WeightItem(indicator_id=i.indicator_id, weight=i.weight, perspective=i.perspective)
            for i in sales_plan()
        ]
        assert (
            validate_weights(items, min_weight=DEFAULT_MIN_WEIGHT, max_weight=DEFAULT_MAX_WEIGHT)
            == []
        )

    def test_the_plan_keeps_the_default_balance(self) -> None:
        # non-financial: 25 + 20 + 15 = 60 % >= 40 %
        weights = perspective_weights(sales_plan())
        assert check_balance(weights, default_balance_rules()) == []

    def test_counting_the_pipeline_as_financial_breaks_the_balance(self) -> None:
        # non-financial: 20 + 15 = 35 % < 40 %
        weights = perspective_weights(sales_plan(pipeline=Perspective.FINANCIAL))
        (violation,) = check_balance(weights, default_balance_rules())
        assert violation.rule_id == "non_financial_min_40"
        assert (violation.actual, violation.limit) == (D(35), D(40))


class TestUnscoredItems:
    def test_the_total_is_over_the_scored_weight_and_provisional(self) -> None:
        # complaints (20 %) not measured yet: (44 + 22.5 + 11.25) / 80 = 77.75 / 80
        #   = 0.971875 -> 0.9719 (half up)
        result = score_plan(sales_plan(complaints_measured=False))
        assert result.total == D("0.9719")
        assert result.provisional is True
        assert result.scored_weight == 80
        assert result.total_weight == 100
        assert result.unscored == [IDS["complaints"]]

    def test_contributions_share_the_same_denominator(self) -> None:
        result = score_plan(sales_plan(complaints_measured=False))
        customer = by_perspective(result, Perspective.CUSTOMER)
        # customer: weight 45, scored 25; score 22.5 / 25 = 0.9; contribution 22.5 / 80
        #   = 0.28125 -> 0.2813
        assert (customer.weight, customer.scored_weight) == (D(45), D(25))
        assert (customer.score, customer.contribution) == (D("0.9"), D("0.2813"))
        complaints = result.items[3]
        assert (complaints.score, complaints.contribution) == (None, None)

    def test_the_steps_say_the_total_is_provisional(self) -> None:
        steps = [s.description for s in score_plan(sales_plan(complaints_measured=False)).steps]
        assert (
            "Customer complaints (customer, weight 20 %): no score yet, left out of the total"
            in steps
        )
        assert (
            "provisional: Customer complaints (20 % of the weight) not scored yet; "
            "the total is over the scored 80 %"
        ) in steps

    def test_nothing_scored_has_no_total(self) -> None:
        items = [
            PlanItem(indicator_id=uuid4(), name=n, perspective=Perspective.FINANCIAL, weight=D(50))
            for n in ("a", "b")
        ]
        result = score_plan(items)
        assert (result.total, result.percent, result.provisional) == (None, None, True)
        assert all(p.contribution == 0 for p in result.perspectives)


class TestContributions:
    def test_contributions_add_up_to_the_total_within_rounding(self) -> None:
        result = score_plan(sales_plan())
        assert result.total is not None
        items = sum((i.contribution or D(0) for i in result.items), D(0))
        perspectives = sum((p.contribution for p in result.perspectives), D(0))
        # each term is rounded to 4 places: at most 0.00005 off per term
        assert abs(items - result.total) <= D("0.0002")
        assert abs(perspectives - result.total) <= D("0.0002")


class TestPlanWeightsRefused:
    def item(self, weight: str, indicator_id: UUID | None = None) -> PlanItem:
        return PlanItem(
            indicator_id=indicator_id or uuid4(),
            name="x",
            perspective=Perspective.CUSTOMER,
            weight=D(weight),
        )

    def test_weights_not_totalling_100(self) -> None:
        with pytest.raises(PlanWeightsError) as caught:
            score_plan([self.item("50"), self.item("40")])
        (problem,) = caught.value.weight_problems
        assert (problem.code, problem.actual, problem.pointer) == (
            WeightProblemCode.TOTAL,
            D(90),
            "items",
        )

    def test_a_total_within_the_tolerance_is_accepted(self) -> None:
        result = score_plan([self.item("33.33"), self.item("33.33"), self.item("33.33")])
        assert result.total_weight == D("99.99")

    def test_a_duplicate_indicator(self) -> None:
        same = uuid4()
        with pytest.raises(PlanWeightsError) as caught:
            score_plan([self.item("50", same), self.item("50", same)])
        assert [p.pointer for p in caught.value.problems] == ["items/1/indicator_id"]

    def test_a_negative_weight(self) -> None:
        with pytest.raises(PlanWeightsError) as caught:
            score_plan([self.item("-10"), self.item("110")])
        assert caught.value.problems[0].pointer == "items/0/weight"

    def test_an_empty_plan(self) -> None:
        with pytest.raises(PlanWeightsError):
            score_plan([])
