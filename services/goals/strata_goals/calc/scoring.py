"""Turning an actual into an achievement score, and indicator scores into a plan score.

Conventions (see also `strata_contracts.goals.calc`):

- Arithmetic in `Decimal` at the context's precision (28 digits); the score is quantised
  once, at the end, to 4 places (`0.0001`, ROUND_HALF_UP), its percent to 2 places.
- 0 ≤ score ≤ cap for every method: no method yields a negative score (each clamps
  or floors at 0 in its own step), and a final step applies the cap when exceeded.
- The spec is checked with `validate_indicator` first: a spec it accepts always scores,
  one it rejects raises `InvalidIndicatorError` with the same problems.

The methods:

- **ratio**: higher is better `actual / target`, lower is better `target / actual`; the
  target must be positive. An actual ≤ 0 earns 0 when higher is better; when lower is
  better it beats any positive target, so it earns the cap (target / actual has no
  finite value at 0). The result is capped.
- **interpolation** (higher or lower is better): worse than the threshold → 0; at the
  threshold → `threshold_score` (default 0.5); at the target → 1; at the stretch → cap;
  linear in between; beyond the stretch → cap. With no stretch, anything at or beyond
  the target earns 1 (no over-achievement credit without a stretch). A threshold equal
  to the target makes an all-or-nothing step.
- **target band** (direction `target_band`, method interpolation): 1 inside
  `[band_low, band_high]`; outside, `1 - distance / tolerance`, at least 0, where the
  distance is to the nearer end of the band and the tolerance is `band_tolerance`,
  by default the band's width; a zero tolerance scores 0 anywhere outside the band
  (e.g. safety incidents, band 0..0).
- **bands**: the score of the band `[lower, upper)` that holds the actual; an actual
  no band holds scores 0 and the steps say so.
- **rubric** (qualitative): the score of the level chosen.

A plan's total is over the weight that has a score: Σ weight * score / Σ scored weight;
with unscored indicators it is marked provisional (see `score_plan`).
"""

from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from strata_contracts.goals.calc import (
    IndicatorScore,
    IndicatorScoringSpec,
    PerspectiveScore,
    PlanItem,
    PlanItemScore,
    PlanScore,
    RubricLevel,
    ScoreStep,
    ValueBand,
    WeightItem,
)
from strata_contracts.goals.vocabulary import Direction, IndicatorKind, Perspective, ScoringMethod
from strata_goals.calc._text import ARROW, MINUS, PERSPECTIVE_NAMES, SUM, TIMES, approx, fmt
from strata_goals.calc.errors import InvalidIndicatorError, PlanWeightsError, ScoringError
from strata_goals.calc.indicators import validate_indicator
from strata_goals.calc.weights import validate_weights

SCORE_PLACES = Decimal("0.0001")
PERCENT_PLACES = Decimal("0.01")

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


def quantise_score(value: Decimal) -> Decimal:
    """A fraction to 4 places, half up."""
    return value.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def quantise_percent(value: Decimal) -> Decimal:
    """A percent to 2 places, half up."""
    return value.quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)


def _p(value: Decimal) -> str:
    """A number inside a formula: negative numbers in parentheses."""
    return f"({fmt(value)})" if value < 0 else fmt(value)


def _step(
    description: str,
    *,
    formula: str | None = None,
    values: Mapping[str, Decimal | None] | None = None,
    result: Decimal | None = None,
) -> ScoreStep:
    used = {k: v for k, v in (values or {}).items() if v is not None}
    return ScoreStep(description=description, formula=formula, values=used, result=result)


# --------------------------------------------------------------------------- indicator


def score_indicator(
    spec: IndicatorScoringSpec, actual: Decimal | None = None, level: int | None = None
) -> IndicatorScore:
    """Score one actual (or, for a rubric, one chosen level) by the indicator's method.

    Returns the score (fraction, 0 ≤ score ≤ cap, 4 places) with the steps that produced
    it. For a rubric an integral `actual` is accepted as the level when `level` is None.

    Raises `InvalidIndicatorError` (a `ScoringError`) when `validate_indicator` finds
    problems with the spec, and `ScoringError` when the actual (or level) is missing or
    the level is not in the rubric.
    """
    problems = validate_indicator(spec)
    if problems:
        raise InvalidIndicatorError(problems)
    if spec.kind is IndicatorKind.QUALITATIVE:
        return _score_rubric(spec, actual, level)
    if actual is None:
        raise ScoringError("no actual to score", pointer="actual", code="missing")
    if not actual.is_finite():
        raise ScoringError("the actual must be a finite number", pointer="actual", code="value")
    # validate_indicator guarantees a direction for a quantitative indicator.
    direction = spec.direction or Direction.HIGHER_IS_BETTER
    if spec.method is ScoringMethod.RATIO:
        raw, capped, steps = _ratio(spec, direction, actual)
    elif spec.method is ScoringMethod.BANDS:
        raw, capped, steps = _bands(spec, actual)
    elif direction is Direction.TARGET_BAND:
        raw, capped, steps = _target_band(spec, actual)
    else:
        raw, capped, steps = _interpolate(spec, direction, actual)
    return _result(spec, direction, raw, capped, steps, actual=actual)


Computed = tuple[Decimal, bool, list[ScoreStep]]


def _result(
    spec: IndicatorScoringSpec,
    direction: Direction | None,
    raw: Decimal,
    capped: bool,
    steps: list[ScoreStep],
    *,
    actual: Decimal | None = None,
    level: int | None = None,
) -> IndicatorScore:
    if raw > spec.cap:
        steps.append(
            _step(
                f"{approx(raw)} is above the cap {fmt(spec.cap)} {ARROW} {fmt(spec.cap)}",
                formula="min(score, cap)",
                values={"score": raw, "cap": spec.cap},
                result=spec.cap,
            )
        )
        raw, capped = spec.cap, True
    score = quantise_score(raw)
    percent = quantise_percent(score * HUNDRED)
    rounded = "" if score == raw else f" (rounded to 4 places from {approx(raw)})"
    steps.append(
        _step(
            f"score {fmt(score)} = {fmt(percent)} %{rounded}",
            values={"score": score},
            result=score,
        )
    )
    return IndicatorScore(
        method=spec.method,
        direction=direction,
        actual=actual,
        level=level,
        score=score,
        percent=percent,
        capped=capped,
        steps=steps,
    )


def _ratio(spec: IndicatorScoringSpec, direction: Direction, actual: Decimal) -> Computed:
    target = _required(spec.target, "target")
    cap = spec.cap
    if direction is Direction.LOWER_IS_BETTER:
        rule = _step(
            f"ratio, lower is better: target {fmt(target)} / actual, capped at {fmt(cap)}",
            formula="min(target / actual, cap)",
            values={"target": target, "cap": cap},
        )
        if actual <= 0:
            return (
                cap,
                True,
                [
                    rule,
                    _step(
                        f"actual {fmt(actual)} is at or below 0, better than any positive "
                        f"target; target / actual has no finite value here {ARROW} the cap "
                        f"{fmt(cap)}",
                        values={"actual": actual, "target": target, "cap": cap},
                        result=cap,
                    ),
                ],
            )
        raw = target / actual
        return (
            raw,
            False,
            [
                rule,
                _step(
                    f"target {fmt(target)} / actual {fmt(actual)} = {approx(raw)}",
                    formula="target / actual",
                    values={"target": target, "actual": actual},
                    result=raw,
                ),
            ],
        )
    rule = _step(
        f"ratio, higher is better: actual / target {fmt(target)}, capped at {fmt(cap)}",
        formula="min(actual / target, cap)",
        values={"target": target, "cap": cap},
    )
    if actual <= 0:
        return (
            ZERO,
            False,
            [
                rule,
                _step(
                    f"actual {fmt(actual)} is at or below 0 {ARROW} 0",
                    values={"actual": actual},
                    result=ZERO,
                ),
            ],
        )
    raw = actual / target
    return (
        raw,
        False,
        [
            rule,
            _step(
                f"actual {fmt(actual)} / target {fmt(target)} = {approx(raw)}",
                formula="actual / target",
                values={"actual": actual, "target": target},
                result=raw,
            ),
        ],
    )


def _interpolate(spec: IndicatorScoringSpec, direction: Direction, actual: Decimal) -> Computed:
    threshold = _required(spec.threshold, "threshold")
    target = _required(spec.target, "target")
    stretch = spec.stretch
    floor = spec.threshold_score
    cap = spec.cap
    lower = direction is Direction.LOWER_IS_BETTER
    # sign > 0 when `a` is better than `b` in this direction.
    sign = -1 if lower else 1

    def better(a: Decimal, b: Decimal) -> bool:
        return (a - b) * sign > 0

    worse_word, better_word = ("above", "below") if lower else ("below", "above")
    steps = [_interpolation_anchors(spec, lower, threshold, target)]
    if better(threshold, actual):
        steps.append(
            _step(
                f"actual {fmt(actual)} is {worse_word} the threshold {fmt(threshold)} {ARROW} 0",
                values={"actual": actual, "threshold": threshold},
                result=ZERO,
            )
        )
        return ZERO, False, steps
    if better(target, actual):
        # threshold reached, target not: threshold ≠ target here.
        raw, step = _below_target(actual, threshold, target, floor)
        return raw, False, [*steps, step]
    if stretch is None:
        steps.append(
            _step(
                f"actual {fmt(actual)} reaches the target {fmt(target)}; no stretch is set "
                f"{ARROW} 1",
                values={"actual": actual, "target": target},
                result=ONE,
            )
        )
        return ONE, False, steps
    if better(stretch, actual):
        span = cap - 1
        raw = 1 + span * (actual - target) / (stretch - target)
        steps.append(
            _step(
                f"actual {fmt(actual)} between target {fmt(target)} and stretch "
                f"{fmt(stretch)} {ARROW} 1 + {fmt(span)} {TIMES} ({_p(actual)} {MINUS} "
                f"{_p(target)}) / ({_p(stretch)} {MINUS} {_p(target)}) = {approx(raw)}",
                formula="1 + (cap - 1) * (actual - target) / (stretch - target)",
                values={"actual": actual, "target": target, "stretch": stretch, "cap": cap},
                result=raw,
            )
        )
        return raw, False, steps
    at = "at" if actual == stretch else f"{better_word}"
    steps.append(
        _step(
            f"actual {fmt(actual)} is {at} the stretch {fmt(stretch)} {ARROW} the cap {fmt(cap)}",
            values={"actual": actual, "stretch": stretch, "cap": cap},
            result=cap,
        )
    )
    return cap, actual != stretch, steps


def _interpolation_anchors(
    spec: IndicatorScoringSpec, lower: bool, threshold: Decimal, target: Decimal
) -> ScoreStep:
    worse_word = "above" if lower else "below"
    direction_words = "lower is better" if lower else "higher is better"
    floor, stretch, cap = spec.threshold_score, spec.stretch, spec.cap
    anchors = f"threshold {fmt(threshold)} {ARROW} {fmt(floor)}, target {fmt(target)} {ARROW} 1"
    if stretch is not None:
        anchors += f", stretch {fmt(stretch)} {ARROW} {fmt(cap)}"
    else:
        anchors += " (no stretch: no credit beyond 1)"
    return _step(
        f"interpolation, {direction_words}: {anchors}; linear in between, 0 {worse_word} "
        "the threshold",
        values={
            "threshold": threshold,
            "target": target,
            "stretch": stretch,
            "threshold_score": floor,
            "cap": cap,
        },
    )


def _below_target(
    actual: Decimal, threshold: Decimal, target: Decimal, floor: Decimal
) -> tuple[Decimal, ScoreStep]:
    """Threshold reached, target not: linear from the threshold's score to 1."""
    span = 1 - floor
    raw = floor + span * (actual - threshold) / (target - threshold)
    return raw, _step(
        f"actual {fmt(actual)} between threshold {fmt(threshold)} and target "
        f"{fmt(target)} {ARROW} {fmt(floor)} + {fmt(span)} {TIMES} "
        f"({_p(actual)} {MINUS} {_p(threshold)}) / ({_p(target)} {MINUS} "
        f"{_p(threshold)}) = {approx(raw)}",
        formula=(
            "threshold_score + (1 - threshold_score) * (actual - threshold) / (target - threshold)"
        ),
        values={
            "actual": actual,
            "threshold": threshold,
            "target": target,
            "threshold_score": floor,
        },
        result=raw,
    )


def band_tolerance(spec: IndicatorScoringSpec) -> Decimal:
    """The distance outside a target band over which the score falls to 0."""
    if spec.band_tolerance is not None:
        return spec.band_tolerance
    low = _required(spec.band_low, "band_low")
    high = _required(spec.band_high, "band_high")
    return high - low


def _target_band(spec: IndicatorScoringSpec, actual: Decimal) -> Computed:
    low = _required(spec.band_low, "band_low")
    high = _required(spec.band_high, "band_high")
    tolerance = band_tolerance(spec)
    source = "" if spec.band_tolerance is not None else " (the band's width)"
    steps = [
        _step(
            f"target band [{fmt(low)}, {fmt(high)}]: 1 inside; outside, 1 {MINUS} distance / "
            f"tolerance {fmt(tolerance)}{source}, not below 0",
            formula="1 if low <= actual <= high else max(0, 1 - distance / tolerance)",
            values={"band_low": low, "band_high": high, "band_tolerance": tolerance},
        )
    ]
    if low <= actual <= high:
        steps.append(
            _step(
                f"actual {fmt(actual)} is inside the band {ARROW} 1",
                values={"actual": actual},
                result=ONE,
            )
        )
        return ONE, False, steps
    if actual < low:
        distance, where = low - actual, f"below the band's low end {fmt(low)}"
    else:
        distance, where = actual - high, f"above the band's high end {fmt(high)}"
    if tolerance == 0:
        steps.append(
            _step(
                f"actual {fmt(actual)} is {fmt(distance)} {where}; the tolerance is 0 {ARROW} 0",
                values={"actual": actual, "distance": distance},
                result=ZERO,
            )
        )
        return ZERO, False, steps
    raw = max(ZERO, 1 - distance / tolerance)
    steps.append(
        _step(
            f"actual {fmt(actual)} is {fmt(distance)} {where} {ARROW} max(0, 1 {MINUS} "
            f"{fmt(distance)} / {fmt(tolerance)}) = {approx(raw)}",
            formula="max(0, 1 - distance / tolerance)",
            values={"actual": actual, "distance": distance, "band_tolerance": tolerance},
            result=raw,
        )
    )
    return raw, False, steps


def _band_text(band: ValueBand) -> str:
    low = "-\u221e" if band.lower is None else fmt(band.lower)
    high = "\u221e" if band.upper is None else fmt(band.upper)
    label = f" \u201c{band.label}\u201d" if band.label else ""
    return f"[{low}, {high}){label}"


def _bands(spec: IndicatorScoringSpec, actual: Decimal) -> Computed:
    steps = [
        _step(
            "value bands: "
            + "; ".join(f"{_band_text(b)} {ARROW} {fmt(b.score)}" for b in spec.bands),
        )
    ]
    for band in spec.bands:
        if (band.lower is None or band.lower <= actual) and (
            band.upper is None or actual < band.upper
        ):
            steps.append(
                _step(
                    f"actual {fmt(actual)} is in band {_band_text(band)} {ARROW} {fmt(band.score)}",
                    values={
                        "actual": actual,
                        "lower": band.lower,
                        "upper": band.upper,
                        "score": band.score,
                    },
                    result=band.score,
                )
            )
            return band.score, False, steps
    steps.append(
        _step(
            f"actual {fmt(actual)} is in none of the bands {ARROW} 0",
            values={"actual": actual},
            result=ZERO,
        )
    )
    return ZERO, False, steps


def _score_rubric(
    spec: IndicatorScoringSpec, actual: Decimal | None, level: int | None
) -> IndicatorScore:
    steps: list[ScoreStep] = []
    if level is None and actual is not None:
        if not actual.is_finite() or actual != actual.to_integral_value():
            raise ScoringError(
                f"a rubric is scored by a level number, not {actual}",
                pointer="level",
                code="not_a_level",
            )
        level = int(actual)
        steps.append(_step(f"the actual {fmt(actual)} is taken as the level chosen"))
    if level is None:
        raise ScoringError("no rubric level chosen", pointer="level", code="missing")
    by_number: dict[int, RubricLevel] = {r.level: r for r in spec.rubric}
    chosen = by_number.get(level)
    if chosen is None:
        known = ", ".join(str(n) for n in sorted(by_number))
        raise ScoringError(
            f"level {level} is not in the rubric (levels {known})",
            pointer="level",
            code="unknown_level",
        )
    steps.insert(
        0,
        _step(
            "rubric: " + "; ".join(f"level {r.level} {ARROW} {fmt(r.score)}" for r in spec.rubric),
        ),
    )
    steps.append(
        _step(
            f"level {chosen.level} chosen (\u201c{chosen.description}\u201d) {ARROW} "
            f"{fmt(chosen.score)}",
            values={"level": Decimal(chosen.level), "score": chosen.score},
            result=chosen.score,
        )
    )
    return _result(spec, None, chosen.score, False, steps, level=level)


def _required(value: Decimal | None, name: str) -> Decimal:
    if value is None:  # validate_indicator rules this out; kept for the type checker
        raise ScoringError(f"{name} is required", pointer=name, code="missing")
    return value


# --------------------------------------------------------------------------- plan


def score_plan(items: Sequence[PlanItem]) -> PlanScore:
    """Weighted total of a plan's indicator scores with a per-perspective breakdown.

    total = Σ weight * score / Σ scored weight (fraction, 4 places); with every item
    scored and weights totalling 100 that is Σ weight * score / 100. Items without a
    score are listed in `unscored`, left out of the total, and make it `provisional`;
    with nothing scored the total is None. Each item's and perspective's `contribution`
    is its Σ weight * score over the same denominator, so contributions add up to the
    total (to rounding). Perspectives come in the vocabulary's order, all four.

    Raises `PlanWeightsError` if the weights are negative, duplicated, or do not total
    100 (± 0.01); its problems point at `items/<index>/weight`.
    """
    _check_plan_weights(items)
    total_weight = sum((i.weight for i in items), ZERO)
    scored = [i for i in items if i.score is not None]
    scored_weight = sum((i.weight for i in scored), ZERO)
    weighted = sum((i.weight * i.score.score for i in scored if i.score is not None), ZERO)
    unscored = [i for i in items if i.score is None]
    has_total = bool(scored) and scored_weight > 0

    def share(points: Decimal) -> Decimal:
        return quantise_score(points / scored_weight) if has_total else ZERO

    steps: list[ScoreStep] = []
    item_scores = [_item_score(item, share if has_total else None, steps) for item in items]
    total: Decimal | None = None
    if has_total:
        total = quantise_score(weighted / scored_weight)
        terms = " + ".join(fmt(i.weight * i.score.score) for i in scored if i.score is not None)
        steps.append(
            _step(
                f"total = {SUM} weight {TIMES} score / {SUM} scored weight = ({terms}) / "
                f"{fmt(scored_weight)} = {approx(weighted / scored_weight)} {ARROW} {fmt(total)}",
                formula="sum(weight * score) / sum(scored weight)",
                values={"weighted_sum": weighted, "scored_weight": scored_weight},
                result=total,
            )
        )
    else:
        steps.append(_step("no indicator has a score yet: there is no total"))
    if unscored:
        names = ", ".join(i.name for i in unscored)
        steps.append(
            _step(
                f"provisional: {names} ({fmt(total_weight - scored_weight)} % of the weight) "
                f"not scored yet; the total is over the scored {fmt(scored_weight)} %",
                values={"scored_weight": scored_weight, "total_weight": total_weight},
            )
        )
    perspectives = [
        _perspective_score(perspective, items, scored_weight, share, steps)
        for perspective in Perspective
    ]
    return PlanScore(
        total=total,
        percent=quantise_percent(total * HUNDRED) if total is not None else None,
        provisional=bool(unscored),
        total_weight=total_weight,
        scored_weight=scored_weight,
        items=item_scores,
        perspectives=perspectives,
        unscored=[i.ident for i in unscored],
        steps=steps,
    )


def _check_plan_weights(items: Sequence[PlanItem]) -> None:
    weight_problems = validate_weights(
        [WeightItem(indicator_id=i.ident, weight=i.weight) for i in items],
        min_weight=None,
        max_weight=None,
    )
    if weight_problems:
        raise PlanWeightsError(
            "the plan's weights are invalid: " + "; ".join(p.detail for p in weight_problems),
            weight_problems,
        )


def _item_score(
    item: PlanItem, share: Callable[[Decimal], Decimal] | None, steps: list[ScoreStep]
) -> PlanItemScore:
    """One item's line of the plan score (`share` None: there is no total to share in)."""
    if item.score is None:
        steps.append(
            _step(
                f"{item.name} ({PERSPECTIVE_NAMES[item.perspective]}, weight "
                f"{fmt(item.weight)} %): no score yet, left out of the total",
                values={"weight": item.weight},
            )
        )
        return PlanItemScore(
            key=item.key,
            indicator_id=item.indicator_id,
            name=item.name,
            perspective=item.perspective,
            weight=item.weight,
            score=None,
            contribution=None,
        )
    points = item.weight * item.score.score
    steps.append(
        _step(
            f"{item.name} ({PERSPECTIVE_NAMES[item.perspective]}): weight "
            f"{fmt(item.weight)} {TIMES} score {fmt(item.score.score)} = {fmt(points)}",
            formula="weight * score",
            values={"weight": item.weight, "score": item.score.score},
            result=points,
        )
    )
    return PlanItemScore(
        key=item.key,
        indicator_id=item.indicator_id,
        name=item.name,
        perspective=item.perspective,
        weight=item.weight,
        score=item.score.score,
        contribution=share(points) if share is not None else None,
    )


def _perspective_score(
    perspective: Perspective,
    items: Sequence[PlanItem],
    scored_weight: Decimal,
    share: Callable[[Decimal], Decimal],
    steps: list[ScoreStep],
) -> PerspectiveScore:
    members = [i for i in items if i.perspective is perspective]
    p_weight = sum((i.weight for i in members), ZERO)
    p_scored = [i for i in members if i.score is not None]
    p_scored_weight = sum((i.weight for i in p_scored), ZERO)
    p_points = sum((i.weight * i.score.score for i in p_scored if i.score is not None), ZERO)
    p_score = quantise_score(p_points / p_scored_weight) if p_scored_weight > 0 else None
    if members and p_score is not None:
        steps.append(
            _step(
                f"{PERSPECTIVE_NAMES[perspective]}: weight {fmt(p_weight)} %, score "
                f"{fmt(p_points)} / {fmt(p_scored_weight)} = {fmt(p_score)}, contribution "
                f"{fmt(p_points)} / {fmt(scored_weight)} = {fmt(share(p_points))}",
                values={
                    "weight": p_weight,
                    "weighted_sum": p_points,
                    "scored_weight": p_scored_weight,
                },
                result=p_score,
            )
        )
    return PerspectiveScore(
        perspective=perspective,
        weight=p_weight,
        scored_weight=p_scored_weight,
        score=p_score,
        contribution=share(p_points),
        indicators=len(members),
    )
