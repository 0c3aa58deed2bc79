"""Analytic Hierarchy Process: weights from pairwise comparisons, and their consistency.

Method (Saaty, *The Analytic Hierarchy Process*, McGraw-Hill 1980; Saaty, "Decision
making with the analytic hierarchy process", Int. J. Services Sciences 1(1), 2008):

- **Input**: an n-by-n matrix, 1 ≤ n ≤ 15, a_ij = how much more important i is than j.
  Entries must be on Saaty's fundamental scale: 1 to 9, the refinements 1.1 to 1.9 for
  nearly equal items (Saaty 2008, table 1), and their reciprocals. Numbers are snapped to
  the scale value they are within 0.5 % of (so 0.333 and 0.143 read as 1/3 and 1/7;
  fractions such as `"1/3"` are exact). The diagonal is 1 and a_ji = 1/a_ij, checked on
  the snapped values, so "reciprocal within a tolerance" means within that 0.5 %.
  Every bad cell is reported at once with its (row, column).
- **Weights**: the principal right eigenvector, normalised to sum 1. It is the limit of
  the normalised row sums of A^k (Saaty's definition), computed by repeated squaring of A
  and then polished by power iteration until no weight moves by more than 1e-13.
- **Consistency**: λmax = Σ_i (A w)_i (w sums to 1); CI = (λmax - n) / (n - 1);
  CR = CI / RI(n); CI and CR are 0 for n ≤ 2 (such matrices are always consistent;
  tiny negative values from rounding are clamped to 0). Consistent when CR < 0.10.
- **RI(n)**: Saaty's random index 0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49
  for n = 1..10, and for n = 11..15 the continuation 1.51, 1.48, 1.56, 1.57, 1.59 that
  Saaty (1980) reports from Oak Ridge National Laboratory's simulation of random
  reciprocal matrices (the dip at 12 is in the published table, an artefact of its
  small sample; kept as published so CRs match other AHP tools).
- **Most inconsistent comparisons** (only when CR ≥ 0.10): Saaty's method (Saaty 2003,
  "Decision-making with the AHP: Why is the principal eigenvector necessary", EJOR 145;
  also Saaty 2008): for each pair i < j the ratio ε_ij = a_ij · w_j / w_i, which is 1
  when the judgment agrees with the weights; pairs are ranked by max(ε, 1/ε), worst
  first. Each comes with w_i / w_j (the value that would fit), the nearest value on the
  1..9 scale to suggest, and the CR the matrix would have with only that pair revised.
  A pair whose suggestion equals its current value is skipped (nothing to change).
"""

import math
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from strata_contracts.goals.calc import (
    AHP_CR_LIMIT,
    AhpCellProblem,
    AhpInconsistency,
    AhpResult,
)
from strata_goals.calc.errors import AhpMatrixError, CalcError

MatrixEntry = Fraction | Decimal | float | int | str

MAX_N = 15
SCALE_TOLERANCE = Fraction(1, 200)
"""Relative distance within which a number is read as a scale value (0.5 %)."""
CONVERGENCE = 1e-13

RANDOM_INDEX: tuple[float, ...] = (
    0.0,
    0.0,
    0.58,
    0.90,
    1.12,
    1.24,
    1.32,
    1.41,
    1.45,
    1.49,
    1.51,
    1.48,
    1.56,
    1.57,
    1.59,
)
"""Saaty's random index RI(n) for n = 1..15 (index n - 1)."""

_INTEGER_SCALE = tuple(Fraction(k) for k in range(1, 10))
_FINE_SCALE = tuple(Fraction(10 + k, 10) for k in range(1, 10))
SCALE: tuple[Fraction, ...] = tuple(
    sorted({*_INTEGER_SCALE, *_FINE_SCALE, *(1 / v for v in _INTEGER_SCALE + _FINE_SCALE)})
)
"""Every value a comparison may take: 1..9, 1.1..1.9 and their reciprocals."""
SUGGESTION_SCALE: tuple[Fraction, ...] = tuple(
    sorted({*_INTEGER_SCALE, *(1 / v for v in _INTEGER_SCALE)})
)
"""The values suggested for revision: the classic 1..9 scale and reciprocals."""


def random_index(n: int) -> float:
    """Saaty's random consistency index RI(n) for 1 ≤ n ≤ 15."""
    if not 1 <= n <= MAX_N:
        raise CalcError(f"the random index is tabulated for 1 to {MAX_N} items, not {n}")
    return RANDOM_INDEX[n - 1]


_OFF_SCALE_HIGH = Fraction(100)
_OFF_SCALE_LOW = 1 / _OFF_SCALE_HIGH


def scale_text(value: Fraction) -> str:
    """A scale value as an entry the API accepts back: `3`, `1.5`, `1/5`, `2/3`."""
    if value >= 1 and value.denominator != 1:
        return f"{float(value):g}"
    return str(value)


def _nearest(value: Fraction, scale: Sequence[Fraction]) -> Fraction:
    # Distance on the log scale: 1/3 is as far from 1 as 3 is.
    return min(scale, key=lambda s: abs(math.log(value / s)))


def _parse(entry: object) -> Fraction | None:
    if isinstance(entry, bool):
        return None
    if isinstance(entry, Fraction):
        return entry
    if isinstance(entry, int):
        return Fraction(entry)
    if isinstance(entry, Decimal | float):
        return Fraction(entry) if math.isfinite(entry) else None
    if isinstance(entry, str):
        # "3", "0.2", "1/3", and "1/1.5" (the reciprocal of a fine-scale value)
        try:
            parts = [Fraction(part.strip()) for part in entry.split("/")]
            if len(parts) == 1:
                return parts[0]
            if len(parts) == 2:
                return parts[0] / parts[1]
        except (ValueError, ZeroDivisionError):
            return None
        return None
    return None


def _shown(entry: object) -> str:
    return entry if isinstance(entry, str) else str(entry)


def _problem(
    row: int | None,
    column: int | None,
    code: str,
    detail: str,
    value: object = None,
) -> AhpCellProblem:
    if row is None:
        pointer = "matrix"
    elif column is None:
        pointer = f"matrix/{row}"
    else:
        pointer = f"matrix/{row}/{column}"
    return AhpCellProblem(
        pointer=pointer,
        code=code,
        detail=detail,
        row=row,
        column=column,
        value=None if value is None else _shown(value),
    )


def _read(
    matrix: Sequence[Sequence[MatrixEntry]], labels: Sequence[str] | None
) -> list[list[Fraction]]:
    """The matrix snapped to the scale, or `AhpMatrixError` naming every bad cell."""
    n = len(matrix)
    if n == 0:
        raise AhpMatrixError(
            "the matrix is empty", [_problem(None, None, "empty", "the matrix has no rows")]
        )
    if n > MAX_N:
        detail = f"the matrix compares {n} items; at most {MAX_N} can be compared"
        raise AhpMatrixError(detail, [_problem(None, None, "too_large", detail)])
    shape = [
        _problem(i, None, "shape", f"row {i} has {len(row)} entries; the matrix is {n} by {n}")
        for i, row in enumerate(matrix)
        if len(row) != n
    ]
    if shape:
        raise AhpMatrixError("the matrix is not square", shape)
    problems: list[AhpCellProblem] = []
    if labels is not None and len(labels) != n:
        problems.append(
            AhpCellProblem(
                pointer="labels",
                code="shape",
                detail=f"{len(labels)} labels for {n} items",
            )
        )
    snapped = [
        [_snap(i, j, entry, problems) for j, entry in enumerate(row)]
        for i, row in enumerate(matrix)
    ]
    problems.extend(_reciprocity_problems(matrix, snapped))
    if problems:
        raise AhpMatrixError(
            f"the comparison matrix has {len(problems)} problem(s): {problems[0].detail}",
            problems,
        )
    return [[v if v is not None else Fraction(1) for v in row] for row in snapped]


def _snap(i: int, j: int, entry: MatrixEntry, problems: list[AhpCellProblem]) -> Fraction | None:
    """Cell (i, j) snapped to the scale, or None with its problem added to `problems`."""
    value = _parse(entry)
    if value is None:
        problems.append(_problem(i, j, "not_a_number", f"({i}, {j}) is not a number", entry))
        return None
    if value <= 0:
        problems.append(_problem(i, j, "not_positive", f"({i}, {j}) must be positive", entry))
        return None
    # Far off the scale (a 400-digit entry): no float can hold the ratio to a scale
    # value, so say so without computing the nearest one.
    near = SCALE[-1] if value > 1 else SCALE[0]
    if _OFF_SCALE_LOW < value < _OFF_SCALE_HIGH:
        near = _nearest(value, SCALE)
    if abs(value / near - 1) > SCALE_TOLERANCE:
        problems.append(
            _problem(
                i,
                j,
                "off_scale",
                f"({i}, {j}) = {_shown(entry)} is not on Saaty's scale (1 to 9, 1.1 to "
                f"1.9 and their reciprocals); nearest is {scale_text(near)}",
                entry,
            )
        )
        return None
    if i == j and near != 1:
        problems.append(
            _problem(i, j, "diagonal", f"({i}, {j}) is on the diagonal and must be 1", entry)
        )
    return near


def _reciprocity_problems(
    matrix: Sequence[Sequence[MatrixEntry]], snapped: list[list[Fraction | None]]
) -> list[AhpCellProblem]:
    """Each pair of readable cells that are not each other's reciprocal, named at (j, i)."""
    problems: list[AhpCellProblem] = []
    n = len(snapped)
    for i in range(n):
        for j in range(i + 1, n):
            upper, lower = snapped[i][j], snapped[j][i]
            if upper is not None and lower is not None and lower != 1 / upper:
                problems.append(
                    _problem(
                        j,
                        i,
                        "not_reciprocal",
                        f"({j}, {i}) = {scale_text(lower)} but ({i}, {j}) = "
                        f"{scale_text(upper)}; it must be its reciprocal "
                        f"{scale_text(1 / upper)}",
                        matrix[j][i],
                    )
                )
    return problems


def _matmul(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    columns = list(zip(*b, strict=True))
    return [
        [math.fsum(x * y for x, y in zip(row, col, strict=True)) for col in columns] for row in a
    ]


def _normalised(v: Sequence[float]) -> list[float]:
    total = math.fsum(v)
    return [x / total for x in v]


def principal_eigen(a: Sequence[Sequence[float]]) -> tuple[list[float], float]:
    """The normalised principal eigenvector of a positive matrix, and its eigenvalue."""
    n = len(a)
    rows = [list(map(float, row)) for row in a]
    weights = _normalised([math.fsum(row) for row in rows])
    power = rows
    for _ in range(64):  # A^(2^k): the row sums converge on the eigenvector
        power = _matmul(power, power)
        biggest = max(max(row) for row in power)
        power = [[x / biggest for x in row] for row in power]
        update = _normalised([math.fsum(row) for row in power])
        moved = max(abs(x - y) for x, y in zip(update, weights, strict=True))
        weights = update
        if moved < CONVERGENCE:
            break
    for _ in range(1000):  # polish: w ← A w / Σ A w
        update = _normalised(
            [math.fsum(x * w for x, w in zip(row, weights, strict=True)) for row in rows]
        )
        moved = max(abs(x - y) for x, y in zip(update, weights, strict=True))
        weights = update
        if moved < CONVERGENCE:
            break
    lam = math.fsum(math.fsum(x * w for x, w in zip(row, weights, strict=True)) for row in rows)
    return weights, lam if n > 0 else 0.0


def _consistency(n: int, lam: float) -> tuple[float, float]:
    if n <= 2:
        return 0.0, 0.0
    ci = max(0.0, (lam - n) / (n - 1))
    return ci, ci / random_index(n)


def _percents(weights: Sequence[float]) -> list[Decimal]:
    """Largest-remainder rounding to hundredths of a percent, summing to exactly 100."""
    hundredths = [w * 10_000 for w in weights]
    floors = [math.floor(h) for h in hundredths]
    left = 10_000 - sum(floors)
    order = sorted(range(len(weights)), key=lambda k: (floors[k] - hundredths[k], k))
    for k in order[: max(0, left)]:
        floors[k] += 1
    return [Decimal(f) / 100 for f in floors]


def ahp_weights(
    matrix: Sequence[Sequence[MatrixEntry]],
    *,
    labels: Sequence[str] | None = None,
    max_suggestions: int = 3,
) -> AhpResult:
    """Principal-eigenvector weights, λmax, CI, CR and the worst comparisons.

    Raises `AhpMatrixError` naming every bad cell (shape, diagonal, scale, reciprocity).
    See the module docstring for the method, the RI table and the inconsistency ranking.
    """
    exact = _read(matrix, labels)
    n = len(exact)
    a = [[float(v) for v in row] for row in exact]
    weights, lam = principal_eigen(a)
    ci, cr = _consistency(n, lam)
    consistent = cr < AHP_CR_LIMIT
    inconsistencies = (
        [] if consistent else _inconsistencies(exact, weights, labels, max_suggestions)
    )
    return AhpResult(
        n=n,
        labels=list(labels) if labels is not None else None,
        weights=weights,
        weights_percent=[p.quantize(Decimal("0.01")) for p in _percents(weights)],
        lambda_max=lam,
        ci=ci,
        ri=random_index(n),
        cr=cr,
        consistent=consistent,
        inconsistencies=inconsistencies,
    )


def _inconsistencies(
    exact: list[list[Fraction]],
    weights: list[float],
    labels: Sequence[str] | None,
    limit: int,
) -> list[AhpInconsistency]:
    n = len(exact)
    ranked: list[tuple[float, int, int, float]] = []
    for i in range(n):
        for j in range(i + 1, n):
            ratio = float(exact[i][j]) * weights[j] / weights[i]
            ranked.append((max(ratio, 1 / ratio), i, j, ratio))
    # Ties (to float noise) keep matrix order, so equal deviations list predictably.
    ranked.sort(key=lambda r: (-round(r[0], 9), r[1], r[2]))
    found: list[AhpInconsistency] = []
    for deviation, i, j, ratio in ranked:
        if len(found) >= limit:
            break
        fitting = weights[i] / weights[j]
        suggested = _nearest(Fraction(fitting), SUGGESTION_SCALE)
        if suggested == exact[i][j]:
            continue
        revised = [[float(v) for v in row] for row in exact]
        revised[i][j], revised[j][i] = float(suggested), float(1 / suggested)
        _, revised_lambda = principal_eigen(revised)
        found.append(
            AhpInconsistency(
                row=i,
                column=j,
                row_label=labels[i] if labels else None,
                column_label=labels[j] if labels else None,
                value=float(exact[i][j]),
                consistent_value=fitting,
                suggested=scale_text(suggested),
                ratio=ratio,
                deviation=deviation,
                cr_if_revised=_consistency(n, revised_lambda)[1],
            )
        )
    return found
