"""Scoring one indicator: each method against hand-computed values, and its explanation."""

import random
from decimal import Decimal

import pytest

from strata_contracts.goals.calc import IndicatorScoringSpec, RubricLevel, ValueBand
from strata_contracts.goals.vocabulary import Direction, IndicatorKind, ScoringMethod
from strata_goals.calc import InvalidIndicatorError, ScoringError, score_indicator

D = Decimal


def quantitative(
    method: ScoringMethod, direction: Direction, **params: object
) -> IndicatorScoringSpec:
    return IndicatorScoringSpec.model_validate(
        {"kind": IndicatorKind.QUANTITATIVE, "method": method, "direction": direction, **params}
    )


def ratio(
    direction: Direction = Direction.HIGHER_IS_BETTER, **params: object
) -> IndicatorScoringSpec:
    return quantitative(ScoringMethod.RATIO, direction, **params)


def interpolation(
    direction: Direction = Direction.HIGHER_IS_BETTER, **params: object
) -> IndicatorScoringSpec:
    return quantitative(ScoringMethod.INTERPOLATION, direction, **params)


SALES = interpolation(threshold=D(40), target=D(50), stretch=D(60))
COMPLAINTS = interpolation(Direction.LOWER_IS_BETTER, threshold=D(6), target=D(3), stretch=D(0))
RUBRIC = [
    RubricLevel(level=1, score=D(0), description="No CRM records kept"),
    RubricLevel(level=2, score=D("0.5"), description="Records kept, often late or incomplete"),
    RubricLevel(level=3, score=D("0.75"), description="Records complete, updated weekly"),
    RubricLevel(level=4, score=D(1), description="Records complete, updated within a day"),
    RubricLevel(level=5, score=D("1.2"), description="Exemplary; others use them as a model"),
]
CRM = IndicatorScoringSpec(
    kind=IndicatorKind.QUALITATIVE, method=ScoringMethod.RUBRIC, rubric=RUBRIC
)


class TestRatioHigherIsBetter:
    def test_below_target_is_actual_over_target(self) -> None:
        # 150 / 200 = 0.75
        result = score_indicator(ratio(target=D(200)), D(150))
        assert result.score == D("0.7500")
        assert result.percent == D("75.00")
        assert result.capped is False

    def test_above_target_earns_extra_credit_up_to_the_cap(self) -> None:
        # 230 / 200 = 1.15 < cap 1.2
        assert score_indicator(ratio(target=D(200)), D(230)).score == D("1.15")

    def test_the_cap_limits_the_credit(self) -> None:
        # 250 / 200 = 1.25 > cap 1.2 -> 1.2
        result = score_indicator(ratio(target=D(200)), D(250))
        assert result.score == D("1.2")
        assert result.capped is True
        assert "above the cap 1.2" in result.steps[-2].description

    def test_a_custom_cap(self) -> None:
        # 250 / 200 = 1.25 <= cap 1.5
        assert score_indicator(ratio(target=D(200), cap=D("1.5")), D(250)).score == D("1.25")

    def test_zero_actual_scores_zero_and_says_why(self) -> None:
        result = score_indicator(ratio(target=D(200)), D(0))
        assert result.score == 0
        assert "at or below 0" in result.steps[1].description

    def test_negative_actual_scores_zero(self) -> None:
        assert score_indicator(ratio(target=D(200)), D(-10)).score == 0

    def test_the_score_is_rounded_half_up_to_four_places(self) -> None:
        # 5.0004 / 8 = 0.62505 -> 0.6251 half up (half even would give 0.6250)
        assert score_indicator(ratio(target=D(8)), D("5.0004")).score == D("0.6251")
        # 2 / 3 = 0.6666… -> 0.6667
        result = score_indicator(ratio(target=D(3)), D(2))
        assert result.score == D("0.6667")
        assert result.percent == D("66.67")


class TestRatioLowerIsBetter:
    def test_target_over_actual(self) -> None:
        # 5 / 10 = 0.5
        assert score_indicator(ratio(Direction.LOWER_IS_BETTER, target=D(5)), D(10)).score == D(
            "0.5"
        )

    def test_beating_the_target_is_capped(self) -> None:
        # 5 / 4 = 1.25 -> cap 1.2
        result = score_indicator(ratio(Direction.LOWER_IS_BETTER, target=D(5)), D(4))
        assert result.score == D("1.2")
        assert result.capped is True

    def test_zero_actual_earns_the_cap_instead_of_dividing_by_zero(self) -> None:
        result = score_indicator(ratio(Direction.LOWER_IS_BETTER, target=D(5)), D(0))
        assert result.score == D("1.2")
        assert result.capped is True
        assert "no finite value" in result.steps[1].description

    def test_rounding(self) -> None:
        # 5 / 6 = 0.8333…
        assert score_indicator(ratio(Direction.LOWER_IS_BETTER, target=D(5)), D(6)).score == D(
            "0.8333"
        )


class TestRatioRefused:
    def test_without_a_target(self) -> None:
        with pytest.raises(InvalidIndicatorError) as caught:
            score_indicator(ratio(), D(1))
        assert (caught.value.pointer, caught.value.code) == ("target", "missing")

    def test_with_a_zero_target(self) -> None:
        with pytest.raises(InvalidIndicatorError) as caught:
            score_indicator(ratio(Direction.LOWER_IS_BETTER, target=D(0)), D(1))
        assert (caught.value.pointer, caught.value.code) == ("target", "not_positive")

    def test_for_a_target_band(self) -> None:
        spec = ratio(Direction.TARGET_BAND, band_low=D(1), band_high=D(2), target=D(1))
        with pytest.raises(InvalidIndicatorError) as caught:
            score_indicator(spec, D(1))
        assert caught.value.pointer == "method"


class TestInterpolationHigherIsBetter:
    @pytest.mark.parametrize(
        ("actual", "expected"),
        [
            ("35", "0"),  # below threshold 40
            ("40", "0.5"),  # at threshold: the floor
            ("45", "0.75"),  # 0.5 + 0.5 * (45 - 40) / (50 - 40)
            ("49", "0.95"),  # 0.5 + 0.5 * 9 / 10
            ("50", "1"),  # at target
            ("55", "1.1"),  # 1 + 0.2 * (55 - 50) / (60 - 50)
            ("60", "1.2"),  # at stretch: the cap
            ("70", "1.2"),  # beyond stretch: capped
        ],
    )
    def test_piecewise_linear_through_threshold_target_stretch(
        self, actual: str, expected: str
    ) -> None:
        assert score_indicator(SALES, D(actual)).score == D(expected)

    def test_beyond_the_stretch_is_reported_as_capped(self) -> None:
        assert score_indicator(SALES, D(60)).capped is False
        assert score_indicator(SALES, D(70)).capped is True

    def test_a_configurable_floor(self) -> None:
        # floor 0: 0 + 1 * (45 - 40) / (50 - 40) = 0.5
        spec = interpolation(threshold=D(40), target=D(50), threshold_score=D(0))
        assert score_indicator(spec, D(45)).score == D("0.5")
        # floor 0.2: 0.2 + 0.8 * 0.5 = 0.6
        spec = interpolation(threshold=D(40), target=D(50), threshold_score=D("0.2"))
        assert score_indicator(spec, D(45)).score == D("0.6")

    def test_a_custom_cap_sets_the_stretch_score(self) -> None:
        # 1 + 0.5 * (55 - 50) / (60 - 50) = 1.25
        spec = interpolation(threshold=D(40), target=D(50), stretch=D(60), cap=D("1.5"))
        assert score_indicator(spec, D(55)).score == D("1.25")

    def test_without_a_stretch_there_is_no_credit_beyond_target(self) -> None:
        spec = interpolation(threshold=D(40), target=D(50))
        result = score_indicator(spec, D(80))
        assert result.score == 1
        assert "no stretch" in result.steps[1].description

    def test_threshold_equal_to_target_is_all_or_nothing(self) -> None:
        spec = interpolation(threshold=D(50), target=D(50))
        assert score_indicator(spec, D("49.99")).score == 0
        assert score_indicator(spec, D(50)).score == 1

    def test_negative_values(self) -> None:
        # profit margin from -10 (threshold) to 0 (target): 0.5 + 0.5 * (-5 - -10) / (0 - -10)
        spec = interpolation(threshold=D(-10), target=D(0))
        result = score_indicator(spec, D(-5))
        assert result.score == D("0.75")
        assert "((-5) \u2212 (-10)) / (0 \u2212 (-10))" in result.steps[1].description


class TestInterpolationLowerIsBetter:
    @pytest.mark.parametrize(
        ("actual", "expected"),
        [
            ("7", "0"),  # worse (above) than threshold 6
            ("6", "0.5"),  # at threshold
            ("4", "0.8333"),  # 0.5 + 0.5 * (4 - 6) / (3 - 6) = 0.8333…
            ("3", "1"),  # at target
            ("1.5", "1.1"),  # 1 + 0.2 * (1.5 - 3) / (0 - 3)
            ("0", "1.2"),  # at stretch
        ],
    )
    def test_mirrors_higher_is_better(self, actual: str, expected: str) -> None:
        assert score_indicator(COMPLAINTS, D(actual)).score == D(expected)

    def test_the_explanation_says_above_the_threshold(self) -> None:
        assert "above the threshold 6" in score_indicator(COMPLAINTS, D(7)).steps[1].description


class TestTargetBand:
    def band(self, **params: object) -> IndicatorScoringSpec:
        return interpolation(Direction.TARGET_BAND, **params)

    @pytest.mark.parametrize(
        ("actual", "expected"),
        [
            ("100", "1"),  # inside [95, 105]
            ("95", "1"),  # ends included
            ("105", "1"),
            ("90", "0.5"),  # 5 below; default tolerance = width 10: 1 - 5/10
            ("110", "0.5"),  # 5 above
            ("102.5", "1"),
            ("87.5", "0.25"),  # 1 - 7.5/10
            ("120", "0"),  # 15 above: max(0, 1 - 15/10)
        ],
    )
    def test_inside_is_full_credit_outside_falls_over_the_width(
        self, actual: str, expected: str
    ) -> None:
        spec = self.band(band_low=D(95), band_high=D(105))
        assert score_indicator(spec, D(actual)).score == D(expected)

    def test_an_explicit_tolerance(self) -> None:
        # safety incidents, band 0..0, tolerance 4: 1 incident -> 1 - 1/4 = 0.75
        spec = self.band(band_low=D(0), band_high=D(0), band_tolerance=D(4))
        assert score_indicator(spec, D(1)).score == D("0.75")
        assert score_indicator(spec, D(4)).score == 0

    def test_a_zero_width_band_without_tolerance_is_strict(self) -> None:
        spec = self.band(band_low=D(0), band_high=D(0))
        assert score_indicator(spec, D(0)).score == 1
        result = score_indicator(spec, D(1))
        assert result.score == 0
        assert "the tolerance is 0" in result.steps[1].description

    def test_never_above_one(self) -> None:
        spec = self.band(band_low=D(0), band_high=D(0), cap=D("1.5"))
        assert score_indicator(spec, D(0)).score == 1


class TestValueBands:
    SPEC = quantitative(
        ScoringMethod.BANDS,
        Direction.LOWER_IS_BETTER,
        bands=[
            ValueBand(upper=D(2), score=D(1), label="excellent"),
            ValueBand(lower=D(2), upper=D(5), score=D("0.6")),
            ValueBand(lower=D(5), upper=D(8), score=D("0.3")),
        ],
    )

    @pytest.mark.parametrize(
        ("actual", "expected"),
        [("-3", "1"), ("1.99", "1"), ("2", "0.6"), ("4.9", "0.6"), ("5", "0.3"), ("7", "0.3")],
    )
    def test_lower_bound_inclusive_upper_exclusive(self, actual: str, expected: str) -> None:
        assert score_indicator(self.SPEC, D(actual)).score == D(expected)

    def test_an_actual_in_no_band_scores_zero_and_says_so(self) -> None:
        result = score_indicator(self.SPEC, D(8))
        assert result.score == 0
        assert "in none of the bands" in result.steps[1].description

    def test_the_matching_band_is_named(self) -> None:
        result = score_indicator(self.SPEC, D(1))
        assert "[-\u221e, 2) \u201cexcellent\u201d" in result.steps[1].description


class TestRubric:
    def test_the_chosen_level_scores_its_score(self) -> None:
        result = score_indicator(CRM, level=3)
        assert result.score == D("0.75")
        assert result.method is ScoringMethod.RUBRIC
        assert result.level == 3
        assert "\u201cRecords complete, updated weekly\u201d" in result.steps[1].description

    def test_a_level_above_100_percent_is_allowed_up_to_the_cap(self) -> None:
        assert score_indicator(CRM, level=5).score == D("1.2")

    def test_an_integral_actual_is_taken_as_the_level(self) -> None:
        result = score_indicator(CRM, actual=D("4.0"))
        assert result.score == 1
        assert result.level == 4

    def test_a_fractional_actual_is_refused(self) -> None:
        with pytest.raises(ScoringError) as caught:
            score_indicator(CRM, actual=D("3.5"))
        assert caught.value.code == "not_a_level"

    def test_a_level_not_in_the_rubric_is_refused(self) -> None:
        with pytest.raises(ScoringError) as caught:
            score_indicator(CRM, level=6)
        assert (caught.value.pointer, caught.value.code) == ("level", "unknown_level")
        assert "levels 1, 2, 3, 4, 5" in str(caught.value)

    def test_no_level_is_refused(self) -> None:
        with pytest.raises(ScoringError) as caught:
            score_indicator(CRM)
        assert (caught.value.pointer, caught.value.code) == ("level", "missing")


class TestScoringRefusals:
    def test_a_missing_actual(self) -> None:
        with pytest.raises(ScoringError) as caught:
            score_indicator(SALES)
        assert (caught.value.pointer, caught.value.code) == ("actual", "missing")
        assert caught.value.problems[0].pointer == "actual"

    def test_a_non_finite_actual(self) -> None:
        with pytest.raises(ScoringError) as caught:
            score_indicator(SALES, D("NaN"))
        assert caught.value.code == "value"

    def test_an_invalid_spec_lists_every_problem(self) -> None:
        spec = interpolation(threshold=D(60), target=D(50), stretch=D(40))
        with pytest.raises(InvalidIndicatorError) as caught:
            score_indicator(spec, D(45))
        assert {p.pointer for p in caught.value.problems} == {"threshold", "stretch"}

    def test_scoring_errors_are_value_errors(self) -> None:
        with pytest.raises(ValueError, match="no actual"):
            score_indicator(SALES)


class TestExplanation:
    def test_the_steps_show_the_rule_the_arithmetic_and_the_result(self) -> None:
        result = score_indicator(SALES, D(45))
        rule, arithmetic, final = result.steps
        assert rule.description.startswith("interpolation, higher is better: threshold 40")
        assert arithmetic.description == (
            "actual 45 between threshold 40 and target 50 \u2192 "
            "0.5 + 0.5 \u00d7 (45 \u2212 40) / (50 \u2212 40) = 0.75"
        )
        assert arithmetic.values == {
            "actual": D(45),
            "threshold": D(40),
            "target": D(50),
            "threshold_score": D("0.5"),
        }
        assert arithmetic.result == D("0.75")
        assert arithmetic.formula is not None
        assert final.description == "score 0.75 = 75 %"

    def test_rounding_is_explained(self) -> None:
        result = score_indicator(COMPLAINTS, D(4))
        assert result.steps[-1].description == (
            "score 0.8333 = 83.33 % (rounded to 4 places from 0.833333\u2026)"
        )

    def test_the_score_survives_a_round_trip_through_json(self) -> None:
        result = score_indicator(SALES, D(55))
        again = type(result).model_validate_json(result.model_dump_json())
        assert again == result


class TestScoreProperties:
    """Seeded random specs: bounds, monotonicity, and continuity at the anchors."""

    @pytest.mark.parametrize("seed", range(20))
    def test_interpolation_is_bounded_monotone_and_hits_its_anchors(self, seed: int) -> None:
        rng = random.Random(seed)
        lower = rng.random() < 0.5
        sign = -1 if lower else 1
        threshold = D(rng.randint(-100, 100))
        target = threshold + sign * D(rng.randint(0, 50))
        stretch = target + sign * D(rng.randint(1, 50))
        floor = D(rng.randint(0, 10)) / 10
        cap = 1 + D(rng.randint(0, 10)) / 10
        spec = interpolation(
            Direction.LOWER_IS_BETTER if lower else Direction.HIGHER_IS_BETTER,
            threshold=threshold,
            target=target,
            stretch=stretch,
            threshold_score=floor,
            cap=cap,
        )
        # from worst to best actual, scores never fall and stay within [0, cap]
        actuals = sorted(
            {threshold - sign * 7, threshold, target, stretch, stretch + sign * 3}
            | {D(rng.randint(-200, 200)) for _ in range(30)},
            reverse=lower,
        )
        scores = [score_indicator(spec, a).score for a in actuals]
        assert all(0 <= s <= cap for s in scores)
        assert scores == sorted(scores)
        assert score_indicator(spec, stretch).score == cap
        if threshold != target:
            assert score_indicator(spec, threshold).score == floor
            assert score_indicator(spec, target).score == 1

    @pytest.mark.parametrize("seed", range(10))
    def test_ratio_is_bounded_and_monotone(self, seed: int) -> None:
        rng = random.Random(seed)
        lower = rng.random() < 0.5
        spec = ratio(
            Direction.LOWER_IS_BETTER if lower else Direction.HIGHER_IS_BETTER,
            target=D(rng.randint(1, 1000)),
        )
        actuals = sorted({D(rng.randint(-50, 2000)) for _ in range(40)}, reverse=lower)
        scores = [score_indicator(spec, a).score for a in actuals]
        assert all(0 <= s <= spec.cap for s in scores)
        assert scores == sorted(scores)
