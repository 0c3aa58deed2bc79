"""Calibration support: a distribution of rating bands against a guideline shape (expected
share per band). Guidance only: nothing here moves a rating. Definitions:
docs/statistics.md, "Calibration"."""

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from strata_analytics.stats._arrays import factorize
from strata_analytics.stats.reasons import Reason
from strata_analytics.stats.special import chi2_sf

SHARE_TOLERANCE = 1e-6
"""Guideline shares must add up to 1 within this (they are then rescaled to exactly 1)."""
SMALL_EXPECTED = 5.0
"""Cochran's (1954) rule of thumb: expected counts below 5 make the chi-square doubtful."""


@dataclass(frozen=True)
class BandComparison:
    band: Hashable
    observed: int
    expected: float
    """N · expected share."""
    deviation: float
    """observed - expected."""
    observed_share: float | None
    expected_share: float
    share_deviation: float | None
    """observed share - expected share."""
    residual: float
    """Pearson residual (observed - expected) / √expected."""


@dataclass(frozen=True)
class Calibration:
    bands: list[BandComparison]
    """In the guideline's order."""
    total: int
    statistic: float | None
    """Pearson's goodness-of-fit X² = Σ (O - E)² / E."""
    df: int
    """Bands - 1."""
    p_value: float | None
    min_expected: float
    small_expected: bool
    """Some expected count is below 5: read the test as guidance only."""
    reason: Reason | None
    """INSUFFICIENT_DATA when there are no ratings at all."""


def calibration(band: npt.ArrayLike, guideline: Mapping[Hashable, float]) -> Calibration:
    """From one band per person (e.g. the final ratings of a calibration group)."""
    bands = np.asarray(band)
    if bands.ndim != 1:
        raise ValueError("band must be one-dimensional")
    labels, code = factorize(bands)
    observed = np.bincount(code, minlength=labels.size)
    return calibration_from_counts(
        {label: int(n) for label, n in zip(labels.tolist(), observed, strict=True)}, guideline
    )


def calibration_from_counts(
    observed: Mapping[Hashable, int], guideline: Mapping[Hashable, float]
) -> Calibration:
    """From counts per band (bands absent from `observed` count 0)."""
    if len(guideline) < 2:
        raise ValueError("a guideline needs at least two bands")
    unknown = [band for band in observed if band not in guideline]
    if unknown:
        raise ValueError(f"bands not in the guideline: {unknown!r}")
    shares = np.array([float(guideline[band]) for band in guideline])
    if np.any(~np.isfinite(shares)) or np.any(shares <= 0):
        raise ValueError("every guideline share must be positive")
    if abs(shares.sum() - 1) > SHARE_TOLERANCE:
        raise ValueError("guideline shares must add up to 1")
    shares = shares / shares.sum()
    counts_ = np.array([observed.get(band, 0) for band in guideline])
    if np.any(counts_ < 0) or np.any(counts_ != np.round(counts_)):
        raise ValueError("counts must be non-negative whole numbers")
    counts_ = counts_.astype(np.int64)
    total = int(counts_.sum())
    expected = total * shares
    deviation = counts_ - expected
    residual = np.divide(deviation, np.sqrt(expected), out=np.zeros_like(expected), where=total > 0)
    bands = [
        BandComparison(
            band=band,
            observed=int(counts_[i]),
            expected=float(expected[i]),
            deviation=float(deviation[i]),
            observed_share=float(counts_[i] / total) if total else None,
            expected_share=float(shares[i]),
            share_deviation=float(counts_[i] / total - shares[i]) if total else None,
            residual=float(residual[i]),
        )
        for i, band in enumerate(guideline)
    ]
    df = len(bands) - 1
    if total == 0:
        return Calibration(bands, 0, None, df, None, 0.0, True, Reason.INSUFFICIENT_DATA)
    statistic = float((deviation**2 / expected).sum())
    return Calibration(
        bands=bands,
        total=total,
        statistic=statistic,
        df=df,
        p_value=chi2_sf(statistic, df) if math.isfinite(statistic) else 0.0,
        min_expected=float(expected.min()),
        small_expected=bool(expected.min() < SMALL_EXPECTED),
        reason=None,
    )
