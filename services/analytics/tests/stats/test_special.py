"""The chi-square survival function against closed forms and scipy."""

import math

import numpy as np
import pytest
from scipy import special, stats

from strata_analytics.stats import chi2_sf, gamma_q


class TestClosedForms:
    @pytest.mark.parametrize("x", [0.0, 0.1, 1.0, 5.991464547107979, 20.0, 200.0])
    def test_two_degrees_of_freedom(self, x: float) -> None:
        # chi-square with 2 df is exponential with mean 2: P(X >= x) = exp(-x/2)
        assert chi2_sf(x, 2) == pytest.approx(math.exp(-x / 2), rel=1e-12, abs=1e-300)

    @pytest.mark.parametrize("x", [0.001, 0.5, 3.841458820694124, 10.0, 50.0])
    def test_one_degree_of_freedom(self, x: float) -> None:
        # P(chi2_1 >= x) = P(|Z| >= sqrt(x)) = erfc(sqrt(x/2))
        assert chi2_sf(x, 1) == pytest.approx(math.erfc(math.sqrt(x / 2)), rel=1e-10)

    def test_critical_value(self) -> None:
        assert chi2_sf(3.841458820694124, 1) == pytest.approx(0.05, abs=1e-12)

    def test_zero_and_infinity(self) -> None:
        assert chi2_sf(0.0, 3) == 1.0
        assert chi2_sf(math.inf, 3) == 0.0


class TestAgainstScipy:
    @pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 7, 10, 24, 50, 120, 400])
    def test_grid(self, df: int) -> None:
        for x in np.concatenate([np.linspace(0, 3 * df + 60, 300), [1e-9, 1e-3]]):
            assert chi2_sf(float(x), df) == pytest.approx(stats.chi2.sf(x, df), abs=1e-12)

    @pytest.mark.parametrize("df", [1, 3, 10, 40])
    def test_relative_accuracy_in_the_tail(self, df: int) -> None:
        for x in [df + 30.0, df + 80.0, df + 200.0]:
            assert chi2_sf(x, df) == pytest.approx(stats.chi2.sf(x, df), rel=1e-9)

    def test_gamma_q(self) -> None:
        rng = np.random.default_rng(0)
        for a, x in zip(rng.uniform(0.05, 60, 200), rng.uniform(0, 120, 200), strict=True):
            assert gamma_q(float(a), float(x)) == pytest.approx(special.gammaincc(a, x), abs=1e-12)


class TestInvalid:
    def test_no_degrees_of_freedom(self) -> None:
        with pytest.raises(ValueError, match="df"):
            chi2_sf(1.0, 0)

    def test_negative_statistic(self) -> None:
        with pytest.raises(ValueError, match="x"):
            chi2_sf(-1.0, 2)
