"""Rater bias (leniency/severity, central tendency, halo) and per-rater normalisation with
empirical-Bayes shrinkage. Definitions: docs/statistics.md, "Rater bias" and "Normalisation".

Two levels of data, on purpose:
- a *rating* is one row: one rater's score of one ratee on one item or competency;
- a *pair score* is one rater's mean rating of one ratee. Ratings of one ratee by one rater
  are not independent, so statistics about a rater's mean (its standard error, the
  shrinkage weight) count ratees, not ratings.

`rater_sums` turns long arrays into per-rater sufficient statistics (`RaterSums`); the caller
may compute the same sums in SQL instead and build `RaterSums` directly.
"""

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from strata_analytics.stats._arrays import (
    AnyArray,
    BoolArray,
    FloatArray,
    IntArray,
    as_labels,
    as_scores,
    combine,
    counts,
    factorize,
    m2_from_sums,
    moments,
    safe_divide,
    sample_variance,
    sums,
)
from strata_analytics.stats.anova import oneway
from strata_analytics.stats.scale import Scale

MIDPOINT_TOLERANCE = 1e-9
"""A rating counts as the midpoint when within this many scale steps of it."""


def linkable_raters(
    rater: npt.ArrayLike,
    target: npt.ArrayLike,
    threshold: npt.ArrayLike,
    anonymous: npt.ArrayLike,
) -> BoolArray:
    """Per row: True when its rater may NOT have a rater-level row (nor enter the
    rater-level statistics at all), because the row would single the rater out.

    A rater is kept when they rated at least k distinct targets (k the highest anonymity
    threshold among their rows), or when none of their rows is anonymous (a supervisor,
    who is named in results anyway). A pseudonymous row with fewer ratees is one person's
    answer profile for one or two ratees, and (ratee count, relationship set) is enough to
    tie it to a name from an invitation list (docs/statistics.md, "Rater rows and k").
    """
    who = np.asarray(rater, dtype=np.int64)
    if who.size == 0:
        return np.zeros(0, dtype=bool)
    aim = np.asarray(target, dtype=np.int64)
    k = np.asarray(threshold, dtype=np.int64)
    hidden = np.asarray(anonymous, dtype=bool)
    size = int(who.max()) + 1
    width = np.int64(int(aim.max()) + 1)
    pairs = np.unique(who * width + aim)
    ratees = np.bincount(pairs // width, minlength=size)
    highest = np.zeros(size, dtype=np.int64)
    np.maximum.at(highest, who, k)
    any_anonymous = np.bincount(who, weights=hidden.astype(np.float64), minlength=size) > 0
    withheld = any_anonymous & (ratees < highest)
    return np.asarray(withheld[who], dtype=bool)


@dataclass(frozen=True)
class RaterSums:
    """Per-rater sufficient statistics; every array is aligned with `rater`.

    In SQL over `rating(rater, ratee, dimension, score)` (see docs/statistics.md):
    pairs = `GROUP BY rater, ratee` with `avg(score)`; then per rater `count(*)`,
    `sum(pair)`, `sum(pair*pair)` over pairs and `count(score)`, `sum(score)`,
    `sum(score*score)`, `count(*) FILTER (WHERE score = midpoint)` over ratings.
    """

    rater: AnyArray
    ratees: IntArray
    """Distinct ratees the rater scored (pairs)."""
    pair_sum: FloatArray
    """Σ over the rater's ratees of the pair score (the mean of the rater's ratings of them)."""
    pair_sumsq: FloatArray
    ratings: IntArray
    """Ratings (rows) the rater gave."""
    rating_sum: FloatArray
    rating_sumsq: FloatArray
    midpoint: IntArray | None = None
    """Ratings at the scale's midpoint; None when the scale has none or it was not counted."""
    halo_pairs: IntArray | None = None
    """Pairs with at least two dimensions rated; None when dimensions were not given."""
    halo_sd_sum: FloatArray | None = None
    """Σ over those pairs of the SD (n - 1) of the pair's dimension scores."""

    def __post_init__(self) -> None:
        size = len(self.rater)
        for name in ("ratees", "pair_sum", "pair_sumsq", "ratings", "rating_sum", "rating_sumsq"):
            if len(getattr(self, name)) != size:
                raise ValueError(f"{name} is not aligned with rater")
        for name in ("midpoint", "halo_pairs", "halo_sd_sum"):
            value = getattr(self, name)
            if value is not None and len(value) != size:
                raise ValueError(f"{name} is not aligned with rater")
        if (self.halo_pairs is None) != (self.halo_sd_sum is None):
            raise ValueError("halo_pairs and halo_sd_sum go together")
        if np.any(np.asarray(self.ratees) < 1) or np.any(
            np.asarray(self.ratings) < np.asarray(self.ratees)
        ):
            raise ValueError("every rater needs at least one ratee and a rating per ratee")


def rater_sums(
    rater: npt.ArrayLike,
    ratee: npt.ArrayLike,
    score: npt.ArrayLike,
    *,
    dimension: npt.ArrayLike | None = None,
    scale: Scale | None = None,
) -> RaterSums:
    """Per-rater sums from long arrays (one row per rating). NaN scores are missing and
    dropped. With `dimension` (competency), several rows of one rater, ratee and dimension
    are first averaged into one dimension score, and halo sums are filled in. With a `scale`
    that has a midpoint, midpoint ratings are counted."""
    x = as_scores(score)
    raters = as_labels(rater, "rater", x.size)
    ratees_in = as_labels(ratee, "ratee", x.size)
    dims = None if dimension is None else as_labels(dimension, "dimension", x.size)
    keep = ~np.isnan(x)
    if not keep.all():
        x, raters, ratees_in = x[keep], raters[keep], ratees_in[keep]
        dims = None if dims is None else dims[keep]
    if x.size == 0:
        raise ValueError("no ratings")

    labels, r = factorize(raters)
    size = labels.size
    ratee_labels, t = factorize(ratees_in)
    pair, pair_rater = combine(r, t, ratee_labels.size)
    pairs = pair_rater.size
    pair_n = counts(pair, pairs).astype(np.float64)
    pair_score = sums(pair, x, pairs) / pair_n

    midpoint = None
    if scale is not None and scale.midpoint is not None:
        at_mid = np.abs(x - scale.midpoint) <= MIDPOINT_TOLERANCE * scale.step
        midpoint = counts(r[at_mid], size)

    halo_pairs = halo_sd_sum = None
    if dims is not None:
        dim_labels, d = factorize(dims)
        cell, cell_pair = combine(pair, d, dim_labels.size)
        cell_n = counts(cell, cell_pair.size).astype(np.float64)
        cell_score = sums(cell, x, cell_pair.size) / cell_n
        n_dims, _, m2 = moments(cell_pair, cell_score, pairs)
        spread = np.sqrt(sample_variance(n_dims.astype(np.float64), m2))
        has_two = n_dims >= 2
        halo_pairs = counts(pair_rater[has_two], size)
        halo_sd_sum = sums(pair_rater[has_two], spread[has_two], size)

    return RaterSums(
        rater=labels,
        ratees=counts(pair_rater, size),
        pair_sum=sums(pair_rater, pair_score, size),
        pair_sumsq=sums(pair_rater, pair_score * pair_score, size),
        ratings=counts(r, size),
        rating_sum=sums(r, x, size),
        rating_sumsq=sums(r, x * x, size),
        midpoint=midpoint,
        halo_pairs=halo_pairs,
        halo_sd_sum=halo_sd_sum,
    )


@dataclass(frozen=True)
class PairScores:
    """One row per rater-ratee pair: the rater's mean rating of the ratee."""

    rater: AnyArray
    ratee: AnyArray
    score: FloatArray
    ratings: IntArray


def pair_scores(rater: npt.ArrayLike, ratee: npt.ArrayLike, score: npt.ArrayLike) -> PairScores:
    """Average each rater's ratings of each ratee (NaN scores are missing): the input of ICC
    on overall scores, and the unit of the leniency statistics."""
    x = as_scores(score)
    raters = as_labels(rater, "rater", x.size)
    ratees_in = as_labels(ratee, "ratee", x.size)
    keep = ~np.isnan(x)
    if not keep.all():
        x, raters, ratees_in = x[keep], raters[keep], ratees_in[keep]
    rater_labels, r = factorize(raters)
    ratee_labels, t = factorize(ratees_in)
    pair = r * np.int64(ratee_labels.size) + t
    keys, code = factorize(pair)
    n = counts(code, keys.size)
    return PairScores(
        rater=rater_labels[keys // ratee_labels.size],
        ratee=ratee_labels[keys % ratee_labels.size],
        score=sums(code, x, keys.size) / n,
        ratings=n,
    )


@dataclass(frozen=True)
class Population:
    """The reference every rater is compared with: all raters together."""

    raters: int
    pairs: int
    ratings: int
    mean: float
    """Mean of all ratings."""
    sd: float
    """SD (n - 1) of all ratings; NaN with fewer than two ratings."""
    pair_mean: float
    """Mean of all pair scores (each rater-ratee pair counts once)."""
    pair_sd: float
    """SD (n - 1) of all pair scores; NaN with fewer than two pairs."""
    midpoint_share: float
    """Share of all ratings at the scale midpoint; NaN when not counted."""
    halo_sd: float
    """Mean over all pairs (with two or more dimensions) of the SD across dimensions."""


def population(sums_: RaterSums) -> Population:
    ratings = float(sums_.ratings.sum())
    pairs = float(sums_.ratees.sum())
    total = float(sums_.rating_sum.sum())
    pair_total = float(sums_.pair_sum.sum())
    m2 = m2_from_sums(np.array([ratings]), np.array([total]), np.array([sums_.rating_sumsq.sum()]))
    pair_m2 = m2_from_sums(
        np.array([pairs]), np.array([pair_total]), np.array([sums_.pair_sumsq.sum()])
    )
    halo = math.nan
    if sums_.halo_pairs is not None and sums_.halo_sd_sum is not None:
        halo_n = float(sums_.halo_pairs.sum())
        halo = float(sums_.halo_sd_sum.sum()) / halo_n if halo_n else math.nan
    return Population(
        raters=len(sums_.rater),
        pairs=int(pairs),
        ratings=int(ratings),
        mean=total / ratings,
        sd=float(np.sqrt(sample_variance(np.array([ratings]), m2))[0]),
        pair_mean=pair_total / pairs,
        pair_sd=float(np.sqrt(sample_variance(np.array([pairs]), pair_m2))[0]),
        midpoint_share=(
            float(sums_.midpoint.sum()) / ratings if sums_.midpoint is not None else math.nan
        ),
        halo_sd=halo,
    )


@dataclass(frozen=True)
class BiasThresholds:
    """When a rater is flagged (docs/statistics.md, "Rater bias")."""

    z: float = 1.96
    """Lenient when leniency_z ≥ z, severe when ≤ -z."""
    spread_ratio: float = 0.5
    """Central tendency when the rater's SD is at most this fraction of the population's..."""
    midpoint_share: float = 0.5
    """...or when at least this share of the rater's ratings sit at the scale midpoint."""
    halo_ratio: float = 0.5
    """Halo when the rater's mean across-dimension SD is at most this fraction of the
    population's."""
    min_ratees: int = 3
    """No flag for a rater with fewer ratees (the figures are still reported)."""


@dataclass(frozen=True)
class RaterBias:
    """Per rater, aligned with `rater`. NaN where a figure is undefined (see the docs)."""

    rater: AnyArray
    ratees: IntArray
    ratings: IntArray
    mean: FloatArray
    """Mean of the rater's pair scores."""
    leniency_z: FloatArray
    """(mean - population pair mean) / (population pair SD / √ratees)."""
    leniency_d: FloatArray
    """(mean - population pair mean) / population pair SD: the size of the deviation."""
    sd: FloatArray
    """SD (n - 1) of the rater's ratings."""
    spread_ratio: FloatArray
    """sd / population SD."""
    midpoint_share: FloatArray
    halo_sd: FloatArray
    """Mean over the rater's ratees of the SD across dimensions."""
    halo_ratio: FloatArray
    """halo_sd / population halo SD."""
    lenient: BoolArray
    severe: BoolArray
    central_tendency: BoolArray
    halo: BoolArray
    population: Population


def rater_bias(sums_: RaterSums, thresholds: BiasThresholds | None = None) -> RaterBias:
    """Leniency/severity, central tendency and halo of every rater (vectorised over raters)."""
    limits = thresholds or BiasThresholds()
    pop = population(sums_)
    ratees = sums_.ratees.astype(np.float64)
    ratings = sums_.ratings.astype(np.float64)
    mean = sums_.pair_sum / ratees
    d = safe_divide(mean - pop.pair_mean, np.full(mean.shape, pop.pair_sd))
    z = d * np.sqrt(ratees)
    m2 = m2_from_sums(ratings, sums_.rating_sum, sums_.rating_sumsq)
    sd = np.sqrt(sample_variance(ratings, m2))
    spread_ratio = safe_divide(sd, np.full(sd.shape, pop.sd))
    midpoint_share = (
        sums_.midpoint / ratings if sums_.midpoint is not None else np.full(mean.shape, np.nan)
    )
    if sums_.halo_pairs is not None and sums_.halo_sd_sum is not None:
        halo_sd = safe_divide(sums_.halo_sd_sum, sums_.halo_pairs.astype(np.float64))
    else:
        halo_sd = np.full(mean.shape, np.nan)
    halo_ratio = safe_divide(halo_sd, np.full(halo_sd.shape, pop.halo_sd))
    flaggable = sums_.ratees >= limits.min_ratees
    with np.errstate(invalid="ignore"):
        lenient = flaggable & (z >= limits.z)
        severe = flaggable & (z <= -limits.z)
        central = flaggable & (
            (spread_ratio <= limits.spread_ratio) | (midpoint_share >= limits.midpoint_share)
        )
        halo = flaggable & (halo_ratio <= limits.halo_ratio)
    return RaterBias(
        rater=sums_.rater,
        ratees=sums_.ratees,
        ratings=sums_.ratings,
        mean=mean,
        leniency_z=z,
        leniency_d=d,
        sd=sd,
        spread_ratio=spread_ratio,
        midpoint_share=midpoint_share,
        halo_sd=halo_sd,
        halo_ratio=halo_ratio,
        lenient=lenient,
        severe=severe,
        central_tendency=central,
        halo=halo,
        population=pop,
    )


@dataclass(frozen=True)
class RaterNorms:
    """Each rater's mean and SD, shrunk toward the population's; aligned with `rater`."""

    rater: AnyArray
    ratees: IntArray
    weight: FloatArray
    """ratees / (ratees + k): the weight of the rater's own mean and variance."""
    mean: FloatArray
    sd: FloatArray
    """The rater's own SD (n - 1) of ratings; NaN with a single rating."""
    shrunk_mean: FloatArray
    shrunk_sd: FloatArray
    population_mean: float
    population_sd: float
    k: float
    """The shrinkage constant used (math.inf: every rater is treated as the population)."""
    k_estimated: bool


def estimate_k(sums_: RaterSums) -> float:
    """k = σ²_within / τ²_rater = (1 - ICC(1)) / ICC(1), from a one-way ANOVA of pair scores
    grouped by rater (method of moments, k0 for unequal group sizes). math.inf when the
    between-rater variance is not positive (or undefined): no rater effect to trust."""
    n = sums_.ratees.astype(np.float64)
    table = oneway(n, sums_.pair_sum / n, m2_from_sums(n, sums_.pair_sum, sums_.pair_sumsq))
    if table is None:
        return math.inf
    tau2 = (table.ms_between - table.ms_within) / table.k0
    if not tau2 > 0:
        return math.inf
    return table.ms_within / tau2


def rater_norms(sums_: RaterSums, *, k: float | None = None) -> RaterNorms:
    """Shrink each rater's mean and variance toward the population's with weight
    w = ratees / (ratees + k); k estimated (`estimate_k`) when not given."""
    if k is not None and (math.isnan(k) or k < 0):
        raise ValueError("k must be ≥ 0")
    pop = population(sums_)
    chosen = estimate_k(sums_) if k is None else float(k)
    ratees = sums_.ratees.astype(np.float64)
    ratings = sums_.ratings.astype(np.float64)
    weight = np.zeros(ratees.shape) if math.isinf(chosen) else ratees / (ratees + chosen)
    mean = sums_.rating_sum / ratings
    variance = sample_variance(ratings, m2_from_sums(ratings, sums_.rating_sum, sums_.rating_sumsq))
    pop_variance = pop.sd**2 if pop.ratings >= 2 else 0.0
    variance_weight = np.where(np.isnan(variance), 0.0, weight)
    shrunk_variance = (
        variance_weight * np.nan_to_num(variance) + (1 - variance_weight) * pop_variance
    )
    return RaterNorms(
        rater=sums_.rater,
        ratees=sums_.ratees,
        weight=weight,
        mean=mean,
        sd=np.sqrt(variance),
        shrunk_mean=weight * mean + (1 - weight) * pop.mean,
        shrunk_sd=np.sqrt(shrunk_variance),
        population_mean=pop.mean,
        population_sd=math.sqrt(pop_variance),
        k=chosen,
        k_estimated=k is None,
    )


@dataclass(frozen=True)
class Standardised:
    """Per input row: the standardised score and the same back on the rating scale."""

    z: FloatArray
    """(score - rater's shrunk mean) / rater's shrunk SD; 0 where that SD is 0."""
    adjusted: FloatArray
    """population mean + population SD · z: the rating as an average rater would give it."""


def standardise(norms: RaterNorms, rater: npt.ArrayLike, score: npt.ArrayLike) -> Standardised:
    """Standardise ratings with their rater's shrunk mean and SD (NaN scores stay NaN).

    The output is still one rater's view of one ratee: publish it only through an anonymity
    aggregate such as `group_summary`."""
    x = as_scores(score)
    raters = as_labels(rater, "rater", x.size)
    order = np.argsort(norms.rater, kind="stable")
    known = norms.rater[order]
    position = np.minimum(np.searchsorted(known, raters), len(known) - 1)
    if raters.size and not np.array_equal(known[position], raters):
        raise ValueError("a rater has no norms (not in the sums the norms were built from)")
    index = order[position]
    centre = norms.shrunk_mean[index]
    spread = norms.shrunk_sd[index]
    z = np.where(spread > 0, (x - centre) / np.where(spread > 0, spread, 1.0), 0.0)
    z = np.where(np.isnan(x), np.nan, z)
    return Standardised(z=z, adjusted=norms.population_mean + norms.population_sd * z)
