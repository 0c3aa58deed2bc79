"""Scoring parameters between the wire, the tables and the calculations: one place that
copies them, reads them back, builds the calculation's spec and validates it."""

from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter

from strata_contracts.goals.calc import IndicatorScoringSpec, RubricLevel, ValueBand
from strata_contracts.goals.strategy import ScoringParameters, ScoringParametersRead
from strata_contracts.goals.vocabulary import IndicatorKind, ScoringMethod
from strata_contracts.problem import FieldProblem
from strata_goals.calc import validate_indicator
from strata_goals.models import ScoringFields
from strata_kit.errors import field

PARAMETER_FIELDS = tuple(ScoringParameters.model_fields)
_BANDS = TypeAdapter(list[ValueBand])
_RUBRIC = TypeAdapter(list[RubricLevel])


def parameter_values(params: ScoringParameters, *, only_set: bool = False) -> dict[str, Any]:
    """Column values of `params` (all of them, or only those the caller set)."""
    values = params.model_dump(include=set(PARAMETER_FIELDS), exclude_unset=only_set)
    if "method" in values and values["method"] is None:
        values["method"] = default_method(params.kind)
    if "bands" in values:
        values["bands"] = _BANDS.dump_python(params.bands, mode="json")
    if "rubric" in values:
        values["rubric"] = _RUBRIC.dump_python(params.rubric, mode="json")
    return values


def default_method(kind: IndicatorKind) -> ScoringMethod:
    """The method of an indicator that names none: rubric levels or interpolation."""
    return (
        ScoringMethod.RUBRIC if kind is IndicatorKind.QUALITATIVE else ScoringMethod.INTERPOLATION
    )


def json_parameter(name: str, value: Any) -> Any:
    """The column value of one parameter given as a contract value (lists become JSON)."""
    if name == "bands" and value is not None:
        return _BANDS.dump_python(value, mode="json")
    if name == "rubric" and value is not None:
        return _RUBRIC.dump_python(value, mode="json")
    return value


def copy_parameters(source: ScoringFields) -> dict[str, Any]:
    """The parameter columns of a row, to copy into another (template → indicator → plan)."""
    return {name: getattr(source, name) for name in PARAMETER_FIELDS}


def parameters_read(row: ScoringFields) -> ScoringParametersRead:
    return ScoringParametersRead(
        kind=row.kind,
        method=row.method,
        unit=row.unit,
        direction=row.direction,
        baseline=row.baseline,
        threshold=row.threshold,
        target=row.target,
        stretch=row.stretch,
        band_low=row.band_low,
        band_high=row.band_high,
        band_tolerance=row.band_tolerance,
        threshold_score=row.threshold_score,
        cap=row.cap,
        bands=_BANDS.validate_python(row.bands),
        rubric=_RUBRIC.validate_python(row.rubric),
        frequency=row.frequency,
        data_source=row.data_source,
    )


def spec_of(row: ScoringFields) -> IndicatorScoringSpec:
    """The calculation's view of a row's parameters (unset cap and threshold score take the
    calculation's defaults)."""
    optional: dict[str, Decimal] = {}
    if row.cap is not None:
        optional["cap"] = row.cap
    if row.threshold_score is not None:
        optional["threshold_score"] = row.threshold_score
    return IndicatorScoringSpec(
        kind=row.kind,
        method=row.method,
        direction=row.direction,
        unit=row.unit,
        baseline=row.baseline,
        threshold=row.threshold,
        target=row.target,
        stretch=row.stretch,
        band_low=row.band_low,
        band_high=row.band_high,
        band_tolerance=row.band_tolerance,
        bands=_BANDS.validate_python(row.bands),
        rubric=_RUBRIC.validate_python(row.rubric),
        **optional,
    )


def parameter_problems(row: ScoringFields, prefix: str = "") -> list[FieldProblem]:
    """What is wrong with a row's scoring parameters, as body field problems under `prefix`
    (e.g. `items/2/`)."""
    return [
        field(f"{prefix}{p.pointer}", p.detail, p.code) for p in validate_indicator(spec_of(row))
    ]
