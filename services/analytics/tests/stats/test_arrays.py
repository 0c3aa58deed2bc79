"""The grouping helpers: every path of `factorize` gives np.unique's answer."""

import numpy as np
import pytest

from strata_analytics.stats._arrays import combine, factorize, moments


def check(values: np.ndarray) -> None:
    labels, codes = factorize(values)
    expected_labels, expected_codes = np.unique(values, return_inverse=True)
    assert labels.tolist() == expected_labels.tolist()
    assert codes.tolist() == expected_codes.reshape(-1).tolist()
    assert codes.dtype == np.int64


class TestFactorize:
    def test_dense_integers(self) -> None:
        check(np.random.default_rng(1).integers(-5, 50, 1000))

    def test_sparse_integers_in_runs(self) -> None:
        rng = np.random.default_rng(2)
        check(np.repeat(rng.integers(0, 10**12, 300), rng.integers(1, 30, 300)))

    def test_sparse_integers_shuffled(self) -> None:
        check(np.random.default_rng(3).integers(0, 10**12, 1000))

    @pytest.mark.parametrize("grouped", [True, False])
    def test_strings(self, grouped: bool) -> None:
        values = np.array(["b", "b", "a", "a", "c", "b", "b", "b"])
        check(values if grouped else values[[0, 2, 4, 1, 3, 5, 6, 7]])

    def test_empty_and_single(self) -> None:
        check(np.array([], dtype=np.int64))
        check(np.array([7]))
        check(np.array(["x"]))

    @pytest.mark.parametrize(
        ("first_size", "second_size", "grouped"),
        [(40, 30, False), (40, 30, True), (70_000, 30, False), (40, 70_000, False)],
    )
    def test_combine(self, first_size: int, second_size: int, grouped: bool) -> None:
        # shuffled small codes: radix path; grouped: runs; codes of 2^16 or more: sort path
        rng = np.random.default_rng(4)
        first, second = rng.integers(0, first_size, 3000), rng.integers(0, second_size, 3000)
        if grouped:
            order = np.lexsort((second, first))
            first, second = np.repeat(first[order], 3), np.repeat(second[order], 3)
        pair, pair_first = combine(first, second, second_size)
        rows = list(zip(first.tolist(), second.tolist(), strict=True))
        keys = sorted(set(rows))
        assert pair_first.tolist() == [a for a, _ in keys]
        assert [keys[p] for p in pair] == rows


def test_moments_are_two_pass_and_exact_for_constants() -> None:
    codes = np.array([0, 0, 0, 1, 1])
    n, mean, m2 = moments(codes, np.array([0.1, 0.1, 0.1, 1.0, 3.0]), 3)
    assert n.tolist() == [3, 2, 0]
    assert m2[0] == 0.0  # rounding noise of a constant group is cleaned to exactly 0
    assert m2[1] == 2.0
    assert np.isnan(mean[2])
