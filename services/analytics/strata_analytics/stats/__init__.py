"""The statistics of the analytics service: pure functions over numpy arrays (no database, no
HTTP). Formulas, conventions and references: docs/statistics.md.

Every function that summarises the raters of a ratee's relationship group takes the
anonymity threshold k (`anonymity_threshold`) and withholds smaller groups with
`Reason.BELOW_THRESHOLD`, never computing on them.
"""

from strata_analytics.stats.adverse_impact import (
    FOUR_FIFTHS,
    AdverseImpact,
    ChiSquare,
    GroupRate,
    adverse_impact,
    adverse_impact_from_table,
    chi_square_independence,
)
from strata_analytics.stats.bias import (
    BiasThresholds,
    PairScores,
    Population,
    RaterBias,
    RaterNorms,
    RaterSums,
    Standardised,
    estimate_k,
    linkable_raters,
    pair_scores,
    population,
    rater_bias,
    rater_norms,
    rater_sums,
    standardise,
)
from strata_analytics.stats.calibration import (
    BandComparison,
    Calibration,
    calibration,
    calibration_from_counts,
)
from strata_analytics.stats.krippendorff import (
    Alpha,
    AlphaByGroup,
    krippendorff_alpha,
    krippendorff_alpha_by_group,
)
from strata_analytics.stats.reasons import Reason
from strata_analytics.stats.reliability import (
    Agreement,
    GroupSummary,
    Icc,
    RatersNeeded,
    group_summary,
    icc,
    icc_from_sums,
    raters_needed,
    rwg,
    spearman_brown,
)
from strata_analytics.stats.scale import Scale
from strata_analytics.stats.special import chi2_sf, gamma_q

__all__ = [
    "FOUR_FIFTHS",
    "AdverseImpact",
    "Agreement",
    "Alpha",
    "AlphaByGroup",
    "BandComparison",
    "BiasThresholds",
    "Calibration",
    "ChiSquare",
    "GroupRate",
    "GroupSummary",
    "Icc",
    "PairScores",
    "Population",
    "RaterBias",
    "RaterNorms",
    "RaterSums",
    "RatersNeeded",
    "Reason",
    "Scale",
    "Standardised",
    "adverse_impact",
    "adverse_impact_from_table",
    "calibration",
    "calibration_from_counts",
    "chi2_sf",
    "chi_square_independence",
    "estimate_k",
    "gamma_q",
    "group_summary",
    "icc",
    "icc_from_sums",
    "krippendorff_alpha",
    "krippendorff_alpha_by_group",
    "linkable_raters",
    "pair_scores",
    "population",
    "rater_bias",
    "rater_norms",
    "rater_sums",
    "raters_needed",
    "rwg",
    "spearman_brown",
    "standardise",
]
