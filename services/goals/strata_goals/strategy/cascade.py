"""The cascade tree from objectives down to post indicators, with attainment rolled up
from a cycle's plan scores, and the coverage report."""

import uuid
from collections import defaultdict
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.strategy import (
    CascadeNode,
    CascadeTree,
    CoverageItem,
    CoverageReport,
    PostIndicatorCount,
)
from strata_contracts.goals.vocabulary import Level
from strata_goals.calc.scoring import quantise_score
from strata_goals.cycles.service import cycle_service
from strata_goals.org.repository import PositionRepository
from strata_goals.policy.service import policy_service
from strata_goals.strategy.models import Indicator, IndicatorLink
from strata_goals.strategy.ports import PlanPort
from strata_goals.strategy.repository import (
    IndicatorRepository,
    ObjectiveRepository,
)
from strata_goals.strategy.rules import (
    coverage_item,
    rolled_up,
)
from strata_kit.errors import InvalidInput, field


class CascadeService:
    async def cascade(
        self, session: AsyncSession, cycle_id: uuid.UUID | None, plans: PlanPort
    ) -> CascadeTree:
        """The cascade from objectives down to post indicators, with attainment rolled up
        from the cycle's plan scores when a cycle is given."""
        objectives = await ObjectiveRepository(session).active()
        indicators = {i.id: i for i in await IndicatorRepository(session).active()}
        links = [
            link
            for link in await IndicatorRepository(session).all_links()
            if link.indicator_id in indicators
        ]
        own: dict[uuid.UUID, list[Decimal]] = {}
        if cycle_id is not None:
            cycle = await cycle_service.get(session, cycle_id)
            own = await plans.indicator_scores(session, cycle)
        children: dict[uuid.UUID, list[IndicatorLink]] = defaultdict(list)
        linked: set[uuid.UUID] = set()
        for link in links:
            parent_id = link.parent_objective_id or link.parent_indicator_id
            assert parent_id is not None
            if link.parent_indicator_id is not None and link.parent_indicator_id not in indicators:
                continue
            children[parent_id].append(link)
            linked.add(link.indicator_id)

        def indicator_node(
            indicator: Indicator, weight: Decimal | None, path: frozenset[uuid.UUID]
        ) -> CascadeNode:
            kids = [
                indicator_node(
                    indicators[link.indicator_id], link.contribution_weight, path | {indicator.id}
                )
                for link in children.get(indicator.id, [])
                if link.indicator_id not in path
            ]
            scores = own.get(indicator.id, [])
            attainment = rolled_up(kids) if cycle_id is not None else None
            if attainment is None and scores:
                attainment = quantise_score(sum(scores, Decimal(0)) / len(scores))
            return CascadeNode(
                kind="indicator",
                id=indicator.id,
                code=indicator.code,
                name=indicator.name,
                level=indicator.level,
                perspective=indicator.perspective,
                org_unit_id=indicator.org_unit_id,
                position_id=indicator.position_id,
                contribution_weight=weight,
                attainment=attainment,
                scored_plans=len(scores) if cycle_id is not None else None,
                children=kids,
            )

        tree = []
        for objective in objectives:
            kids = [
                indicator_node(indicators[link.indicator_id], link.contribution_weight, frozenset())
                for link in children.get(objective.id, [])
            ]
            tree.append(
                CascadeNode(
                    kind="objective",
                    id=objective.id,
                    code=objective.code,
                    name=objective.title,
                    level=Level.ENTERPRISE,
                    perspective=objective.perspective,
                    attainment=rolled_up(kids) if cycle_id is not None else None,
                    children=kids,
                )
            )
        unlinked = [
            indicator_node(indicator, None, frozenset())
            for indicator in indicators.values()
            if indicator.id not in linked
        ]
        return CascadeTree(cycle_id=cycle_id, objectives=tree, unlinked=unlinked)

    async def coverage(
        self, session: AsyncSession, *, min_indicators: int | None, max_indicators: int | None
    ) -> CoverageReport:
        policy = await policy_service.get(session)
        low = min_indicators if min_indicators is not None else policy.min_post_indicators
        high = max_indicators if max_indicators is not None else policy.max_post_indicators
        if low > high:
            raise InvalidInput(
                "The range is empty.",
                errors=[field("min_indicators", "above max_indicators")],
            )
        objectives = await ObjectiveRepository(session).active()
        indicators = {i.id: i for i in await IndicatorRepository(session).active()}
        served_objectives: set[uuid.UUID] = set()
        served_indicators: set[uuid.UUID] = set()
        has_parent: set[uuid.UUID] = set()
        for link in await IndicatorRepository(session).all_links():
            if link.indicator_id not in indicators:
                continue
            if link.parent_objective_id is not None:
                served_objectives.add(link.parent_objective_id)
                has_parent.add(link.indicator_id)
            elif link.parent_indicator_id in indicators:
                served_indicators.add(link.parent_indicator_id)
                has_parent.add(link.indicator_id)
        per_post: dict[uuid.UUID, int] = defaultdict(int)
        for indicator in indicators.values():
            if indicator.level is Level.POST and indicator.position_id is not None:
                per_post[indicator.position_id] += 1
        posts = []
        for position in sorted(
            await PositionRepository(session).all(), key=lambda p: (p.created_at, p.id)
        ):
            count = per_post.get(position.id, 0)
            if not low <= count <= high:
                posts.append(
                    PostIndicatorCount(
                        position_id=position.id,
                        title=position.title,
                        org_unit_id=position.org_unit_id,
                        indicators=count,
                        problem="too_few" if count < low else "too_many",
                    )
                )
        return CoverageReport(
            min_indicators=low,
            max_indicators=high,
            objectives_without_indicators=[
                CoverageItem(
                    kind="objective", id=o.id, code=o.code, name=o.title, level=Level.ENTERPRISE
                )
                for o in objectives
                if o.id not in served_objectives
            ],
            indicators_without_parent=[
                coverage_item(i) for i in indicators.values() if i.id not in has_parent
            ],
            department_indicators_without_posts=[
                coverage_item(i)
                for i in indicators.values()
                if i.level is Level.DEPARTMENT and i.id not in served_indicators
            ],
            posts_outside_range=posts,
        )


cascade_service = CascadeService()
