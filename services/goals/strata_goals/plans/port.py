"""The plans as strategy and the cycles' phase gates see them: the implementation of
`strata_goals.strategy.ports.PlanPort` and `strata_goals.cycles.ports.PlanGate`."""

import uuid
from collections.abc import Mapping
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.identity import IdentityClaims
from strata_goals.cycles.models import Cycle
from strata_goals.plans.assignment import add_post_indicators
from strata_goals.plans.repository import PlanRepository
from strata_goals.plans.scoring import plan_scoring
from strata_goals.strategy.models import Indicator
from strata_goals.strategy.ports import AssignmentOutcome


class PlanPorts:
    async def add_post_indicators(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        cycle: Cycle,
        indicators: Mapping[uuid.UUID, Indicator],
    ) -> AssignmentOutcome:
        return await add_post_indicators(session, identity, cycle, indicators)

    async def indicator_scores(
        self, session: AsyncSession, cycle: Cycle
    ) -> dict[uuid.UUID, list[Decimal]]:
        return await plan_scoring.indicator_scores(session, cycle)

    async def unsigned_in_cycle(
        self, session: AsyncSession, cycle_id: uuid.UUID
    ) -> list[uuid.UUID]:
        return await PlanRepository(session).unsigned_in_cycle(cycle_id)

    async def missing_actuals_in_cycle(
        self, session: AsyncSession, cycle_id: uuid.UUID
    ) -> list[uuid.UUID]:
        return await PlanRepository(session).missing_actuals_in_cycle(cycle_id)
