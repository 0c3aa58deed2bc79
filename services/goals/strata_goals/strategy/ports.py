"""What strategy needs of the plans, as a narrow interface. Plans hang on strategy's
indicators (plans import strategy), so strategy reaches the plans only through this port,
which the app wires (`main.py` puts the plans' implementation on `app.state.plan_port`) and
the routes hand to the service: a dependency one way, checked by import-linter."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Protocol

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.strategy import SkippedPlan
from strata_contracts.identity import IdentityClaims
from strata_goals.cycles.models import Cycle
from strata_goals.strategy.models import Indicator


@dataclass
class AssignmentOutcome:
    """What putting post indicators into a cycle's plans did."""

    employees: int = 0
    plans_created: int = 0
    items_added: int = 0
    skipped: list[SkippedPlan] = field(default_factory=list)


class PlanPort(Protocol):
    async def add_post_indicators(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        cycle: Cycle,
        indicators: Mapping[uuid.UUID, Indicator],
    ) -> AssignmentOutcome:
        """Put each position's indicator (`indicators` by position id) into the cycle's
        plans of everyone holding that position."""
        ...

    async def indicator_scores(
        self, session: AsyncSession, cycle: Cycle
    ) -> dict[uuid.UUID, list[Decimal]]:
        """The scores each cascade indicator earned in the cycle's plans."""
        ...


def plan_port(request: Request) -> PlanPort:
    port: PlanPort = request.app.state.plan_port
    return port


PlanPortDep = Annotated[PlanPort, Depends(plan_port)]
