"""A rating scale: its bounds and step."""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """Ratings from `low` to `high` in steps of `step` (1 to 5 → 5 options)."""

    low: float
    high: float
    step: float = 1.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.high <= self.low:
            raise ValueError("a scale needs finite bounds with high > low")
        if not self.step > 0:
            raise ValueError("a scale needs a positive step")
        steps = (self.high - self.low) / self.step
        if abs(steps - round(steps)) > 1e-9:
            raise ValueError("high - low must be a whole number of steps")

    @property
    def options(self) -> int:
        """A, the number of response options."""
        return round((self.high - self.low) / self.step) + 1

    @property
    def midpoint(self) -> float | None:
        """The middle option, or None when the scale has an even number of options."""
        if self.options % 2 == 0:
            return None
        return self.low + (self.options // 2) * self.step

    @property
    def uniform_null_variance(self) -> float:
        """σ²_EU = (A² - 1)/12, the variance of a discrete uniform over A options in steps of
        1 (James, Demaree & Wolf 1984), times step² for other steps."""
        return (self.options**2 - 1) / 12.0 * self.step**2
