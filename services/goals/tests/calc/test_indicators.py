"""Validation of an indicator's scoring parameters: every rule, by field."""

from decimal import Decimal

import pytest

from strata_contracts.goals.calc import IndicatorScoringSpec, RubricLevel, ValueBand
from strata_contracts.goals.vocabulary import Direction, IndicatorKind, ScoringMethod
from strata_goals.calc import validate_indicator

D = Decimal
HIGHER, LOWER, BAND = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER, Direction.TARGET_BAND
LEVELS = [
    RubricLevel(level=1, score=D(0), description="Rarely"),
    RubricLevel(level=2, score=D("0.5"), description="Sometimes"),
    RubricLevel(level=3, score=D(1), description="Always"),
]


def spec(**fields: object) -> IndicatorScoringSpec:
    defaults: dict[str, object] = {
        "kind": IndicatorKind.QUANTITATIVE,
        "method": ScoringMethod.INTERPOLATION,
        "direction": HIGHER,
    }
    return IndicatorScoringSpec.model_validate(defaults | fields)


def qualitative(**fields: object) -> IndicatorScoringSpec:
    return spec(
        **{
            "kind": IndicatorKind.QUALITATIVE,
            "method": ScoringMethod.RUBRIC,
            "direction": None,
            "rubric": LEVELS,
        }
        | fields
    )


def found(s: IndicatorScoringSpec) -> list[tuple[str, str]]:
    return [(p.pointer, p.code) for p in validate_indicator(s)]


class TestValidSpecs:
    @pytest.mark.parametrize(
        "s",
        [
            spec(threshold=D(40), target=D(50), stretch=D(60)),
            spec(threshold=D(50), target=D(50)),  # all-or-nothing
            spec(direction=LOWER, threshold=D(6), target=D(3), stretch=D(0)),
            spec(direction=BAND, band_low=D(0), band_high=D(0)),
            spec(direction=BAND, band_low=D(95), band_high=D(105), band_tolerance=D(5)),
            spec(method=ScoringMethod.RATIO, target=D(10)),
            spec(method=ScoringMethod.RATIO, direction=LOWER, target=D(5), baseline=D(9)),
            spec(
                method=ScoringMethod.BANDS,
                bands=[
                    ValueBand(upper=D(2), score=D(1)),
                    ValueBand(lower=D(2), upper=D(5), score=D("0.5")),  # adjacent: fine
                    ValueBand(lower=D(6), score=D(0)),  # a gap before it: fine
                ],
            ),
            qualitative(),
        ],
    )
    def test_no_problems(self, s: IndicatorScoringSpec) -> None:
        assert validate_indicator(s) == []


class TestCommonRules:
    def test_a_cap_below_one(self) -> None:
        assert found(spec(threshold=D(1), target=D(2), cap=D("0.9"))) == [("cap", "range")]

    @pytest.mark.parametrize("floor", ["-0.1", "1.1"])
    def test_the_threshold_score_between_zero_and_one(self, floor: str) -> None:
        s = spec(threshold=D(1), target=D(2), threshold_score=D(floor))
        assert found(s) == [("threshold_score", "range")]

    def test_non_finite_numbers(self) -> None:
        # pydantic refuses them on the wire; a spec built without validation is still caught
        s = spec(threshold=D(1), target=D(2)).model_copy(update={"threshold": D("-Infinity")})
        assert found(s) == [("threshold", "value")]


class TestQualitative:
    def test_scored_by_rubric_only(self) -> None:
        assert found(qualitative(method=ScoringMethod.RATIO)) == [("method", "method")]

    def test_no_direction(self) -> None:
        assert found(qualitative(direction=HIGHER)) == [("direction", "not_allowed")]

    @pytest.mark.parametrize(
        "name",
        ["baseline", "threshold", "target", "stretch", "band_low", "band_high", "band_tolerance"],
    )
    def test_no_numeric_parameters(self, name: str) -> None:
        assert found(qualitative(**{name: D(1)})) == [(name, "not_allowed")]

    def test_no_value_bands(self) -> None:
        s = qualitative(bands=[ValueBand(score=D(1))])
        assert found(s) == [("bands", "not_allowed")]

    @pytest.mark.parametrize("levels", [[], LEVELS[:1]])
    def test_at_least_two_levels(self, levels: list[RubricLevel]) -> None:
        assert ("rubric", "too_few") in found(qualitative(rubric=levels))

    def test_unique_level_numbers(self) -> None:
        levels = [*LEVELS, RubricLevel(level=2, score=D("0.6"), description="Again")]
        assert found(qualitative(rubric=levels)) == [("rubric/3/level", "duplicate")]

    def test_each_level_described(self) -> None:
        levels = [LEVELS[0], RubricLevel(level=2, score=D(1), description="  ")]
        assert found(qualitative(rubric=levels)) == [("rubric/1/description", "missing")]

    def test_scores_between_zero_and_the_cap(self) -> None:
        levels = [LEVELS[0], RubricLevel(level=2, score=D("1.3"), description="Beyond")]
        assert found(qualitative(rubric=levels)) == [("rubric/1/score", "range")]
        assert found(qualitative(rubric=levels, cap=D("1.3"))) == []

    def test_a_higher_level_may_not_score_less(self) -> None:
        # listed out of order on purpose: the check follows the level numbers
        levels = [
            RubricLevel(level=3, score=D("0.4"), description="Always"),
            RubricLevel(level=1, score=D(0), description="Rarely"),
            RubricLevel(level=2, score=D("0.5"), description="Sometimes"),
        ]
        assert found(qualitative(rubric=levels)) == [("rubric/0/score", "order")]


class TestQuantitativeShape:
    def test_a_direction_is_required(self) -> None:
        assert found(spec(direction=None, threshold=D(1), target=D(2))) == [
            ("direction", "missing")
        ]

    def test_not_scored_by_rubric(self) -> None:
        assert found(spec(method=ScoringMethod.RUBRIC, rubric=LEVELS)) == [
            ("method", "method"),
            ("rubric", "not_allowed"),
        ]


class TestOrder:
    def test_higher_is_better_threshold_above_target(self) -> None:
        assert found(spec(threshold=D(60), target=D(50))) == [("threshold", "order")]

    @pytest.mark.parametrize("stretch", ["50", "45"])
    def test_higher_is_better_stretch_must_exceed_target(self, stretch: str) -> None:
        s = spec(threshold=D(40), target=D(50), stretch=D(stretch))
        assert found(s) == [("stretch", "order")]

    def test_lower_is_better_is_the_reverse(self) -> None:
        assert found(spec(direction=LOWER, threshold=D(3), target=D(6))) == [("threshold", "order")]
        assert found(spec(direction=LOWER, threshold=D(6), target=D(3), stretch=D(3))) == [
            ("stretch", "order")
        ]

    def test_stretch_against_threshold_when_no_target(self) -> None:
        s = spec(method=ScoringMethod.BANDS, threshold=D(5), stretch=D(4), bands=[
            ValueBand(score=D(1))])  # fmt: skip
        assert found(s) == [("stretch", "order")]

    def test_checked_whatever_the_method(self) -> None:
        s = spec(method=ScoringMethod.RATIO, threshold=D(12), target=D(10))
        assert found(s) == [("threshold", "order")]

    def test_band_low_above_band_high(self) -> None:
        s = spec(direction=BAND, band_low=D(5), band_high=D(4))
        assert found(s) == [("band_high", "order")]

    def test_negative_band_tolerance(self) -> None:
        s = spec(direction=BAND, band_low=D(0), band_high=D(0), band_tolerance=D(-1))
        assert found(s) == [("band_tolerance", "range")]


class TestRatio:
    def test_needs_a_target(self) -> None:
        assert found(spec(method=ScoringMethod.RATIO)) == [("target", "missing")]

    @pytest.mark.parametrize("target", ["0", "-5"])
    def test_needs_a_positive_target(self, target: str) -> None:
        s = spec(method=ScoringMethod.RATIO, direction=LOWER, target=D(target))
        assert found(s) == [("target", "not_positive")]

    def test_not_for_a_target_band(self) -> None:
        s = spec(method=ScoringMethod.RATIO, direction=BAND, band_low=D(1), band_high=D(2))
        assert found(s) == [("method", "method")]


class TestInterpolation:
    def test_needs_threshold_and_target(self) -> None:
        assert found(spec()) == [("threshold", "missing"), ("target", "missing")]

    def test_a_band_needs_both_ends(self) -> None:
        assert found(spec(direction=BAND, band_low=D(0))) == [("band_high", "missing")]


class TestValueBands:
    def bands(self, *bands: ValueBand) -> list[tuple[str, str]]:
        return found(spec(method=ScoringMethod.BANDS, bands=list(bands)))

    def test_at_least_one(self) -> None:
        assert self.bands() == [("bands", "missing")]

    def test_lower_below_upper(self) -> None:
        assert self.bands(ValueBand(lower=D(5), upper=D(5), score=D(1))) == [
            ("bands/0/upper", "order")
        ]

    def test_only_the_ends_may_be_open(self) -> None:
        problems = self.bands(
            ValueBand(lower=D(0), score=D(1)),
            ValueBand(upper=D(10), score=D(0)),
        )
        assert ("bands/0/upper", "open") in problems
        assert ("bands/1/lower", "open") in problems

    def test_no_overlap(self) -> None:
        assert self.bands(
            ValueBand(lower=D(0), upper=D(5), score=D(1)),
            ValueBand(lower=D(4), upper=D(8), score=D("0.5")),
        ) == [("bands/1/lower", "overlap")]

    def test_ascending_order(self) -> None:
        assert self.bands(
            ValueBand(lower=D(5), upper=D(8), score=D("0.5")),
            ValueBand(lower=D(0), upper=D(5), score=D(1)),
        ) == [("bands/1/lower", "overlap")]

    def test_scores_between_zero_and_the_cap(self) -> None:
        assert self.bands(ValueBand(score=D("-0.1"))) == [("bands/0/score", "range")]
        assert self.bands(ValueBand(score=D("1.25"))) == [("bands/0/score", "range")]


class TestMessages:
    def test_a_problem_says_what_is_wrong_with_the_numbers(self) -> None:
        (problem,) = validate_indicator(spec(threshold=D(60), target=D(50)))
        assert problem.detail == (
            "threshold 60 is above target 50; higher is better needs threshold \u2264 target "
            "\u2264 stretch"
        )
