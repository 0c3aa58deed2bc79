"""Analytic Hierarchy Process: weights from pairwise comparisons, and their consistency."""

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from strata_contracts.goals.calc import AhpResult

MatrixEntry = Fraction | Decimal | float | int | str


def ahp_weights(
    matrix: Sequence[Sequence[MatrixEntry]],
    *,
    labels: Sequence[str] | None = None,
    max_suggestions: int = 3,
) -> AhpResult:
    """Principal-eigenvector weights, λmax, CI, CR and the worst comparisons.

    Raises `AhpMatrixError` naming every bad cell (shape, diagonal, scale, reciprocity).
    """
    raise NotImplementedError


def random_index(n: int) -> float:
    """Saaty's random consistency index RI(n) for 1 ≤ n ≤ 15."""
    raise NotImplementedError
