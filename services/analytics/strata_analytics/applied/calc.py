"""The arithmetic of results applied, as pure functions (tested against hand-computed
cases and independent references): compa-ratio, matrix lookup, budget scaling,
largest-remainder apportionment, consecutive-band streaks and training effect sizes."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")
FOUR = Decimal("0.0001")
HUNDRED = Decimal(100)


def compa_ratio(salary: Decimal, midpoint: Decimal) -> Decimal:
    """salary / range midpoint, 4 places (half up)."""
    return (salary / midpoint).quantize(FOUR, ROUND_HALF_UP)


def compa_band(ratio: Decimal, upper_bounds: Sequence[Decimal | None]) -> int:
    """The index of the first band whose upper bound (exclusive) is above `ratio`; the last
    band (bound None) takes everything else."""
    for index, bound in enumerate(upper_bounds):
        if bound is None or ratio < bound:
            return index
    return len(upper_bounds) - 1


def largest_remainder(
    total: Decimal, weights: Sequence[Decimal], quantum: Decimal = CENT
) -> list[Decimal]:
    """Split `total` (a multiple of `quantum`) in proportion to `weights`, in whole quanta,
    so the parts sum to `total` exactly (Hamilton's method).

    Each part starts at the floor of its exact quota; the quanta left over go one each to
    the largest fractional remainders, ties to the earlier position. Exact rational
    arithmetic throughout, so no part depends on float rounding."""
    if total % quantum != 0:
        raise ValueError("total must be a whole number of quanta")
    units = int(total / quantum)
    weight_sum = sum((Fraction(w) for w in weights), Fraction(0))
    if weight_sum <= 0:
        raise ValueError("weights must have a positive sum")
    quotas = [Fraction(units) * Fraction(w) / weight_sum for w in weights]
    floors = [math.floor(q) for q in quotas]
    left = units - sum(floors)
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(f) * quantum for f in floors]


@dataclass(frozen=True)
class Budgeted:
    """Matrix amounts fitted to a budget."""

    matrix_spend: Decimal
    scale_factor: Decimal
    scaled: bool
    amounts: list[Decimal]

    @property
    def spend(self) -> Decimal:
        return sum(self.amounts, Decimal(0))


def fit_to_budget(
    salaries: Sequence[Decimal], percents: Sequence[Decimal], budget: Decimal
) -> Budgeted:
    """Increase amounts salary * percent / 100; when they total more than `budget`, every
    amount is scaled by budget / total (the same factor for everyone). Amounts are then
    rounded to cents by largest remainder to the exact total: the budget when scaled, else
    the matrix total rounded half up (never above the budget, which is in whole cents)."""
    raw = [s * p / HUNDRED for s, p in zip(salaries, percents, strict=True)]
    matrix_spend = sum(raw, Decimal(0))
    if not raw:
        return Budgeted(Decimal(0), Decimal(1), False, [])
    scaled = matrix_spend > budget
    if scaled:
        target = budget
        factor = (Fraction(budget) / Fraction(matrix_spend)) if matrix_spend else Fraction(1)
    else:
        target = matrix_spend.quantize(CENT, ROUND_HALF_UP)
        factor = Fraction(1)
    amounts = largest_remainder(target, raw) if matrix_spend > 0 else [Decimal(0) for _ in raw]
    return Budgeted(
        matrix_spend=matrix_spend,
        scale_factor=(Decimal(factor.numerator) / Decimal(factor.denominator)).quantize(
            Decimal("0.000001"), ROUND_HALF_UP
        ),
        scaled=scaled,
        amounts=amounts,
    )


def budget_from_percent(payroll: Decimal, percent: Decimal) -> Decimal:
    """percent of payroll, rounded down to the cent (a budget is never exceeded)."""
    return (payroll * percent / HUNDRED).quantize(CENT, ROUND_FLOOR)


def streak(ranks: Sequence[int | None], minimum: int) -> int:
    """How many cycles, counted back from the last, have a rank at or above `minimum`
    without interruption (a missing result interrupts)."""
    count = 0
    for rank in reversed(ranks):
        if rank is None or rank < minimum:
            break
        count += 1
    return count


# --- training effect sizes -----------------------------------------------------------------


def mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def sample_sd(values: Sequence[float]) -> float | None:
    """Standard deviation with n - 1 in the denominator (None below two values)."""
    if len(values) < 2:
        return None
    m = mean(values)
    return math.sqrt(math.fsum((v - m) ** 2 for v in values) / (len(values) - 1))


def cohens_d_paired(changes: Sequence[float]) -> float | None:
    """d_z: mean of the paired changes / their sample SD (None when undefined)."""
    sd = sample_sd(changes)
    if sd is None or sd == 0:
        return None
    return mean(changes) / sd


def hedges_g(treated: Sequence[float], control: Sequence[float]) -> float | None:
    """(mean₁ - mean₂) / pooled SD * J, J = 1 - 3 / (4 (n₁ + n₂) - 9) (Hedges' small-sample
    correction, as pingouin applies it)."""
    n1, n2 = len(treated), len(control)
    if n1 < 2 or n2 < 2:
        return None
    s1, s2 = sample_sd(treated), sample_sd(control)
    assert s1 is not None
    assert s2 is not None
    pooled = math.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2))
    if pooled == 0:
        return None
    d = (mean(treated) - mean(control)) / pooled
    return d * (1 - 3 / (4 * (n1 + n2) - 9))
