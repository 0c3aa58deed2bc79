"""The explanation of an overall result, step by step: the plan's items and their points,
the 360 competency means (with the withheld groups), the combination into the overall score
and band, and the calibration, if any. It reads what the result was computed from; the
caller has checked that the reader may see the result."""

from decimal import ROUND_HALF_UP, Decimal

from strata_analytics.projections.models import PlanItemView
from strata_analytics.ratings.scores import CompetencyScore, competency_score
from strata_analytics.results.models import OverallResult
from strata_analytics.results.policy import FOUR, combine
from strata_analytics.results.repository import ResultRepository
from strata_contracts.analytics.results import (
    CompetencyPart,
    CompetencyScorePart,
    ExplanationStep,
    OverallResultRead,
    PlanItemPart,
    PlanPart,
    RatingBand,
    ResultExplanation,
    WithheldGroupRead,
)


async def explanation(
    repo: ResultRepository,
    row: OverallResult,
    result: OverallResultRead,
    bands: tuple[RatingBand, ...],
) -> ResultExplanation:
    """The explanation of `row` (read as `result`, banded by `bands`, its policy's)."""
    steps: list[ExplanationStep] = []
    plan_part = await _plan_part(repo, row, steps)
    competency_part = await _competency_part(repo, row, steps)
    combined = combine(
        row.plan_score, row.competency_score, row.kpi_weight, row.competency_weight, bands
    )
    steps.extend(combined.steps)
    if row.calibrated_band is not None:
        steps.append(
            ExplanationStep(
                description=f"Calibrated to {row.calibrated_overall} (band "
                f"{row.calibrated_band}) in calibration session "
                f"{row.calibration_session_id}; the raw result is kept beside it.",
                result=row.calibrated_band,
            )
        )
    return ResultExplanation(
        result=result,
        plan=plan_part,
        competencies=competency_part,
        bands=list(bands),
        steps=steps,
    )


async def _plan_part(
    repo: ResultRepository, row: OverallResult, steps: list[ExplanationStep]
) -> PlanPart | None:
    """The plan's items with their contributions; a step per item, then the plan score."""
    if row.plan_id is None:
        steps.append(ExplanationStep(description="No plan with a score in this cycle."))
        return None
    plan = await repo.plan(row.tenant_id, row.employee_id, row.cycle_id)
    items = await repo.plan_items(row.tenant_id, row.plan_id)
    assert plan is not None
    scored = plan.scored_weight
    parts = []
    for item in items:
        parts.append(_item_part(item, scored))
        steps.append(_item_step(item))
    steps.append(
        ExplanationStep(
            description=f"Plan score = Σ points / scored weight {scored} = {row.plan_score}",
            formula="Σ weight * score / Σ scored weight",
            values={"scored_weight": scored, "total_weight": plan.total_weight},
            result=row.plan_score,
        )
    )
    return PlanPart(
        plan_id=plan.id,
        signed_version=plan.signed_version,
        items=parts,
        scored_weight=scored,
        total_weight=plan.total_weight,
        score=row.plan_score,
    )


def _item_part(item: PlanItemView, scored: Decimal) -> PlanItemPart:
    contribution = (
        (item.weight * item.score / scored).quantize(FOUR, ROUND_HALF_UP)
        if item.weight is not None and item.score is not None and scored > 0
        else None
    )
    return PlanItemPart(
        key=item.key,
        indicator_id=item.indicator_id,
        name=item.name,
        perspective=item.perspective,
        weight=item.weight,
        score=item.score,
        contribution=contribution,
    )


def _item_step(item: PlanItemView) -> ExplanationStep:
    if item.weight is None:
        return ExplanationStep(
            description=f"{item.name or item.key}: not in the agreed version, not weighed."
        )
    if item.score is None:
        return ExplanationStep(
            description=f"{item.name}: weight {item.weight} %, no actual yet, "
            "left out of the plan score.",
            values={"weight": item.weight},
        )
    return ExplanationStep(
        description=f"{item.name}: weight {item.weight} % * score "
        f"{item.score} = {item.weight * item.score} points.",
        values={"weight": item.weight, "score": item.score},
        result=item.weight * item.score,
    )


async def _competency_part(
    repo: ResultRepository, row: OverallResult, steps: list[ExplanationStep]
) -> CompetencyScorePart | None:
    """The 360 part: the competency means and withheld groups of the closed campaign that
    rated them, with a step for each, then the rescaled 360 score."""
    if row.campaign_id is None:
        steps.append(ExplanationStep(description="No closed 360 campaign rated them."))
        return None
    _, facts = await repo.ratee_campaign_facts(row.tenant_id, row.employee_id, row.cycle_id)
    score = competency_score(facts)
    if score is None:
        return None
    steps.extend(_competency_steps(score))
    return CompetencyScorePart(
        campaign_id=score.campaign_id,
        anonymity_threshold=score.anonymity_threshold,
        competencies=[
            CompetencyPart(key=c.key, name=c.name, ratings=c.ratings, mean=c.mean)
            for c in score.competencies
        ],
        withheld_groups=[
            WithheldGroupRead(relationship=w.relationship, reason=w.reason) for w in score.withheld
        ],
        mean=score.mean,
        scale_min=score.scale_min,
        scale_max=score.scale_max,
        score=score.score,
    )


def _competency_steps(score: CompetencyScore) -> list[ExplanationStep]:
    steps = [
        ExplanationStep(
            description=f"{c.name}: mean of {c.ratings} ratings by others "
            f"(self excluded, groups below k = {score.anonymity_threshold} "
            f"withheld) = {c.mean}",
            values={"ratings": Decimal(c.ratings)},
            result=c.mean,
        )
        for c in score.competencies
    ]
    steps.extend(
        ExplanationStep(
            description=f"The {w.relationship} group is withheld ({w.reason}): it enters no figure."
        )
        for w in score.withheld
    )
    steps.append(
        ExplanationStep(
            description=f"360 mean = mean of the competency means = {score.mean}; "
            f"rescaled ({score.mean} - {score.scale_min}) / "
            f"({score.scale_max} - {score.scale_min}) = {score.score}",
            formula="(mean - scale min) / (scale max - scale min)",
            values={"mean": score.mean},
            result=score.score,
        )
    )
    return steps
