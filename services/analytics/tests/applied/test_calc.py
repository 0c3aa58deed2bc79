"""The arithmetic of results applied, against hand-computed small cases and independent
references (exact rationals, numpy, scipy, pingouin) on random data, to 1e-9."""

import math
import random
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pingouin
import pytest
from scipy import stats

from strata_analytics.applied.calc import (
    budget_from_percent,
    cohens_d_paired,
    compa_band,
    compa_ratio,
    fit_to_budget,
    hedges_g,
    largest_remainder,
    streak,
)

D = Decimal
CENT = Fraction(1, 100)


class TestCompaRatio:
    def test_ratio_and_band_edges(self):
        # 48,000 / 55,000 = 0.872727… → 0.8727; 45,000 / 50,000 = 0.9 exactly
        assert compa_ratio(D("48000"), D("55000")) == D("0.8727")
        assert compa_ratio(D("45000"), D("50000")) == D("0.9000")
        bounds = [D("0.9"), D("1.1"), None]
        assert compa_band(D("0.8999"), bounds) == 0
        assert compa_band(D("0.9"), bounds) == 1  # a bound belongs to the band above
        assert compa_band(D("1.0999"), bounds) == 1
        assert compa_band(D("1.1"), bounds) == 2
        assert compa_band(D("3"), bounds) == 2


class TestLargestRemainder:
    def test_three_equal_weights_sum_to_the_pool(self):
        # 100.00 / 3 = 33.333…: floors 33.33 * 3 = 99.99, the one cent left goes to the first
        # of the equal remainders. Rounding each half up would give 99.99.
        assert largest_remainder(D("100.00"), [D(1), D(1), D(1)]) == [
            D("33.34"),
            D("33.33"),
            D("33.33"),
        ]

    def test_cents_go_to_the_largest_remainders(self):
        # 10.00 by 1 : 2 : 4 → quotas 1.428571, 2.857142, 5.714285 (cents 142.857, 285.714,
        # 571.428); floors 142 + 285 + 571 = 998, two cents left: remainders .857 > .714 > .428
        assert largest_remainder(D("10.00"), [D(1), D(2), D(4)]) == [
            D("1.43"),
            D("2.86"),
            D("5.71"),
        ]

    def test_zero_weights_get_nothing_and_bad_totals_are_refused(self):
        assert largest_remainder(D("5.00"), [D(0), D(3)]) == [D("0.00"), D("5.00")]
        with pytest.raises(ValueError, match="quanta"):
            largest_remainder(D("5.001"), [D(1)])
        with pytest.raises(ValueError, match="positive"):
            largest_remainder(D("5.00"), [D(0), D(0)])

    @pytest.mark.parametrize("seed", range(40))
    def test_random_against_hamilton_properties(self, seed):
        """Hamilton's method is characterised by: the parts sum to the total; each part is
        its quota's floor or floor + 1 quantum; and every part rounded up has a remainder at
        least as large as every part rounded down. Checked in exact rationals."""
        rng = random.Random(seed)
        n = rng.randint(1, 40)
        weights = [D(rng.randint(0, 200_000)) / 100 for _ in range(n)]
        if sum(weights) == 0:
            weights[0] = D(1)
        total = D(rng.randint(0, 10_000_000)) / 100
        parts = largest_remainder(total, weights)
        assert sum(parts) == total
        quotas = [
            Fraction(total) / CENT * Fraction(w) / sum(map(Fraction, weights)) for w in weights
        ]
        up, down = [], []
        for part, quota in zip(parts, quotas, strict=True):
            cents = Fraction(part) / CENT
            assert cents.denominator == 1
            floor = math.floor(quota)
            assert cents in (floor, floor + 1)
            (up if cents == floor + 1 else down).append(quota - floor)
        if up and down:
            assert min(up) >= max(down)
        # and numerically: every part within one cent of the float quota (numpy)
        w = np.array([float(x) for x in weights])
        exact = float(total) * w / w.sum()
        assert np.all(np.abs(np.array([float(p) for p in parts]) - exact) < 0.01 + 1e-9)


class TestBudget:
    def test_within_budget_no_scaling(self):
        # 48,000 * 4 % = 1,920; 60,000 * 6.5 % = 3,900; total 5,820 <= 6,000
        fit = fit_to_budget([D("48000"), D("60000")], [D("4"), D("6.5")], D("6000.00"))
        assert (fit.scaled, fit.scale_factor, fit.amounts) == (
            False,
            D("1.000000"),
            [D("1920.00"), D("3900.00")],
        )
        assert fit.matrix_spend == D("5820")

    def test_over_budget_scaled_to_the_cent(self):
        # matrix 1,920 + 3,900 + 1,320 = 7,140 > budget 6,570: factor 6,570 / 7,140 = 219/238
        # = 0.920168…; 1,920 * 219/238 = 1,766.7227, 3,900 * … = 3,588.6555,
        # 1,320 * … = 1,214.6218; floors 1,766.72 + 3,588.65 + 1,214.62 = 6,569.99, the cent
        # left goes to the largest remainder (358,865.546 cents: .546)
        fit = fit_to_budget(
            [D("48000"), D("60000"), D("66000")], [D("4"), D("6.5"), D("2")], D("6570.00")
        )
        assert fit.scaled
        assert fit.scale_factor == D("0.920168")
        assert fit.amounts == [D("1766.72"), D("3588.66"), D("1214.62")]
        assert fit.spend == D("6570.00")

    def test_budget_from_percent_rounds_down(self):
        # 3 % of 219,000 = 6,570; 3.333 % of 100,000.01 = 3,333.0003333 → 3,333.00
        assert budget_from_percent(D("219000"), D("3")) == D("6570.00")
        assert budget_from_percent(D("100000.01"), D("3.333")) == D("3333.00")

    @pytest.mark.parametrize("seed", range(30))
    def test_random_against_numpy(self, seed):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(1, 60))
        salaries = [D(int(x)) for x in rng.integers(20_000, 150_000, n)]
        percents = [D(int(x)) / 10 for x in rng.integers(0, 90, n)]
        budget = D(int(rng.integers(1, 400_000))) / 100
        fit = fit_to_budget(salaries, percents, budget)
        s = np.array([float(x) for x in salaries])
        p = np.array([float(x) for x in percents])
        raw = s * p / 100
        factor = min(1.0, float(budget) / raw.sum()) if raw.sum() > 0 else 1.0
        assert fit.scaled == (raw.sum() > float(budget) + 1e-9)
        assert float(fit.scale_factor) == pytest.approx(factor, abs=1e-6)
        got = np.array([float(a) for a in fit.amounts])
        assert np.all(np.abs(got - raw * factor) < 0.01 + 1e-9)
        assert fit.spend <= budget
        if fit.scaled:
            assert fit.spend == budget
        else:
            assert abs(float(fit.spend) - raw.sum()) <= 0.005 + 1e-9


class TestStreak:
    def test_consecutive_from_the_last_cycle(self):
        # ranks oldest → newest, minimum 3 (band index)
        assert streak([3, 4, 3], 3) == 3
        assert streak([4, 2, 3, 4], 3) == 2  # the 2 breaks the run
        assert streak([4, 4, 2], 3) == 0  # the current cycle misses
        assert streak([4, None, 4], 3) == 1  # a cycle without a result breaks it
        assert streak([], 3) == 0

    @pytest.mark.parametrize("seed", range(30))
    def test_random_against_brute_force(self, seed):
        """The largest k such that each of the last k cycles has a rank >= the minimum."""
        rng = random.Random(seed)
        ranks = [rng.choice([None, 0, 1, 2, 3, 4]) for _ in range(rng.randint(0, 12))]
        minimum = rng.randint(0, 4)
        expected = max(
            k
            for k in range(len(ranks) + 1)
            if all(r is not None and r >= minimum for r in ranks[len(ranks) - k :])
        )
        assert streak(ranks, minimum) == expected


class TestEffectSizes:
    def test_hand_computed(self):
        # trained changes 0.2, 0.1, 0.2: mean 1/6, SD sqrt(1/300) → d_z = sqrt(300)/6
        trained = [0.2, 0.1, 0.2]
        assert cohens_d_paired(trained) == pytest.approx(math.sqrt(300) / 6, abs=1e-9)
        # untrained changes 0, 0.1, 0: mean 1/30, SD sqrt(1/300); pooled SD sqrt(1/300);
        # d = (1/6 - 1/30) / sqrt(1/300) = (2/15) sqrt(300); J = 1 - 3 / (4 * 6 - 9) = 0.8
        untrained = [0.0, 0.1, 0.0]
        g = hedges_g(trained, untrained)
        assert g == pytest.approx(2 / 15 * math.sqrt(300) * 0.8, abs=1e-9)

    def test_undefined_cases(self):
        assert cohens_d_paired([0.1]) is None
        assert cohens_d_paired([0.1, 0.1]) is None  # no spread
        assert hedges_g([0.1], [0.2, 0.3]) is None
        assert hedges_g([0.1, 0.1], [0.2, 0.2]) is None

    @pytest.mark.parametrize("seed", range(25))
    def test_random_against_scipy_and_pingouin(self, seed):
        rng = np.random.default_rng(seed)
        n1, n2 = int(rng.integers(2, 60)), int(rng.integers(2, 60))
        before = rng.normal(0.8, 0.15, n1)
        after = before + rng.normal(0.05, 0.1, n1)
        changes = list(after - before)
        peers = list(rng.normal(0.01, 0.1, n2))
        d = cohens_d_paired(changes)
        assert d == pytest.approx(
            stats.ttest_rel(after, before).statistic / math.sqrt(n1), abs=1e-9
        )
        assert d == pytest.approx(
            pingouin.compute_effsize(after, before, paired=True, eftype="cohen_dz"), abs=1e-9
        )
        assert hedges_g(changes, peers) == pytest.approx(
            pingouin.compute_effsize(changes, peers, paired=False, eftype="hedges"), abs=1e-9
        )
