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
    as_labels,
    as_scores,
    clean_m2,
    counts,
    factorize,
    moments,
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
