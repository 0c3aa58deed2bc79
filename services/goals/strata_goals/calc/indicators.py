"""Validation of an indicator's scoring parameters, field by field.

`validate_indicator` returns every problem at once (pointer + code + message), so an
endpoint can answer one 422 naming all the bad fields. The rules:

- common: `cap` ≥ 1 (a cap below 1 would pay less than 100 % at target);
  0 ≤ `threshold_score` ≤ 1;
- qualitative: method `rubric`; no direction and no numeric parameters (baseline,
  threshold, target, stretch, band_*, value bands); a rubric of ≥ 2 levels, level numbers
  unique, each with a description, scores between 0 and the cap and not decreasing as
  the level rises;
- quantitative: a direction; not method `rubric` and no rubric levels;
  - ordering, whenever the values are present: higher is better needs threshold ≤ target
    < stretch, lower is better threshold ≥ target > stretch (a stretch equal to the
    target would give the whole over-achievement credit for no extra result: leave the
    stretch out instead); band_low ≤ band_high; band_tolerance ≥ 0;
  - ratio: a positive target; not for a target band;
  - interpolation: threshold and target (higher/lower is better), or band_low and
    band_high (target band);
  - bands: at least one band; each with lower < upper and 0 ≤ score ≤ cap; bands in
    ascending order and not overlapping (`[lower, upper)`: a band may start where the
    previous one ends); only the first may be open below, only the last open above.
    Gaps are allowed: an actual in a gap scores 0.
"""

import itertools

from strata_contracts.goals.calc import IndicatorProblem, IndicatorScoringSpec
from strata_contracts.goals.vocabulary import Direction, IndicatorKind, ScoringMethod
from strata_goals.calc._text import fmt

_NUMERIC_FIELDS = (
    "baseline",
    "threshold",
    "target",
    "stretch",
    "band_low",
    "band_high",
    "band_tolerance",
)


def _problem(pointer: str, code: str, detail: str) -> IndicatorProblem:
    return IndicatorProblem(pointer=pointer, code=code, detail=detail)


def validate_indicator(spec: IndicatorScoringSpec) -> list[IndicatorProblem]:
    """Every problem with the spec (field pointer + message); empty when it can score."""
    problems: list[IndicatorProblem] = []
    for name in _NUMERIC_FIELDS:
        value = getattr(spec, name)
        if value is not None and not value.is_finite():
            problems.append(_problem(name, "value", f"{name} must be a finite number"))
    if problems:
        return problems
    if spec.cap < 1:
        problems.append(
            _problem("cap", "range", f"the cap {fmt(spec.cap)} is below 1 (100 % at target)")
        )
    if not 0 <= spec.threshold_score <= 1:
        problems.append(
            _problem(
                "threshold_score",
                "range",
                f"the score at the threshold must be between 0 and 1, not "
                f"{fmt(spec.threshold_score)}",
            )
        )
    if spec.kind is IndicatorKind.QUALITATIVE:
        problems += _qualitative(spec)
    else:
        problems += _quantitative(spec)
    return problems


def _qualitative(spec: IndicatorScoringSpec) -> list[IndicatorProblem]:
    problems: list[IndicatorProblem] = []
    if spec.method is not ScoringMethod.RUBRIC:
        problems.append(
            _problem(
                "method",
                "method",
                f"a qualitative indicator is scored by rubric levels, not {spec.method.value}",
            )
        )
    if spec.direction is not None:
        problems.append(
            _problem("direction", "not_allowed", "a qualitative indicator has no direction")
        )
    for name in _NUMERIC_FIELDS:
        if getattr(spec, name) is not None:
            problems.append(
                _problem(
                    name,
                    "not_allowed",
                    f"a qualitative indicator has no numeric {name}; its levels say what "
                    "each result means",
                )
            )
    if spec.bands:
        problems.append(
            _problem("bands", "not_allowed", "a qualitative indicator has no value bands")
        )
    return problems + _rubric(spec)


def _rubric(spec: IndicatorScoringSpec) -> list[IndicatorProblem]:
    problems: list[IndicatorProblem] = []
    if len(spec.rubric) < 2:
        problems.append(
            _problem(
                "rubric",
                "too_few",
                f"a rubric needs at least 2 levels, it has {len(spec.rubric)}",
            )
        )
    seen: dict[int, int] = {}
    for index, level in enumerate(spec.rubric):
        if level.level in seen:
            problems.append(
                _problem(
                    f"rubric/{index}/level",
                    "duplicate",
                    f"level {level.level} is already defined at position {seen[level.level]}",
                )
            )
        else:
            seen[level.level] = index
        if not level.description.strip():
            problems.append(
                _problem(
                    f"rubric/{index}/description",
                    "missing",
                    f"level {level.level} needs a description of what it looks like",
                )
            )
        if not 0 <= level.score <= spec.cap:
            problems.append(
                _problem(
                    f"rubric/{index}/score",
                    "range",
                    f"level {level.level} scores {fmt(level.score)}, outside 0 to the cap "
                    f"{fmt(spec.cap)}",
                )
            )
    ordered = sorted(
        ((level.level, index, level.score) for index, level in enumerate(spec.rubric)),
    )
    for (low_level, _, low_score), (high_level, high_index, high_score) in itertools.pairwise(
        ordered
    ):
        if high_level != low_level and high_score < low_score:
            problems.append(
                _problem(
                    f"rubric/{high_index}/score",
                    "order",
                    f"level {high_level} scores {fmt(high_score)}, less than level "
                    f"{low_level} ({fmt(low_score)}); a higher level may not score less",
                )
            )
    return problems


def _quantitative(spec: IndicatorScoringSpec) -> list[IndicatorProblem]:
    problems: list[IndicatorProblem] = []
    direction = spec.direction
    if direction is None:
        problems.append(
            _problem(
                "direction",
                "missing",
                "a quantitative indicator needs a direction (higher is better, lower is "
                "better or target band)",
            )
        )
    if spec.method is ScoringMethod.RUBRIC:
        problems.append(
            _problem(
                "method",
                "method",
                "rubric levels score qualitative indicators; choose ratio, interpolation or bands",
            )
        )
    if spec.rubric:
        problems.append(
            _problem("rubric", "not_allowed", "a quantitative indicator has no rubric levels")
        )
    problems += _order(spec, direction)
    if spec.method is ScoringMethod.RATIO:
        if direction is Direction.TARGET_BAND:
            problems.append(
                _problem(
                    "method",
                    "method",
                    "a ratio has no meaning for a target band; use interpolation or bands",
                )
            )
        elif spec.target is None:
            problems.append(_problem("target", "missing", "a ratio needs a target"))
        elif spec.target <= 0:
            problems.append(
                _problem(
                    "target",
                    "not_positive",
                    f"a ratio needs a positive target, not {fmt(spec.target)}; for a target of "
                    "0 use interpolation or bands",
                )
            )
    elif spec.method is ScoringMethod.INTERPOLATION:
        if direction is Direction.TARGET_BAND:
            for name in ("band_low", "band_high"):
                if getattr(spec, name) is None:
                    problems.append(_problem(name, "missing", f"a target band needs {name}"))
        elif direction is not None:
            for name in ("threshold", "target"):
                if getattr(spec, name) is None:
                    problems.append(_problem(name, "missing", f"interpolation needs a {name}"))
    elif spec.method is ScoringMethod.BANDS:
        problems += _bands(spec)
    return problems


def _order(spec: IndicatorScoringSpec, direction: Direction | None) -> list[IndicatorProblem]:
    problems: list[IndicatorProblem] = []
    threshold, target, stretch = spec.threshold, spec.target, spec.stretch
    if direction is Direction.HIGHER_IS_BETTER:
        if threshold is not None and target is not None and threshold > target:
            problems.append(
                _problem(
                    "threshold",
                    "order",
                    f"threshold {fmt(threshold)} is above target {fmt(target)}; higher is "
                    "better needs threshold ≤ target ≤ stretch",
                )
            )
        if stretch is not None and target is not None and stretch <= target:
            problems.append(
                _problem(
                    "stretch",
                    "order",
                    f"stretch {fmt(stretch)} is not above target {fmt(target)}; higher is "
                    "better needs threshold ≤ target < stretch (leave the stretch out for no "
                    "credit beyond target)",
                )
            )
        elif (
            stretch is not None and threshold is not None and target is None
        ) and stretch <= threshold:
            problems.append(
                _problem(
                    "stretch",
                    "order",
                    f"stretch {fmt(stretch)} is not above threshold {fmt(threshold)}",
                )
            )
    elif direction is Direction.LOWER_IS_BETTER:
        if threshold is not None and target is not None and threshold < target:
            problems.append(
                _problem(
                    "threshold",
                    "order",
                    f"threshold {fmt(threshold)} is below target {fmt(target)}; lower is "
                    "better needs threshold ≥ target ≥ stretch",
                )
            )
        if stretch is not None and target is not None and stretch >= target:
            problems.append(
                _problem(
                    "stretch",
                    "order",
                    f"stretch {fmt(stretch)} is not below target {fmt(target)}; lower is "
                    "better needs threshold ≥ target > stretch (leave the stretch out for no "
                    "credit beyond target)",
                )
            )
        elif (
            stretch is not None and threshold is not None and target is None
        ) and stretch >= threshold:
            problems.append(
                _problem(
                    "stretch",
                    "order",
                    f"stretch {fmt(stretch)} is not below threshold {fmt(threshold)}",
                )
            )
    return problems + _band_order(spec)


def _band_order(spec: IndicatorScoringSpec) -> list[IndicatorProblem]:
    problems: list[IndicatorProblem] = []
    low, high = spec.band_low, spec.band_high
    if low is not None and high is not None and low > high:
        problems.append(
            _problem(
                "band_high",
                "order",
                f"band_high {fmt(high)} is below band_low {fmt(low)}",
            )
        )
    if spec.band_tolerance is not None and spec.band_tolerance < 0:
        problems.append(
            _problem(
                "band_tolerance",
                "range",
                f"band_tolerance {fmt(spec.band_tolerance)} is negative",
            )
        )
    return problems


def _bands(spec: IndicatorScoringSpec) -> list[IndicatorProblem]:
    problems: list[IndicatorProblem] = []
    bands = spec.bands
    if not bands:
        return [_problem("bands", "missing", "scoring by bands needs at least one band")]
    last = len(bands) - 1
    for index, band in enumerate(bands):
        if band.lower is not None and band.upper is not None and band.lower >= band.upper:
            problems.append(
                _problem(
                    f"bands/{index}/upper",
                    "order",
                    f"band {index}: upper {fmt(band.upper)} must be above lower {fmt(band.lower)}",
                )
            )
        if band.lower is None and index != 0:
            problems.append(
                _problem(
                    f"bands/{index}/lower",
                    "open",
                    f"band {index}: only the first band may be open below",
                )
            )
        if band.upper is None and index != last:
            problems.append(
                _problem(
                    f"bands/{index}/upper",
                    "open",
                    f"band {index}: only the last band may be open above",
                )
            )
        if not 0 <= band.score <= spec.cap:
            problems.append(
                _problem(
                    f"bands/{index}/score",
                    "range",
                    f"band {index} scores {fmt(band.score)}, outside 0 to the cap {fmt(spec.cap)}",
                )
            )
        if index > 0:
            previous = bands[index - 1]
            if (
                previous.upper is not None
                and band.lower is not None
                and band.lower < previous.upper
            ):
                problems.append(
                    _problem(
                        f"bands/{index}/lower",
                        "overlap",
                        f"band {index} starts at {fmt(band.lower)}, before band {index - 1} ends "
                        f"at {fmt(previous.upper)}; bands must be in ascending order without "
                        "overlapping",
                    )
                )
    return problems
