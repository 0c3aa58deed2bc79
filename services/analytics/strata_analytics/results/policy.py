"""Combining and banding: pure functions, shared by the result refresh and the explanation."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from strata_contracts.analytics.results import ExplanationStep, RatingBand

FOUR = Decimal("0.0001")
HUNDRED = Decimal(100)
DEFAULT_KPI_WEIGHT = Decimal(70)
DEFAULT_COMPETENCY_WEIGHT = Decimal(30)
DEFAULT_BANDS: tuple[RatingBand, ...] = (
    RatingBand(code="1", label="Unsatisfactory", min_score=Decimal("0")),
    RatingBand(code="2", label="Needs improvement", min_score=Decimal("0.6")),
    RatingBand(code="3", label="Meets expectations", min_score=Decimal("0.8")),
    RatingBand(code="4", label="Exceeds expectations", min_score=Decimal("1.0")),
    RatingBand(code="5", label="Outstanding", min_score=Decimal("1.1")),
)


@dataclass(frozen=True)
class Policy:
    scope: str
    kpi_weight: Decimal
    competency_weight: Decimal
    bands: tuple[RatingBand, ...]


DEFAULT_POLICY = Policy("default", DEFAULT_KPI_WEIGHT, DEFAULT_COMPETENCY_WEIGHT, DEFAULT_BANDS)


def band_of(score: Decimal | None, bands: Sequence[RatingBand]) -> RatingBand | None:
    """The band whose range holds `score` (the highest `min_score` not above it)."""
    if score is None:
        return None
    chosen = None
    for band in sorted(bands, key=lambda b: b.min_score):
        if score >= band.min_score:
            chosen = band
    return chosen


@dataclass(frozen=True)
class Combined:
    overall: Decimal | None
    band: RatingBand | None
    steps: list[ExplanationStep]


def combine(
    plan_score: Decimal | None,
    competency_score: Decimal | None,
    kpi_weight: Decimal,
    competency_weight: Decimal,
    bands: Sequence[RatingBand],
) -> Combined:
    """overall = (w_kpi * plan + w_360 * 360) / (w_kpi + w_360) over the parts present: a
    missing part's weight is left out (and the result is incomplete), 4 places half up."""
    parts = [
        ("plan score", plan_score, kpi_weight),
        ("360 score", competency_score, competency_weight),
    ]
    present = [(name, score, weight) for name, score, weight in parts if score is not None]
    steps = []
    for name, score, weight in parts:
        if score is None:
            steps.append(
                ExplanationStep(
                    description=f"No {name}: its weight of {weight} % is left out.",
                    values={"weight": weight},
                )
            )
    weight_total = sum((w for _, _, w in present), Decimal(0))
    if not present or weight_total <= 0:
        steps.append(ExplanationStep(description="Nothing to combine: no overall result."))
        return Combined(None, None, steps)
    points = sum((s * w for _, s, w in present if s is not None), Decimal(0))
    overall = (points / weight_total).quantize(FOUR, ROUND_HALF_UP)
    terms = " + ".join(f"{w} * {s}" for _, s, w in present)
    steps.append(
        ExplanationStep(
            description=f"Overall = ({terms}) / {weight_total} = {overall}",
            formula="Σ weight * score / Σ weight (parts present)",
            values={
                "plan_score": plan_score,
                "competency_score": competency_score,
                "kpi_weight": kpi_weight,
                "competency_weight": competency_weight,
            },
            result=overall,
        )
    )
    band = band_of(overall, bands)
    if band is not None:
        steps.append(
            ExplanationStep(
                description=(
                    f"{overall} is at least {band.min_score}, the lowest score of band "
                    f"{band.code} ({band.label}), and below the next band's."
                ),
                values={"overall": overall, "min_score": band.min_score},
                result=band.code,
            )
        )
    return Combined(overall, band, steps)
