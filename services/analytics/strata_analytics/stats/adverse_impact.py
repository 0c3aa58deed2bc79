"""Adverse impact of rating distributions across groups (e.g. gender, age band, site):
the four-fifths rule on the rate of favourable outcomes, and a chi-square test of
independence of group and rating band. Definitions: docs/statistics.md, "Adverse impact".

A group with fewer members than `min_count` is reported as suppressed (`Reason.SMALL_GROUP`,
no count, no rate) and is left out of everything else: the reference rate, the ratios and
the chi-square table.
"""

from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from strata_analytics.stats._arrays import as_labels, factorize
from strata_analytics.stats.reasons import Reason
from strata_analytics.stats.special import chi2_sf

FOUR_FIFTHS = 0.8
"""Uniform Guidelines on Employee Selection Procedures (29 CFR 1607.4(D), 1978)."""


@dataclass(frozen=True)
class GroupRate:
    group: Hashable
    total: int | None
    favourable: int | None
    rate: float | None
    """favourable / total."""
    impact_ratio: float | None
    """rate / the highest rate among shown groups."""
    adverse: bool | None
    """impact_ratio < the threshold (four-fifths by default)."""
    reason: Reason | None


@dataclass(frozen=True)
class ChiSquare:
    statistic: float
    df: int
    p_value: float
    min_expected: float
    """The smallest expected count; below 5 the chi-square approximation is doubtful
    (Cochran 1954), so read the p-value as guidance."""


@dataclass(frozen=True)
class AdverseImpact:
    groups: list[GroupRate]
    reference_group: Hashable | None
    """The shown group with the highest favourable rate (the first in order on a tie)."""
    bands: list[Hashable]
    """The bands in the chi-square table (those with a count among shown groups)."""
    chi_square: ChiSquare | None
    reason: Reason | None
    """Why ratios or the test are missing: INSUFFICIENT_DATA (fewer than two shown groups or
    bands, or no favourable outcome at all)."""


def adverse_impact(
    group: npt.ArrayLike,
    band: npt.ArrayLike,
    *,
    favourable: Collection[Hashable],
    min_count: int,
    ratio_threshold: float = FOUR_FIFTHS,
) -> AdverseImpact:
    """From one row per person: their group and rating band."""
    bands = np.asarray(band)
    if bands.ndim != 1:
        raise ValueError("band must be one-dimensional")
    group_labels, g = factorize(as_labels(group, "group", bands.size))
    band_labels, b = factorize(bands)
    table = np.bincount(
        g * band_labels.size + b, minlength=group_labels.size * band_labels.size
    ).reshape(group_labels.size, band_labels.size)
    return adverse_impact_from_table(
        group_labels.tolist(),
        band_labels.tolist(),
        table,
        favourable=favourable,
        min_count=min_count,
        ratio_threshold=ratio_threshold,
    )


def adverse_impact_from_table(
    groups: Sequence[Hashable],
    bands: Sequence[Hashable],
    table: npt.ArrayLike,
    *,
    favourable: Collection[Hashable],
    min_count: int,
    ratio_threshold: float = FOUR_FIFTHS,
) -> AdverseImpact:
    """From a groups x bands table of counts (e.g. a SQL `GROUP BY group, band`)."""
    counts_ = np.asarray(table)
    if counts_.shape != (len(groups), len(bands)):
        raise ValueError("table must have one row per group and one column per band")
    if counts_.size and (np.any(counts_ < 0) or np.any(counts_ != np.round(counts_))):
        raise ValueError("table must hold non-negative whole counts")
    if min_count < 1:
        raise ValueError("min_count must be ≥ 1")
    if not 0 < ratio_threshold <= 1:
        raise ValueError("ratio_threshold must be in (0, 1]")
    counts_ = counts_.astype(np.int64)
    totals = counts_.sum(axis=1)
    is_favourable = np.array([band in favourable for band in bands], dtype=bool)
    favourable_counts = counts_[:, is_favourable].sum(axis=1)
    shown = totals >= min_count
    rates = np.divide(favourable_counts, totals, out=np.zeros(len(groups)), where=totals > 0)
    reason: Reason | None = None
    reference: int | None = None
    if shown.any():
        shown_rates = np.where(shown, rates, -1.0)
        reference = int(np.argmax(shown_rates))
        if rates[reference] == 0:
            reference = None
    if reference is None:
        reason = Reason.INSUFFICIENT_DATA

    results = []
    for index, label in enumerate(groups):
        if not shown[index]:
            results.append(GroupRate(label, None, None, None, None, None, Reason.SMALL_GROUP))
            continue
        ratio = None if reference is None else float(rates[index] / rates[reference])
        results.append(
            GroupRate(
                group=label,
                total=int(totals[index]),
                favourable=int(favourable_counts[index]),
                rate=float(rates[index]),
                impact_ratio=ratio,
                adverse=None if ratio is None else ratio < ratio_threshold,
                reason=None,
            )
        )

    observed = counts_[shown]
    used_bands = observed.sum(axis=0) > 0
    observed = observed[:, used_bands]
    test = None
    if observed.shape[0] >= 2 and observed.shape[1] >= 2:
        test = chi_square_independence(observed)
    else:
        reason = Reason.INSUFFICIENT_DATA
    return AdverseImpact(
        groups=results,
        reference_group=None if reference is None else groups[reference],
        bands=[band for band, used in zip(bands, used_bands, strict=True) if used],
        chi_square=test,
        reason=reason,
    )


def chi_square_independence(table: npt.ArrayLike) -> ChiSquare:
    """Pearson's X² = Σ (O - E)²/E with E = row total · column total / N, df = (r - 1)(c - 1),
    no continuity correction. Every row and column total must be positive."""
    observed = np.asarray(table, dtype=np.float64)
    if observed.ndim != 2 or min(observed.shape) < 2:
        raise ValueError("a test of independence needs at least a 2 x 2 table")
    rows = observed.sum(axis=1)
    columns = observed.sum(axis=0)
    if np.any(rows <= 0) or np.any(columns <= 0):
        raise ValueError("every row and column of the table needs a positive total")
    expected = np.outer(rows, columns) / observed.sum()
    statistic = float(((observed - expected) ** 2 / expected).sum())
    df = (observed.shape[0] - 1) * (observed.shape[1] - 1)
    return ChiSquare(
        statistic=statistic,
        df=df,
        p_value=chi2_sf(statistic, df),
        min_expected=float(expected.min()),
    )
