"""Scores: a plan scored on its agreed (else current) version with its latest actuals, every
step explained, and the scores a cycle's plans give each cascade indicator."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.calc import IndicatorScore, PlanScore
from strata_contracts.goals.calc import PlanItem as CalcItem
from strata_contracts.goals.plans import ExplainedItem, PlanExplanation, PlanScoreRead
from strata_goals.calc import PlanWeightsError, score_plan
from strata_goals.cycles.models import Cycle
from strata_goals.cycles.service import cycle_service
from strata_goals.org.service import org_service
from strata_goals.parameters import parameters_read
from strata_goals.plans.exceptions import PlanNotScorable
from strata_goals.plans.models import Actual, Plan, PlanItem, PlanVersion
from strata_goals.plans.repository import PlanRepository
from strata_goals.plans.rules import actual_read, stored_score


@dataclass
class ScoredPlan:
    """A plan scored on its agreed version (else its current one)."""

    plan: Plan
    version: PlanVersion
    items: list[PlanItem]
    actuals: dict[uuid.UUID, list[Actual]]
    item_scores: dict[uuid.UUID, IndicatorScore | None]
    score: PlanScore | None
    problem: str | None = None


class PlanScoring:
    async def score(self, session: AsyncSession, plan: Plan) -> PlanScoreRead:
        scored, plan_score = await self._scorable(session, plan)
        return PlanScoreRead(
            plan_id=plan.id,
            employee_id=plan.employee_id,
            cycle_id=plan.cycle_id,
            version=scored.version.number,
            agreed=plan.agreed_version == scored.version.number,
            score=plan_score,
        )

    async def explain(self, session: AsyncSession, plan: Plan) -> PlanExplanation:
        """Every step of the employee's score for the cycle."""
        scored, plan_score = await self._scorable(session, plan)
        employee = await org_service.get_employee(session, plan.employee_id)
        cycle = await cycle_service.get(session, plan.cycle_id)
        return PlanExplanation(
            employee_id=employee.id,
            employee_name=employee.name,
            cycle_id=cycle.id,
            cycle_name=cycle.name,
            phase=cycle.phase,
            plan_id=plan.id,
            version=scored.version.number,
            agreed=plan.agreed_version == scored.version.number,
            items=[
                ExplainedItem(
                    key=item.key,
                    indicator_id=item.indicator_id,
                    name=item.name,
                    perspective=item.perspective,
                    weight=item.weight,
                    parameters=parameters_read(item),
                    actual=actual_read(scored.actuals[item.key][-1])
                    if scored.actuals.get(item.key)
                    else None,
                    actuals_recorded=len(scored.actuals.get(item.key, [])),
                    score=scored.item_scores.get(item.key),
                )
                for item in scored.items
            ],
            plan_score=plan_score,
        )

    async def score_plans(self, session: AsyncSession, plans: Sequence[Plan]) -> list[ScoredPlan]:
        """Score plans on their agreed (else current) version with their latest actuals, in
        three queries whatever their number."""
        repo = PlanRepository(session)
        versions = await repo.versions_of(plans, scored=True)
        items = await repo.items([v.id for v in versions.values()])
        actuals = await repo.actuals([p.id for p in plans])
        out = []
        for plan in plans:
            version = versions[plan.id]
            plan_items = items.get(version.id, [])
            by_key = {item.key: actuals.get((plan.id, item.key), []) for item in plan_items}
            item_scores: dict[uuid.UUID, IndicatorScore | None] = {}
            for item in plan_items:
                latest = by_key[item.key][-1] if by_key[item.key] else None
                item_scores[item.key] = stored_score(item, latest)
            try:
                plan_score = score_plan(
                    [
                        CalcItem(
                            key=item.key,
                            indicator_id=item.indicator_id,
                            name=item.name,
                            perspective=item.perspective,
                            weight=item.weight,
                            score=item_scores[item.key],
                        )
                        for item in plan_items
                    ]
                )
                problem = None
            except PlanWeightsError as exc:
                plan_score, problem = None, f"The plan cannot be scored: {exc.detail}."
            out.append(
                ScoredPlan(plan, version, plan_items, by_key, item_scores, plan_score, problem)
            )
        return out

    async def scored_cycle(self, session: AsyncSession, cycle: Cycle) -> list[ScoredPlan]:
        plans = list((await PlanRepository(session).in_cycle(cycle.id)).values())
        return await self.score_plans(session, plans)

    async def indicator_scores(
        self, session: AsyncSession, cycle: Cycle
    ) -> dict[uuid.UUID, list[Decimal]]:
        """The scores each cascade indicator earned in the cycle's plans."""
        found: dict[uuid.UUID, list[Decimal]] = defaultdict(list)
        for scored in await self.scored_cycle(session, cycle):
            for item in scored.items:
                score = scored.item_scores.get(item.key)
                if item.indicator_id is not None and score is not None:
                    found[item.indicator_id].append(score.score)
        return found

    async def _scorable(self, session: AsyncSession, plan: Plan) -> tuple[ScoredPlan, PlanScore]:
        """The plan scored, or 409 when it cannot be."""
        scored = (await self.score_plans(session, [plan]))[0]
        if scored.score is None:
            raise PlanNotScorable(scored.problem or "The plan cannot be scored.")
        return scored, scored.score


plan_scoring = PlanScoring()
