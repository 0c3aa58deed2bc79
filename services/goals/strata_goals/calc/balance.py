"""Balanced Scorecard balance: perspective weights and the rules they must keep.

Weights are percents of the plan (or level) they describe and are taken as given: they
should total 100, which `validate_weights` checks; balance does not rescale them.
Comparisons are exact (percents with 2 places add up exactly): 40 meets "at least 40".
"""

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from strata_contracts.goals.calc import (
    BalanceRule,
    BalanceRuleKind,
    BalanceViolation,
    CalcProblem,
)
from strata_contracts.goals.vocabulary import Perspective
from strata_goals.calc._text import PERSPECTIVE_NAMES, fmt
from strata_goals.calc.errors import BalanceRuleError, CalcError

NON_FINANCIAL = (Perspective.CUSTOMER, Perspective.INTERNAL_PROCESS, Perspective.LEARNING_GROWTH)


class Weighted(Protocol):
    """Anything with a perspective and a weight (plan items, ORM rows, `WeightItem`)."""

    @property
    def perspective(self) -> Perspective | None: ...

    @property
    def weight(self) -> Decimal: ...


def perspective_weights(items: Iterable[Weighted]) -> dict[Perspective, Decimal]:
    """Sum indicator weights per perspective; every perspective present (0 when none).

    Raises `CalcError` (pointer `items/<index>/perspective`) for an item without one:
    every indicator belongs to a perspective, and leaving one out would misstate the
    balance.
    """
    totals = {perspective: Decimal(0) for perspective in Perspective}
    for index, item in enumerate(items):
        if item.perspective is None:
            detail = f"item {index} has no perspective"
            raise CalcError(
                detail,
                [CalcProblem(pointer=f"items/{index}/perspective", code="missing", detail=detail)],
            )
        totals[item.perspective] += item.weight
    return totals


def default_balance_rules() -> list[BalanceRule]:
    """The domain's default: non-financial perspectives together at least 40 %.

    Only this rule: a post need not cover every perspective (a sales post may have no
    learning & growth indicator); add `all_present` or bounds per tenant or level.
    """
    return [
        BalanceRule(
            id="non_financial_min_40",
            kind=BalanceRuleKind.MIN_TOTAL,
            perspectives=list(NON_FINANCIAL),
            limit=Decimal(40),
            description="non-financial perspectives together at least 40 %",
        )
    ]


def _names(perspectives: Iterable[Perspective]) -> str:
    return ", ".join(PERSPECTIVE_NAMES[p] for p in perspectives)


def _check_rule(rule: BalanceRule) -> Decimal | None:
    if rule.kind is BalanceRuleKind.ALL_PRESENT:
        return None
    if rule.limit is None:
        raise BalanceRuleError(f"rule {rule.id}: a {rule.kind.value} rule needs a limit")
    if rule.limit < 0:
        raise BalanceRuleError(f"rule {rule.id}: the limit {fmt(rule.limit)} is negative")
    if rule.kind in (BalanceRuleKind.MIN_TOTAL, BalanceRuleKind.MAX_TOTAL) and not (
        rule.perspectives
    ):
        raise BalanceRuleError(f"rule {rule.id}: list the perspectives it adds up")
    return rule.limit


def check_balance(
    weights_by_perspective: Mapping[Perspective, Decimal], rules: Sequence[BalanceRule]
) -> list[BalanceViolation]:
    """Every rule broken by the perspective weights (percent); a missing key counts as 0.

    `min_total`/`max_total` give one violation naming the set; `each_*` and
    `all_present` one per perspective at fault. Raises `BalanceRuleError` for a rule
    that cannot be checked (no limit, negative limit, no perspectives to add up).
    """
    violations: list[BalanceViolation] = []

    def weight(p: Perspective) -> Decimal:
        return weights_by_perspective.get(p, Decimal(0))

    def violation(
        rule: BalanceRule, at_fault: list[Perspective], actual: Decimal, detail: str
    ) -> BalanceViolation:
        return BalanceViolation(
            rule_id=rule.id,
            kind=rule.kind,
            description=rule.description,
            perspectives=at_fault,
            actual=actual,
            limit=rule.limit,
            detail=detail,
        )

    for rule in rules:
        limit = _check_rule(rule)
        listed = list(dict.fromkeys(rule.perspectives)) or list(Perspective)
        if rule.kind in (BalanceRuleKind.MIN_TOTAL, BalanceRuleKind.MAX_TOTAL):
            assert limit is not None
            actual = sum((weight(p) for p in listed), Decimal(0))
            together = "together " if len(listed) > 1 else ""
            if rule.kind is BalanceRuleKind.MIN_TOTAL and actual < limit:
                violations.append(
                    violation(
                        rule,
                        listed,
                        actual,
                        f"{_names(listed)} weigh {together}{fmt(actual)} %, below the minimum "
                        f"{fmt(limit)} %",
                    )
                )
            elif rule.kind is BalanceRuleKind.MAX_TOTAL and actual > limit:
                violations.append(
                    violation(
                        rule,
                        listed,
                        actual,
                        f"{_names(listed)} weigh {together}{fmt(actual)} %, above the maximum "
                        f"{fmt(limit)} %",
                    )
                )
            continue
        for p in listed:
            actual = weight(p)
            name = PERSPECTIVE_NAMES[p]
            if rule.kind is BalanceRuleKind.ALL_PRESENT and actual <= 0:
                violations.append(violation(rule, [p], actual, f"{name} has no weight"))
            elif rule.kind is BalanceRuleKind.EACH_MIN and limit is not None and actual < limit:
                violations.append(
                    violation(
                        rule,
                        [p],
                        actual,
                        f"{name} weighs {fmt(actual)} %, below the minimum {fmt(limit)} %",
                    )
                )
            elif rule.kind is BalanceRuleKind.EACH_MAX and limit is not None and actual > limit:
                violations.append(
                    violation(
                        rule,
                        [p],
                        actual,
                        f"{name} weighs {fmt(actual)} %, above the maximum {fmt(limit)} %",
                    )
                )
    return violations
