"""Queries of the scorecard configuration."""

import uuid
from collections.abc import Sequence

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.vocabulary import Level
from strata_goals.scorecard.models import BalanceRuleRow, PerspectiveWeight


class ScorecardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def perspective_weights(self) -> Sequence[PerspectiveWeight]:
        stmt = select(PerspectiveWeight).order_by(col(PerspectiveWeight.created_at))
        return (await self.session.exec(stmt)).all()

    async def delete_perspective_weights(
        self, *, level: Level | None, position_id: uuid.UUID | None
    ) -> None:
        stmt = delete(PerspectiveWeight)
        if level is not None:
            stmt = stmt.where(col(PerspectiveWeight.level) == level)
        else:
            stmt = stmt.where(col(PerspectiveWeight.position_id) == position_id)
        await self.session.exec(stmt)

    async def rules(self) -> Sequence[BalanceRuleRow]:
        stmt = select(BalanceRuleRow).order_by(col(BalanceRuleRow.position))
        return (await self.session.exec(stmt)).all()

    async def delete_rules(self) -> None:
        await self.session.exec(delete(BalanceRuleRow))
