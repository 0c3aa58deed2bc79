"""Pure calculations of the goals service: scoring, AHP, weights, balance, indicator checks.

No database, no HTTP: functions of their inputs, called from the service layer.
"""

from strata_goals.calc.ahp import ahp_weights, random_index
from strata_goals.calc.balance import check_balance, default_balance_rules, perspective_weights
from strata_goals.calc.errors import (
    AhpMatrixError,
    BalanceRuleError,
    CalcError,
    InvalidIndicatorError,
    PlanWeightsError,
    ScoringError,
)
from strata_goals.calc.indicators import validate_indicator
from strata_goals.calc.scoring import score_indicator, score_plan
from strata_goals.calc.weights import validate_weights

__all__ = [
    "AhpMatrixError",
    "BalanceRuleError",
    "CalcError",
    "InvalidIndicatorError",
    "PlanWeightsError",
    "ScoringError",
    "ahp_weights",
    "check_balance",
    "default_balance_rules",
    "perspective_weights",
    "random_index",
    "score_indicator",
    "score_plan",
    "validate_indicator",
    "validate_weights",
]
