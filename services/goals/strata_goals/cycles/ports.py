"""What a cycle's phase gates need of the plans, as a narrow interface. Plans belong to
cycles (plans import cycles), so cycles reach the plans only through this port, which the
app wires (`main.py` puts the plans' implementation on `app.state.plan_port`) and the routes
hand to the service: a dependency one way, checked by import-linter."""

import uuid
from typing import Annotated, Protocol

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession


class PlanGate(Protocol):
    async def unsigned_in_cycle(
        self, session: AsyncSession, cycle_id: uuid.UUID
    ) -> list[uuid.UUID]:
        """The cycle's plans not signed by both sides, oldest first."""
        ...

    async def missing_actuals_in_cycle(
        self, session: AsyncSession, cycle_id: uuid.UUID
    ) -> list[uuid.UUID]:
        """Signed plans of the cycle with an agreed item that has no actual yet."""
        ...


def plan_gate(request: Request) -> PlanGate:
    gate: PlanGate = request.app.state.plan_port
    return gate


PlanGateDep = Annotated[PlanGate, Depends(plan_gate)]
