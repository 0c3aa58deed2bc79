"""Vectorised grouping helpers: factorise labels, group counts and moments (no Python loops
over rows)."""

from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
AnyArray = npt.NDArray[Any]

ZERO_SPREAD_RELATIVE = 1e-12
"""A sum of squared deviations at most this fraction of n·mean² is rounding noise: it is
set to exactly 0 (see docs/statistics.md, "Zero variance")."""


def as_scores(values: npt.ArrayLike, name: str = "score") -> FloatArray:
    """A 1-d float64 array; NaN marks a missing value, infinities are refused."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if np.isinf(arr).any():
        raise ValueError(f"{name} has an infinite value")
    return arr


def as_labels(values: npt.ArrayLike, name: str, size: int) -> AnyArray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if arr.shape[0] != size:
        raise ValueError(f"{name} has {arr.shape[0]} values, expected {size}")
    return arr


def factorize(values: AnyArray) -> tuple[AnyArray, IntArray]:
    """Sorted distinct labels and, per row, the position of its label among them.

    Dense integer ids (the usual case: codes the caller assigned) take an O(n) path through
    `bincount`; anything else sorts (`np.unique`)."""
    if values.size and np.issubdtype(values.dtype, np.integer):
        low = int(values.min())
        span = int(values.max()) - low + 1
        if span <= 4 * values.size + 1024:
            # 32-bit codes stay 32-bit (half the memory of a million-row temporary).
            shifted: npt.NDArray[np.signedinteger[Any]]
            if values.dtype == np.int32 and span < 1 << 31:  # max - low fits in 32 bits
                shifted = values - np.int32(low)
            else:
                shifted = values.astype(np.int64) - low
            present = np.bincount(shifted, minlength=span) > 0
            labels = (np.flatnonzero(present) + low).astype(values.dtype)
            lookup = np.cumsum(present, dtype=np.int64) - 1
            return labels, lookup[shifted]
    if values.size > 1:
        # Rows usually arrive in runs (one rater's items of one ratee are adjacent): sort the
        # first row of each run, not every row. Correct in any order; fast when grouped.
        is_start = np.empty(values.size, dtype=bool)
        is_start[0] = True
        np.not_equal(values[1:], values[:-1], out=is_start[1:])
        starts = np.flatnonzero(is_start)
        if starts.size <= values.size // 2:
            labels, inverse = np.unique(values[starts], return_inverse=True)
            run = np.cumsum(is_start, dtype=np.int64) - 1
            return labels, inverse.reshape(-1).astype(np.int64)[run]
    labels, inverse = np.unique(values, return_inverse=True)
    return labels, inverse.reshape(-1).astype(np.int64)


RADIX_LIMIT = 1 << 16
"""Codes below this fit in uint16, which numpy sorts stably in linear time (radix sort)."""


def combine(first: IntArray, second: IntArray, second_size: int) -> tuple[IntArray, IntArray]:
    """Codes of the distinct (first, second) pairs, and each pair's `first` code.

    Returns (pair code per row, first code per pair); pairs are numbered in (first, second)
    order. Shuffled rows with codes below 2^16 take two stable radix sorts (linear) instead
    of a comparison sort of the combined keys."""
    key = first * np.int64(second_size) + second
    if key.size > 1 and second_size <= RADIX_LIMIT and int(first.max()) < RADIX_LIMIT:
        runs = np.count_nonzero(key[1:] != key[:-1]) + 1
        if runs > key.size // 2:
            order = np.argsort(second.astype(np.uint16), kind="stable")
            order = order[np.argsort(first[order].astype(np.uint16), kind="stable")]
            ordered = key[order]
            size = key.size
            del key  # million-row temporaries go as soon as they are used
            is_start = np.empty(size, dtype=bool)
            is_start[0] = True
            np.not_equal(ordered[1:], ordered[:-1], out=is_start[1:])
            firsts = (ordered[is_start] // np.int64(second_size)).astype(np.int64)
            del ordered
            run = np.cumsum(is_start, dtype=np.int64)
            run -= 1
            pair_code = np.empty(size, dtype=np.int64)
            pair_code[order] = run
            return pair_code, firsts
    pairs, pair_code = factorize(key)
    return pair_code, (pairs // np.int64(second_size)).astype(np.int64)


def select(mask: BoolArray, *arrays: AnyArray) -> list[AnyArray]:
    """The rows where `mask` holds; the arrays themselves (no copy) when it holds everywhere."""
    if mask.all():
        return list(arrays)
    return [array[mask] for array in arrays]


def counts(codes: IntArray, size: int) -> IntArray:
    return np.bincount(codes, minlength=size).astype(np.int64)


def sums(codes: IntArray, weights: FloatArray, size: int) -> FloatArray:
    return np.bincount(codes, weights=weights, minlength=size).astype(np.float64, copy=False)


def safe_divide(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """numerator / denominator, NaN where the denominator is 0."""
    out = np.full(np.broadcast(numerator, denominator).shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def clean_m2(m2: FloatArray, n: FloatArray, mean: FloatArray) -> FloatArray:
    """Clip rounding noise in sums of squared deviations: negative values and values that
    are a vanishing fraction of n·mean² become exactly 0."""
    noise = m2 <= ZERO_SPREAD_RELATIVE * n * np.nan_to_num(mean) ** 2
    return np.where(noise | (m2 < 0), 0.0, m2)


def moments(codes: IntArray, x: FloatArray, size: int) -> tuple[IntArray, FloatArray, FloatArray]:
    """Per group: count, mean (NaN when empty), and the sum of squared deviations from the
    mean, two-pass (accurate where Σx² - (Σx)²/n would cancel)."""
    n = counts(codes, size)
    mean = safe_divide(sums(codes, x, size), n.astype(np.float64))
    deviation = x - mean[codes]
    m2 = sums(codes, deviation * deviation, size)
    return n, mean, clean_m2(m2, n.astype(np.float64), mean)


def m2_from_sums(n: FloatArray, total: FloatArray, total_sq: FloatArray) -> FloatArray:
    """Σ(x - mean)² from n, Σx and Σx² (one pass; the caller's SQL aggregates)."""
    mean = safe_divide(total, n)
    m2 = total_sq - np.where(n > 0, total * np.nan_to_num(mean), 0.0)
    return clean_m2(m2, n, mean)


def sample_variance(n: FloatArray, m2: FloatArray) -> FloatArray:
    """m2 / (n - 1), NaN where n < 2."""
    return np.where(n >= 2, m2 / np.maximum(n - 1, 1), np.nan)
