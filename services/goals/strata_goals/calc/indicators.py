"""Validation of an indicator's scoring parameters, field by field."""

from strata_contracts.goals.calc import IndicatorProblem, IndicatorScoringSpec


def validate_indicator(spec: IndicatorScoringSpec) -> list[IndicatorProblem]:
    """Every problem with the spec (field pointer + message); empty when it can score."""
    raise NotImplementedError
