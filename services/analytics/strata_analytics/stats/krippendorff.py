"""Krippendorff's alpha for interval and ordinal data, with missing values.

alpha = 1 - D_o / D_e over pairable values (units with at least two values), Krippendorff (2011,
"Computing Krippendorff's alpha-reliability"). With n pairable values, unit u holding m_u
values and squared distances δ²:
    D_o = (1/n) Σ_u 1/(m_u - 1) Σ_{i≠j in u} δ²(v_i, v_j)
    D_e = 1/(n(n - 1)) Σ_{i≠j over all} δ²(v_i, v_j)
Interval: δ² = (c - k)², so Σ_{i≠j in u} δ² = 2·m_u·SS_u and the whole statistic comes from
per-unit sums of squares (vectorised, no coincidence matrix).
Ordinal: δ²_ck = (Σ_{g=c..k} n_g - (n_c + n_k)/2)² with n_g the number of pairable values
equal to g. That is the interval distance between the "mid-cumulative" positions
r_c = Σ_{g<c} n_g + n_c/2, so ordinal alpha is interval alpha computed on r(v).
"""

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from strata_analytics.stats._arrays import (
    AnyArray,
    FloatArray,
    IntArray,
    as_labels,
    as_scores,
    clean_m2,
    combine,
    counts,
    factorize,
    moments,
    sums,
)
from strata_analytics.stats.reasons import Reason


@dataclass(frozen=True)
class Alpha:
    alpha: float | None
    units: int
    """Pairable units used (at least max(2, k) values)."""
    values: int
    """n: pairable values used."""
    excluded_units: int
    """Units withheld because fewer than k raters rated them (never computed on)."""
    observed_disagreement: float | None
    expected_disagreement: float | None
    reason: Reason | None
    """INSUFFICIENT_DATA: no pairable unit; ZERO_VARIANCE: every pairable value is equal."""


def krippendorff_alpha(
    unit: npt.ArrayLike,
    value: npt.ArrayLike,
    *,
    level: Literal["interval", "ordinal"],
    anonymity_threshold: int,
) -> Alpha:
    """alpha from long arrays: one row per value a rater gave a unit (for 360 results a unit is
    one ratee's item within one relationship group). NaN values are missing. Units with
    fewer than k values are withheld; units with one value are not pairable."""
    if anonymity_threshold < 1:
        raise ValueError("the anonymity threshold k must be ≥ 1")
    if level not in ("interval", "ordinal"):
        raise ValueError("level must be 'interval' or 'ordinal'")
    x = as_scores(value, "value")
    units_in = as_labels(unit, "unit", x.size)
    keep = ~np.isnan(x)
    labels, u = factorize(units_in[keep])
    x = x[keep]
    m = counts(u, labels.size)
    withheld = (m > 0) & (m < anonymity_threshold)
    used = m >= max(2, anonymity_threshold)
    rows = used[u]
    x, u = x[rows], u[rows]
    units = int(used.sum())
    n = int(x.size)
    if units == 0:
        return Alpha(None, 0, 0, int(withheld.sum()), None, None, Reason.INSUFFICIENT_DATA)
    if level == "ordinal":
        distinct, code = factorize(x)
        frequency = counts(code, distinct.size).astype(np.float64)
        position = np.cumsum(frequency) - frequency / 2
        x = position[code]
    m_u, _, ss_u = moments(u, x, labels.size)
    m_u, ss_u = m_u[used].astype(np.float64), ss_u[used]
    grand = x.mean()
    ss_total = float(
        clean_m2(np.array([((x - grand) ** 2).sum()]), np.array([float(n)]), np.array([grand]))[0]
    )
    observed = float((2 * m_u * ss_u / (m_u - 1)).sum() / n)
    expected = 2 * ss_total / (n - 1)
    if ss_total == 0:
        return Alpha(None, units, n, int(withheld.sum()), observed, 0.0, Reason.ZERO_VARIANCE)
    return Alpha(
        alpha=1 - observed / expected,
        units=units,
        values=n,
        excluded_units=int(withheld.sum()),
        observed_disagreement=observed,
        expected_disagreement=expected,
        reason=None,
    )


@dataclass(frozen=True)
class AlphaByGroup:
    """`krippendorff_alpha` of every group at once, aligned with `group`; NaN where `reason`
    says why (the same values as one `krippendorff_alpha` call per group)."""

    group: AnyArray
    alpha: FloatArray
    units: IntArray
    values: IntArray
    excluded_units: IntArray
    reason: npt.NDArray[np.object_]


def krippendorff_alpha_by_group(
    group: npt.ArrayLike,
    unit: npt.ArrayLike,
    value: npt.ArrayLike,
    *,
    level: Literal["interval", "ordinal"],
    anonymity_threshold: int,
) -> AlphaByGroup:
    """Krippendorff's alpha within each group (for 360 results: one ratee's relationship
    group, its units the items), vectorised over groups: for every group the same figure as
    `krippendorff_alpha` on that group's rows alone (the ordinal ranks are the group's own)."""
    if anonymity_threshold < 1:
        raise ValueError("the anonymity threshold k must be ≥ 1")
    if level not in ("interval", "ordinal"):
        raise ValueError("level must be 'interval' or 'ordinal'")
    x = as_scores(value, "value")
    groups_in = as_labels(group, "group", x.size)
    units_in = as_labels(unit, "unit", x.size)
    keep = ~np.isnan(x)
    labels, g = factorize(groups_in)
    size = labels.size
    x, g = x[keep], g[keep]
    unit_labels, u = factorize(units_in[keep])
    cell, cell_group = combine(g, u, max(unit_labels.size, 1))
    cells = cell_group.size
    m = counts(cell, cells)
    withheld = np.bincount(cell_group[(m > 0) & (m < anonymity_threshold)], minlength=size)
    used = m >= max(2, anonymity_threshold)
    rows = used[cell]
    x, g, cell = x[rows], g[rows], cell[rows]
    units = np.bincount(cell_group[used], minlength=size).astype(np.int64)
    n = counts(g, size)
    if level == "ordinal" and x.size:
        # Per group: the mid-cumulative position of each value among the group's values.
        distinct, code = factorize(x)
        value_cell, value_group = combine(g, code, distinct.size)
        frequency = counts(value_cell, value_group.size).astype(np.float64)
        before = np.concatenate(([0], np.cumsum(n)[:-1])).astype(np.float64)
        position = np.cumsum(frequency) - before[value_group] - frequency / 2
        x = position[value_cell]
    m_u, _, ss_u = moments(cell, x, cells)
    nf = n.astype(np.float64)
    grand = np.full(size, np.nan)
    np.divide(sums(g, x, size), nf, out=grand, where=n > 0)
    deviation = x - grand[g]
    ss_total = clean_m2(sums(g, deviation * deviation, size), nf, grand)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_unit = np.where(used, 2 * m_u * ss_u / (m_u - 1), 0.0)
        observed = np.bincount(cell_group, weights=per_unit, minlength=size) / nf
        expected = 2 * ss_total / (nf - 1)
        alpha = 1 - observed / expected
    reason = np.full(size, None, dtype=object)
    reason[(units > 0) & (ss_total == 0)] = Reason.ZERO_VARIANCE
    reason[units == 0] = Reason.INSUFFICIENT_DATA
    return AlphaByGroup(
        group=labels,
        alpha=np.where(reason == None, alpha, np.nan),  # noqa: E711 (elementwise)
        units=units,
        values=np.where(units > 0, n, 0),
        excluded_units=withheld.astype(np.int64),
        reason=reason,
    )
