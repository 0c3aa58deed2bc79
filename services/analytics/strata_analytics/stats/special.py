"""The chi-square survival function, through the regularised upper incomplete gamma function
Q(a, x) = Γ(a, x)/Γ(a): a power series below x = a + 1, Lentz's continued fraction above
(Press et al., Numerical Recipes, 3rd ed., §6.2). Scalar: it is called once per test."""

import math

_EPS = 1e-16
_TINY = 1e-300
_MAX_TERMS = 10_000


def _lower_series(a: float, x: float) -> float:
    """P(a, x) by the series Σ xⁿ / (a(a+1)…(a+n)), times e^-x xᵃ / Γ(a)."""
    term = total = 1.0 / a
    denominator = a
    for _ in range(_MAX_TERMS):
        denominator += 1.0
        term *= x / denominator
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _upper_fraction(a: float, x: float) -> float:
    """Q(a, x) by the continued fraction 1/(x+1-a- 1·(1-a)/(x+3-a- 2·(2-a)/(x+5-a- …)))."""
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_TERMS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < _TINY:
            d = _TINY
        c = b + an / c
        if abs(c) < _TINY:
            c = _TINY
        d = 1.0 / d
        step = d * c
        h *= step
        if abs(step - 1.0) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def gamma_q(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x), a > 0, x ≥ 0."""
    if not a > 0 or math.isnan(x) or x < 0:
        raise ValueError("gamma_q needs a > 0 and x ≥ 0")
    if x == 0:
        return 1.0
    if math.isinf(x):
        return 0.0
    if x < a + 1.0:
        return max(0.0, 1.0 - _lower_series(a, x))
    return min(1.0, _upper_fraction(a, x))


def chi2_sf(statistic: float, df: int) -> float:
    """P(χ²_df ≥ statistic): the p-value of a chi-square statistic with df degrees of freedom."""
    if df < 1:
        raise ValueError("a chi-square distribution needs df ≥ 1")
    return gamma_q(df / 2.0, statistic / 2.0)
