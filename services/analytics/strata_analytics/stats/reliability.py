"""Inter-rater reliability and agreement: ICC(1) and ICC(2) (one-way random), r_wg and
r_wg(J), the Spearman-Brown prophecy; and `group_summary`, the anonymity-safe aggregate of a
ratee's relationship group. Definitions: docs/statistics.md, "Reliability".

Every function that summarises the raters of a ratee's relationship group takes the
campaign's anonymity threshold k: a group with fewer than k raters is reported with
`Reason.BELOW_THRESHOLD` and its rows are dropped *before* anything is computed.
"""

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from strata_analytics.stats._arrays import (
    AnyArray,
    FloatArray,
    IntArray,
    as_labels,
    as_scores,
    combine,
    counts,
    factorize,
    m2_from_sums,
    moments,
    sample_variance,
    select,
)
from strata_analytics.stats.anova import oneway
from strata_analytics.stats.reasons import Reason
from strata_analytics.stats.scale import Scale

ReasonArray = npt.NDArray[np.object_]
"""Per group: a `Reason`, or None where the figure is published."""


def _check_threshold(anonymity_threshold: int) -> None:
    if anonymity_threshold < 1:
        raise ValueError("the anonymity threshold k must be ≥ 1")


def _reasons(size: int) -> ReasonArray:
    return np.full(size, None, dtype=object)


@dataclass(frozen=True)
class GroupSummary:
    """Per group, aligned with `group`; NaN where suppressed or undefined."""

    group: AnyArray
    raters: IntArray
    ratings: IntArray
    mean: FloatArray
    sd: FloatArray
    """SD (n - 1) of the group's ratings; NaN with fewer than two."""
    reason: ReasonArray


def group_summary(
    group: npt.ArrayLike,
    rater: npt.ArrayLike,
    score: npt.ArrayLike,
    *,
    anonymity_threshold: int,
) -> GroupSummary:
    """Count, mean and SD per group (a ratee's relationship group), withheld for groups with
    fewer than k distinct raters. Use it to publish standardised scores per group."""
    _check_threshold(anonymity_threshold)
    x = as_scores(score)
    groups = as_labels(group, "group", x.size)
    raters = as_labels(rater, "rater", x.size)
    x, groups, raters = select(~np.isnan(x), x, groups, raters)
    labels, g = factorize(groups)
    size = labels.size
    rater_count = _distinct_raters(g, raters, size)
    shown = rater_count >= anonymity_threshold
    g_shown, x_shown = select(shown[g], g, x)
    n, mean, m2 = moments(g_shown, x_shown, size)
    reason = _reasons(size)
    reason[~shown] = Reason.BELOW_THRESHOLD
    return GroupSummary(
        group=labels,
        raters=rater_count,
        ratings=np.where(shown, n, 0),
        mean=np.where(shown, mean, np.nan),
        sd=np.where(shown, np.sqrt(sample_variance(n.astype(np.float64), m2)), np.nan),
        reason=reason,
    )


def _distinct_raters(g: IntArray, raters: AnyArray, size: int) -> IntArray:
    rater_labels, r = factorize(raters)
    _, pair_group = combine(g, r, rater_labels.size)
    return counts(pair_group, size)


@dataclass(frozen=True)
class Icc:
    """ICC(1) and ICC(2) of one set of groups (e.g. the ratees of one relationship)."""

    icc1: float | None
    """ICC(1) = (MSB - MSW) / (MSB + (k0 - 1)·MSW): one-way random, single rater; Shrout &
    Fleiss ICC(1,1), McGraw & Wong ICC(1). May be negative (reported as is)."""
    icc2: float | None
    """ICC(2) in Bliese's (2000) sense = (MSB - MSW) / MSB: reliability of a group mean;
    Shrout & Fleiss ICC(1,k), McGraw & Wong ICC(k). Not the two-way ICC(2,1)."""
    groups: int
    """Groups used (those with at least k raters and one rating)."""
    ratings: int
    excluded_groups: int
    """Groups withheld because they have fewer than k raters (never computed on)."""
    k0: float | None
    ms_between: float | None
    ms_within: float | None
    f: float | None
    """MSB / MSW (None when MSW = 0)."""
    reason: Reason | None
    """Why icc1 or icc2 is None: INSUFFICIENT_DATA (fewer than two groups or no group with two
    ratings), ZERO_VARIANCE (MSB = 0: icc2 undefined; MSB = MSW = 0: both)."""


def icc(group: npt.ArrayLike, score: npt.ArrayLike, *, anonymity_threshold: int) -> Icc:
    """ICC(1) and ICC(2) from long arrays: one row per rating of a group (ratee) by one of
    its raters; NaN scores are missing. Groups with fewer than k ratings are excluded."""
    _check_threshold(anonymity_threshold)
    x = as_scores(score)
    groups = as_labels(group, "group", x.size)
    keep = ~np.isnan(x)
    labels, g = factorize(groups[keep])
    n = counts(g, labels.size)
    shown = n >= anonymity_threshold
    rows = shown[g]
    n_shown, mean, m2 = moments(g[rows], x[keep][rows], labels.size)
    return _icc(n_shown[shown], mean[shown], m2[shown], excluded=int((~shown).sum()))


def icc_from_sums(
    n: npt.ArrayLike, total: npt.ArrayLike, total_sq: npt.ArrayLike, *, anonymity_threshold: int
) -> Icc:
    """ICC(1) and ICC(2) from per-group n, Σx and Σx² (e.g. PostgreSQL `count`, `sum`,
    `sum(x*x)` per ratee). Groups with n < k are excluded."""
    _check_threshold(anonymity_threshold)
    n_ = np.asarray(n, dtype=np.float64)
    s = np.asarray(total, dtype=np.float64)
    sq = np.asarray(total_sq, dtype=np.float64)
    if not (n_.shape == s.shape == sq.shape) or n_.ndim != 1:
        raise ValueError("n, total and total_sq must be aligned one-dimensional arrays")
    present = n_ > 0
    shown = present & (n_ >= anonymity_threshold)
    n_, s, sq = n_[shown], s[shown], sq[shown]
    return _icc(n_, s / n_, m2_from_sums(n_, s, sq), excluded=int((present & ~shown).sum()))


def _icc(n: FloatArray | IntArray, mean: FloatArray, m2: FloatArray, *, excluded: int) -> Icc:
    table = oneway(np.asarray(n, dtype=np.float64), mean, m2)
    if table is None:
        present = np.asarray(n) > 0
        return Icc(
            icc1=None,
            icc2=None,
            groups=int(present.sum()),
            ratings=int(np.asarray(n)[present].sum()),
            excluded_groups=excluded,
            k0=None,
            ms_between=None,
            ms_within=None,
            f=None,
            reason=Reason.INSUFFICIENT_DATA,
        )
    msb, msw, k0 = table.ms_between, table.ms_within, table.k0
    icc1: float | None = None
    icc2: float | None = None
    reason: Reason | None = None
    if msb == 0 and msw == 0:
        reason = Reason.ZERO_VARIANCE
    else:
        icc1 = (msb - msw) / (msb + (k0 - 1) * msw)
        if msb == 0:
            reason = Reason.ZERO_VARIANCE
        else:
            icc2 = (msb - msw) / msb
    return Icc(
        icc1=icc1,
        icc2=icc2,
        groups=table.groups,
        ratings=table.ratings,
        excluded_groups=excluded,
        k0=k0,
        ms_between=msb,
        ms_within=msw,
        f=msb / msw if msw > 0 else None,
        reason=reason,
    )


@dataclass(frozen=True)
class Agreement:
    """r_wg / r_wg(J) per group, aligned with `group`; NaN where `reason` says why."""

    group: AnyArray
    raters: IntArray
    items: IntArray
    """J: items with at least max(2, k) ratings in the group (items used)."""
    mean_variance: FloatArray
    """s̄²: the mean over the J items of the sample variance (n - 1) of the ratings."""
    rwg: FloatArray
    reason: ReasonArray


def rwg(
    group: npt.ArrayLike,
    rater: npt.ArrayLike,
    score: npt.ArrayLike,
    *,
    scale: Scale,
    anonymity_threshold: int,
    item: npt.ArrayLike | None = None,
    truncate: bool = True,
) -> Agreement:
    """Within-group agreement against the uniform null σ²_EU = (A² - 1)/12.

    Without `item`: r_wg = 1 - s²/σ²_EU for a single item (James, Demaree & Wolf 1984).
    With `item`: r_wg(J) = J(1 - s̄²/σ²_EU) / (J(1 - s̄²/σ²_EU) + s̄²/σ²_EU) (James et al.
    1984), which equals r_wg when J = 1. `truncate` sets the value to 0 when s̄² > σ²_EU
    (more disagreement than random responding; Lindell & Brandt 1999), as is usual.
    Groups with fewer than k distinct raters are withheld (BELOW_THRESHOLD); items with
    fewer than k ratings in a shown group are left out of s̄², and when no item is left the
    group gets ITEM_BELOW_THRESHOLD (or INSUFFICIENT_DATA when k < 2 explains nothing)."""
    _check_threshold(anonymity_threshold)
    x = as_scores(score)
    groups = as_labels(group, "group", x.size)
    raters = as_labels(rater, "rater", x.size)
    items = np.zeros(x.size, dtype=np.int64) if item is None else as_labels(item, "item", x.size)
    x, groups, raters, items = select(~np.isnan(x), x, groups, raters, items)
    labels, g = factorize(groups)
    size = labels.size
    rater_count = _distinct_raters(g, raters, size)
    shown = rater_count >= anonymity_threshold
    x, g, items = select(shown[g], x, g, items)

    item_labels, i = factorize(items)
    cell, cell_group = combine(g, i, max(item_labels.size, 1))
    cell_n = counts(cell, cell_group.size)
    usable = cell_n >= max(2, anonymity_threshold)
    withheld_item = np.bincount(cell_group[(cell_n < anonymity_threshold)], minlength=size) > 0
    cell_used, x_used = select(usable[cell], cell, x)
    n, _, m2 = moments(cell_used, x_used, cell_group.size)
    variance = sample_variance(n.astype(np.float64), m2)
    j = counts(cell_group[usable], size)
    mean_variance = np.full(size, np.nan)
    has_items = j > 0
    total = np.bincount(cell_group[usable], weights=variance[usable], minlength=size)
    mean_variance[has_items] = total[has_items] / j[has_items]

    q = mean_variance / scale.uniform_null_variance
    jf = j.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = jf * (1 - q) / (jf * (1 - q) + q)
    if truncate:
        value = np.where(q > 1, 0.0, value)
    value = np.where(has_items & shown, value, np.nan)

    reason = _reasons(size)
    reason[shown & ~has_items & withheld_item] = Reason.ITEM_BELOW_THRESHOLD
    reason[shown & ~has_items & ~withheld_item] = Reason.INSUFFICIENT_DATA
    reason[~shown] = Reason.BELOW_THRESHOLD
    return Agreement(
        group=labels,
        raters=rater_count,
        items=np.where(shown, j, 0),
        mean_variance=np.where(shown, mean_variance, np.nan),
        rwg=value,
        reason=reason,
    )


def spearman_brown(reliability: float, factor: float) -> float:
    """The reliability of a mean of `factor` times as many raters:
    rho* = mrho / (1 + (m - 1)rho) (Spearman 1910; Brown 1910)."""
    if not -1 < reliability <= 1 or not factor > 0:
        raise ValueError("reliability must be in (-1, 1] and factor > 0")
    return factor * reliability / (1 + (factor - 1) * reliability)


@dataclass(frozen=True)
class RatersNeeded:
    exact: float
    """m = rho*(1 - rho) / (rho(1 - rho*)), the Spearman-Brown solution for the target rho*."""
    raters: int
    """⌈m⌉, at least 1."""


def raters_needed(single_rater_reliability: float, target: float) -> RatersNeeded | None:
    """How many raters a group needs for its mean to reach `target` reliability, from the
    single-rater reliability (ICC(1)). None when that is ≤ 0: no number of raters suffices."""
    if not 0 < target < 1:
        raise ValueError("the target reliability must be in (0, 1)")
    rho = single_rater_reliability
    if not rho <= 1 or math.isnan(rho):
        raise ValueError("a reliability is at most 1")
    if rho <= 0:
        return None
    exact = target * (1 - rho) / (rho * (1 - target))
    # 1e-9 absorbs rounding, so an exact 4.000000000000001 asks for 4 raters, not 5.
    return RatersNeeded(exact=exact, raters=max(1, math.ceil(exact - 1e-9)))
