"""Krippendorff's alpha: Krippendorff's own worked example, hand cases, the `krippendorff`
package on random data with missing values, edge cases."""

import warnings

import krippendorff
import numpy as np
import pytest

from strata_analytics.stats import Reason, krippendorff_alpha

TOL = 1e-9
nan = np.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
# 4 observers x 12 units, missing values; published alpha: ordinal 0.815, interval 0.849.
PAPER = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
)


def long_form(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unit, value) rows from an observers x units matrix."""
    units = np.tile(np.arange(matrix.shape[1]), matrix.shape[0])
    return units, matrix.ravel()


def reference(matrix: np.ndarray, level: str) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))


class TestPublishedExample:
    def test_interval(self) -> None:
        result = krippendorff_alpha(*long_form(PAPER), level="interval", anonymity_threshold=1)
        assert result.alpha == pytest.approx(0.849, abs=5e-4)
        assert result.alpha == pytest.approx(reference(PAPER, "interval"), abs=TOL)
        assert result.units == 11  # unit 12 has one value: not pairable
        assert result.values == 40

    def test_ordinal(self) -> None:
        result = krippendorff_alpha(*long_form(PAPER), level="ordinal", anonymity_threshold=1)
        assert result.alpha == pytest.approx(0.815, abs=5e-4)
        assert result.alpha == pytest.approx(reference(PAPER, "ordinal"), abs=TOL)


class TestHandComputed:
    # units {1, 2}, {3, 3}, {2, 4}
    UNITS = [0, 0, 1, 1, 2, 2]
    VALUES = [1.0, 2, 3, 3, 2, 4]

    def test_interval(self) -> None:
        # n = 6, mean 2.5, SS_total = 2.25 + .25 + .25 + .25 + .25 + 2.25 = 5.5
        # per unit m·SS/(m - 1): 2·0.5 = 1, 0, 2·2 = 4; sum 5
        # D_o = 2·5/6 = 5/3; D_e = 2·5.5/5 = 2.2; alpha = 1 - (5/3)/2.2 = 8/33
        result = krippendorff_alpha(self.UNITS, self.VALUES, level="interval",
                                    anonymity_threshold=2)  # fmt: skip
        assert result.observed_disagreement == pytest.approx(5 / 3, abs=TOL)
        assert result.expected_disagreement == pytest.approx(2.2, abs=TOL)
        assert result.alpha == pytest.approx(8 / 33, abs=TOL)

    def test_ordinal(self) -> None:
        # frequencies n1 = 1, n2 = 2, n3 = 2, n4 = 1; positions r_c = sum_{g<c} n_g + n_c/2:
        # r1 = 0.5, r2 = 2, r3 = 4, r4 = 5.5 -> units {0.5, 2}, {4, 4}, {2, 5.5}
        # mean 3, SS_total = 6.25 + 1 + 1 + 1 + 1 + 6.25 = 16.5
        # per unit m·SS/(m - 1): 2·1.125 = 2.25, 0, 2·6.125 = 12.25; sum 14.5
        # D_o = 2·14.5/6 = 29/6; D_e = 2·16.5/5 = 6.6; alpha = 1 - (29/6)/6.6 = 53/198
        result = krippendorff_alpha(self.UNITS, self.VALUES, level="ordinal",
                                    anonymity_threshold=2)  # fmt: skip
        assert result.alpha == pytest.approx(53 / 198, abs=TOL)


class TestAgainstPackage:
    @pytest.mark.parametrize("seed", [1, 2, 3, 4])
    @pytest.mark.parametrize("level", ["interval", "ordinal"])
    def test_random_with_missing(self, seed: int, level: str) -> None:
        rng = np.random.default_rng(seed)
        raters, units = 6, 200
        truth = rng.integers(1, 6, units)
        matrix = np.clip(truth + rng.integers(-1, 2, (raters, units)), 1, 5).astype(float)
        matrix[rng.random(matrix.shape) < 0.3] = np.nan
        result = krippendorff_alpha(*long_form(matrix), level=level, anonymity_threshold=1)
        assert result.alpha == pytest.approx(reference(matrix, level), abs=TOL)

    def test_anonymity_excludes_units_before_computing(self) -> None:
        rng = np.random.default_rng(5)
        matrix = rng.integers(1, 6, (5, 100)).astype(float)
        matrix[rng.random(matrix.shape) < 0.4] = np.nan
        result = krippendorff_alpha(*long_form(matrix), level="interval", anonymity_threshold=3)
        rated = (~np.isnan(matrix)).sum(axis=0)
        kept = matrix[:, rated >= 3]
        assert result.units == kept.shape[1]
        assert result.excluded_units == ((rated > 0) & (rated < 3)).sum()  # unrated: no unit
        assert result.alpha == pytest.approx(reference(kept, "interval"), abs=TOL)


class TestEdgeCases:
    def test_all_raters_identical_and_values_vary(self) -> None:
        result = krippendorff_alpha([0, 0, 1, 1], [2.0, 2, 4, 4], level="interval",
                                    anonymity_threshold=1)  # fmt: skip
        assert result.alpha == 1.0

    def test_every_value_the_same(self) -> None:
        result = krippendorff_alpha([0, 0, 1, 1], [3.0] * 4, level="ordinal",
                                    anonymity_threshold=1)  # fmt: skip
        assert result.alpha is None
        assert result.reason is Reason.ZERO_VARIANCE

    def test_no_pairable_unit(self) -> None:
        result = krippendorff_alpha([0, 1, 2], [1.0, 2, nan], level="interval",
                                    anonymity_threshold=1)  # fmt: skip
        assert result.alpha is None
        assert result.reason is Reason.INSUFFICIENT_DATA

    def test_all_units_below_threshold(self) -> None:
        result = krippendorff_alpha([0, 0, 1, 1], [1.0, 2, 3, 4], level="interval",
                                    anonymity_threshold=3)  # fmt: skip
        assert result.excluded_units == 2
        assert result.reason is Reason.INSUFFICIENT_DATA

    def test_unknown_level(self) -> None:
        with pytest.raises(ValueError, match="level"):
            krippendorff_alpha([0], [1.0], level="nominal", anonymity_threshold=1)  # type: ignore[arg-type]
