"""Errors of the weights domain."""

from strata_kit.errors import InvalidInput


class InconsistentComparisons(InvalidInput):
    """The pairwise matrix is too inconsistent (CR ≥ 0.10); the worst pairs are named."""

    title = "Inconsistent pairwise comparisons"
    slug = "ahp-inconsistent"
