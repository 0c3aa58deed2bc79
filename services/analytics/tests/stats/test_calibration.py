"""Calibration: a band distribution against a guideline shape, by hand and against scipy."""

import math

import numpy as np
import pytest
from scipy import stats

from strata_analytics.stats import Reason, calibration, calibration_from_counts

TOL = 1e-9
GUIDE = {"low": 0.2, "mid": 0.6, "high": 0.2}


class TestHandComputed:
    def test_counts_deviations_and_statistic(self) -> None:
        # N = 20; expected 4, 12, 4; deviations -2, -2, +4
        # X^2 = 4/4 + 4/12 + 16/4 = 16/3; df = 2; p = exp(-X^2/2) = exp(-8/3) = 0.069483
        result = calibration_from_counts({"low": 2, "mid": 10, "high": 8}, GUIDE)
        assert [b.band for b in result.bands] == ["low", "mid", "high"]
        assert [b.observed for b in result.bands] == [2, 10, 8]
        assert [b.expected for b in result.bands] == pytest.approx([4, 12, 4], abs=TOL)
        assert [b.deviation for b in result.bands] == pytest.approx([-2, -2, 4], abs=TOL)
        assert [b.observed_share for b in result.bands] == pytest.approx([0.1, 0.5, 0.4])
        assert [b.share_deviation for b in result.bands] == pytest.approx([-0.1, -0.1, 0.2])
        # residuals (O - E)/sqrt(E): -2/2, -2/sqrt(12), 4/2
        assert [b.residual for b in result.bands] == pytest.approx(
            [-1, -2 / math.sqrt(12), 2], abs=TOL
        )
        assert result.statistic == pytest.approx(16 / 3, abs=TOL)
        assert result.df == 2
        assert result.p_value == pytest.approx(math.exp(-8 / 3), abs=TOL)
        assert result.small_expected  # 4 < 5: guidance only
        assert result.min_expected == pytest.approx(4, abs=TOL)

    def test_from_one_band_per_person(self) -> None:
        bands = ["low"] * 2 + ["mid"] * 10 + ["high"] * 8
        result = calibration(np.array(bands), GUIDE)
        assert result.statistic == pytest.approx(16 / 3, abs=TOL)

    def test_missing_band_counts_zero(self) -> None:
        result = calibration_from_counts({"mid": 5}, GUIDE)
        assert [b.observed for b in result.bands] == [0, 5, 0]


class TestAgainstScipy:
    @pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
    def test_goodness_of_fit(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        shares = rng.dirichlet(np.ones(5))
        guide = dict(zip([1, 2, 3, 4, 5], shares.tolist(), strict=True))
        bands = rng.choice([1, 2, 3, 4, 5], size=rng.integers(30, 400))
        result = calibration(bands, guide)
        observed = np.array([(bands == b).sum() for b in range(1, 6)])
        theirs = stats.chisquare(observed, observed.sum() * shares / shares.sum())
        assert result.statistic == pytest.approx(theirs.statistic, rel=TOL)
        assert result.p_value == pytest.approx(theirs.pvalue, abs=TOL)


class TestEdgeCases:
    def test_no_ratings(self) -> None:
        result = calibration_from_counts({}, GUIDE)
        assert result.statistic is None
        assert result.reason is Reason.INSUFFICIENT_DATA
        assert all(b.observed_share is None for b in result.bands)

    def test_exact_fit(self) -> None:
        result = calibration_from_counts({"low": 1, "mid": 3, "high": 1}, GUIDE)
        assert result.statistic == pytest.approx(0, abs=TOL)
        assert result.p_value == pytest.approx(1, abs=TOL)

    def test_unknown_band(self) -> None:
        with pytest.raises(ValueError, match="not in the guideline"):
            calibration_from_counts({"top": 1}, GUIDE)

    def test_shares_must_add_up(self) -> None:
        with pytest.raises(ValueError, match="add up to 1"):
            calibration_from_counts({}, {"a": 0.5, "b": 0.6})

    def test_shares_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="positive"):
            calibration_from_counts({}, {"a": 0.0, "b": 1.0})

    def test_one_band_is_not_a_shape(self) -> None:
        with pytest.raises(ValueError, match="two bands"):
            calibration_from_counts({}, {"a": 1.0})
