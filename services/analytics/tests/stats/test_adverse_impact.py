"""Adverse impact: the four-fifths rule by hand, the chi-square test against scipy, and the
suppression of small groups."""

import math

import numpy as np
import pytest
from scipy import stats

from strata_analytics.stats import (
    Reason,
    adverse_impact,
    adverse_impact_from_table,
    chi_square_independence,
)

TOL = 1e-9


def people(counts: dict[str, dict[str, int]]) -> tuple[list[str], list[str]]:
    groups, bands = [], []
    for group, per_band in counts.items():
        for band, n in per_band.items():
            groups += [group] * n
            bands += [band] * n
    return groups, bands


# A: 30 of 50 favourable (rate 0.6); B: 18 of 40 (0.45); C: 3 people (below min_count 5)
HAND = {
    "A": {"top": 30, "rest": 20},
    "B": {"top": 18, "rest": 22},
    "C": {"top": 3},
}


class TestHandComputed:
    def test_four_fifths(self) -> None:
        result = adverse_impact(*people(HAND), favourable={"top"}, min_count=5)
        a, b, _ = result.groups
        assert result.reference_group == "A"
        assert (a.total, a.favourable, a.rate, a.impact_ratio) == (50, 30, 0.6, 1.0)
        assert a.adverse is False
        # B: 0.45/0.6 = 0.75 < 0.8
        assert b.rate == pytest.approx(0.45, abs=TOL)
        assert b.impact_ratio == pytest.approx(0.75, abs=TOL)
        assert b.adverse is True
        assert result.reason is None

    def test_small_group_is_suppressed_and_never_computed_on(self) -> None:
        result = adverse_impact(*people(HAND), favourable={"top"}, min_count=5)
        c = result.groups[2]
        assert c.group == "C"
        assert c.reason is Reason.SMALL_GROUP
        assert (c.total, c.favourable, c.rate, c.impact_ratio, c.adverse) == (None,) * 5
        # C's rate (1.0) would have been the reference; it is not
        assert result.reference_group == "A"

    def test_chi_square(self) -> None:
        # table [[30, 20], [18, 22]] (C left out): N = 90, rows 50, 40, columns 48, 42
        # E = 26.667, 23.333, 21.333, 18.667; every |O - E| = 10/3, (O - E)^2 = 100/9
        # sum 1/E = 90(1/50 + 1/40)(1/48 + 1/42) = 90·(9/200)·(5/112) = 81/448
        # X^2 = (100/9)(81/448) = 225/112 = 2.008929; df = 1; p = erfc(sqrt(X^2/2)) = 0.156376
        result = adverse_impact(*people(HAND), favourable={"top"}, min_count=5)
        test = result.chi_square
        assert test is not None
        assert result.bands == ["rest", "top"]
        assert test.statistic == pytest.approx(225 / 112, abs=TOL)
        assert test.df == 1
        assert test.p_value == pytest.approx(math.erfc(math.sqrt(225 / 224)), abs=TOL)
        assert test.min_expected == pytest.approx(40 * 42 / 90, abs=TOL)


class TestAgainstScipy:
    @pytest.mark.parametrize("seed", [1, 2, 3, 4])
    def test_contingency(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        table = rng.integers(1, 60, (rng.integers(2, 6), rng.integers(2, 7)))
        ours = chi_square_independence(table)
        theirs = stats.chi2_contingency(table, correction=False)
        assert ours.statistic == pytest.approx(theirs.statistic, rel=TOL)
        assert ours.df == theirs.dof
        assert ours.p_value == pytest.approx(theirs.pvalue, abs=TOL)
        assert ours.min_expected == pytest.approx(theirs.expected_freq.min(), rel=TOL)

    def test_raw_rows_equal_the_table(self) -> None:
        rng = np.random.default_rng(9)
        groups = rng.choice(["f", "m", "x"], 500, p=[0.49, 0.49, 0.02])
        bands = rng.integers(1, 6, 500)
        result = adverse_impact(groups, bands, favourable={4, 5}, min_count=20)
        shown = [g for g in result.groups if g.reason is None]
        table = np.array(
            [[((groups == g.group) & (bands == b)).sum() for b in range(1, 6)] for g in shown]
        )
        theirs = stats.chi2_contingency(table, correction=False)
        assert result.chi_square is not None
        assert result.chi_square.statistic == pytest.approx(theirs.statistic, rel=TOL)
        assert result.chi_square.p_value == pytest.approx(theirs.pvalue, abs=TOL)
        assert [g.group for g in result.groups if g.reason is Reason.SMALL_GROUP] == ["x"]


class TestEdgeCases:
    def test_one_shown_group(self) -> None:
        result = adverse_impact(*people(HAND), favourable={"top"}, min_count=45)
        assert [g.reason for g in result.groups] == [None, Reason.SMALL_GROUP, Reason.SMALL_GROUP]
        assert result.groups[0].impact_ratio == 1.0
        assert result.chi_square is None
        assert result.reason is Reason.INSUFFICIENT_DATA

    def test_no_favourable_outcome_anywhere(self) -> None:
        result = adverse_impact(*people(HAND), favourable={"nobody"}, min_count=5)
        assert result.reference_group is None
        assert all(g.impact_ratio is None for g in result.groups)
        assert result.reason is Reason.INSUFFICIENT_DATA
        assert result.chi_square is not None  # the distributions can still be compared

    def test_a_band_nobody_shown_has_is_dropped(self) -> None:
        table = [[5, 0, 5], [6, 0, 4]]
        result = adverse_impact_from_table(
            ["a", "b"], [1, 2, 3], table, favourable={3}, min_count=1
        )
        assert result.bands == [1, 3]
        assert result.chi_square is not None
        assert result.chi_square.df == 1

    def test_every_group_identical(self) -> None:
        result = adverse_impact_from_table(
            ["a", "b"], ["lo", "hi"], [[10, 10], [10, 10]], favourable={"hi"}, min_count=5
        )
        assert result.chi_square is not None
        assert result.chi_square.statistic == 0.0
        assert result.chi_square.p_value == 1.0
        assert all(g.impact_ratio == 1.0 for g in result.groups)

    def test_invalid_table(self) -> None:
        with pytest.raises(ValueError, match="one row per group"):
            adverse_impact_from_table(["a"], ["x", "y"], [[1]], favourable={"x"}, min_count=1)
        with pytest.raises(ValueError, match="non-negative"):
            adverse_impact_from_table(
                ["a", "b"], ["x", "y"], [[1, -1], [1, 1]], favourable={"x"}, min_count=1
            )

    def test_invalid_settings(self) -> None:
        with pytest.raises(ValueError, match="min_count"):
            adverse_impact(["a"], ["x"], favourable={"x"}, min_count=0)
        with pytest.raises(ValueError, match="ratio_threshold"):
            adverse_impact(["a"], ["x"], favourable={"x"}, min_count=1, ratio_threshold=1.5)
