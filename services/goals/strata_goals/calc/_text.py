"""How numbers and names read in explanations and problem messages."""

from decimal import Decimal

from strata_contracts.goals.vocabulary import Perspective

# Readable operators (escaped so the source stays ASCII-clean for the linters).
TIMES = "\u00d7"
MINUS = "\u2212"
ARROW = "\u2192"
SUM = "\u03a3"

PERSPECTIVE_NAMES = {
    Perspective.FINANCIAL: "financial",
    Perspective.CUSTOMER: "customer",
    Perspective.INTERNAL_PROCESS: "internal process",
    Perspective.LEARNING_GROWTH: "learning & growth",
}


def fmt(value: Decimal) -> str:
    """A number as people write it: no exponent, no trailing zeros (`40`, `0.75`)."""
    if value == 0:
        return "0"
    if value == value.to_integral_value():
        return f"{value.quantize(Decimal(1)):f}"
    return f"{value.normalize():f}"


def approx(value: Decimal, places: int = 6) -> str:
    """An intermediate result: exact when short, else cut to `places` decimals with `…`."""
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -places:
        return fmt(value)
    return fmt(value.quantize(Decimal(1).scaleb(-places))) + "\u2026"
