"""One-way random-effects ANOVA from per-group moments: the core of ICC(1), ICC(2) and the
estimated shrinkage constant."""

from dataclasses import dataclass

import numpy as np

from strata_analytics.stats._arrays import FloatArray, clean_m2


@dataclass(frozen=True)
class OneWay:
    """Mean squares of a one-way layout with groups of unequal size."""

    groups: int
    ratings: int
    k0: float
    """Snedecor & Cochran's average group size (N - Σnⱼ²/N)/(G - 1); n when balanced."""
    ms_between: float
    ms_within: float
    df_between: int
    df_within: int


def oneway(n: FloatArray, mean: FloatArray, m2: FloatArray) -> OneWay | None:
    """Mean squares from per-group count, mean and Σ(x - meanⱼ)²; None when there are fewer
    than two groups or no within-group degree of freedom. Groups with n = 0 are ignored."""
    present = n > 0
    n, mean, m2 = n[present], mean[present], m2[present]
    groups = int(n.size)
    ratings = float(n.sum())
    if groups < 2 or ratings - groups < 1:
        return None
    grand = float((n * mean).sum() / ratings)
    deviation = mean - grand
    ss_between = float(
        clean_m2(
            np.array([(n * deviation * deviation).sum()]), np.array([ratings]), np.array([grand])
        )[0]
    )
    ss_within = float(m2.sum())
    df_between = groups - 1
    df_within = round(ratings) - groups
    return OneWay(
        groups=groups,
        ratings=round(ratings),
        k0=float((ratings - (n * n).sum() / ratings) / df_between),
        ms_between=ss_between / df_between,
        ms_within=ss_within / df_within,
        df_between=df_between,
        df_within=df_within,
    )
