"""The calculations' own errors: `ValueError`s that name the bad input.

Every error carries `problems`, each with a `pointer` relative to the request body, so
an endpoint can answer with one line::

    except CalcError as exc:
        raise InvalidInput(str(exc), errors=[field(p.pointer, p.detail, p.code)
                                             for p in exc.problems]) from exc
"""

from collections.abc import Sequence

from strata_contracts.goals.calc import (
    AhpCellProblem,
    CalcProblem,
    IndicatorProblem,
    WeightProblem,
)


class CalcError(ValueError):
    """Base of the calculation errors: the input cannot be computed."""

    def __init__(self, detail: str, problems: Sequence[CalcProblem] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems: list[CalcProblem] = list(problems)


class ScoringError(CalcError):
    """An indicator cannot be scored: a parameter or the actual is missing or impossible."""

    def __init__(self, detail: str, *, pointer: str, code: str) -> None:
        super().__init__(detail, [CalcProblem(pointer=pointer, code=code, detail=detail)])
        self.pointer = pointer
        self.code = code


class InvalidIndicatorError(ScoringError):
    """The indicator's scoring parameters are invalid: the problems `validate_indicator` finds.

    `pointer` and `code` are those of the first problem; `problems` lists them all.
    """

    def __init__(self, problems: Sequence[IndicatorProblem]) -> None:
        first = problems[0]
        CalcError.__init__(
            self, f"the indicator's scoring parameters are invalid: {first.detail}", problems
        )
        self.pointer = first.pointer
        self.code = first.code


class PlanWeightsError(CalcError):
    """A plan cannot be scored because its weights are invalid (`problems` says how)."""

    def __init__(self, detail: str, problems: Sequence[WeightProblem]) -> None:
        super().__init__(detail, problems)
        self.weight_problems = list(problems)


class AhpMatrixError(CalcError):
    """A pairwise comparison matrix is malformed; `problems` names each bad cell."""

    def __init__(self, detail: str, problems: Sequence[AhpCellProblem]) -> None:
        super().__init__(detail, problems)
        self.cell_problems = list(problems)


class BalanceRuleError(CalcError):
    """A balance rule is malformed (e.g. a limit missing)."""
