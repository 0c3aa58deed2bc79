"""Balanced Scorecard balance: perspective weights and the rules they must keep."""

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from strata_contracts.goals.calc import BalanceRule, BalanceViolation
from strata_contracts.goals.vocabulary import Perspective


class Weighted(Protocol):
    """Anything with a perspective and a weight (plan items, ORM rows, `WeightItem`)."""

    @property
    def perspective(self) -> Perspective | None: ...

    @property
    def weight(self) -> Decimal: ...


def perspective_weights(items: Iterable[Weighted]) -> dict[Perspective, Decimal]:
    """Sum indicator weights per perspective; every perspective present (0 when none)."""
    raise NotImplementedError


def default_balance_rules() -> list[BalanceRule]:
    """The domain's default: non-financial perspectives together at least 40 %."""
    raise NotImplementedError


def check_balance(
    weights_by_perspective: Mapping[Perspective, Decimal], rules: Sequence[BalanceRule]
) -> list[BalanceViolation]:
    """Every rule broken by the perspective weights (percent); a missing key counts as 0."""
    raise NotImplementedError
