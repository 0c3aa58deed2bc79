"""Queries of the goal policy."""

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_goals.policy.models import GoalsPolicy


class PolicyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self) -> GoalsPolicy | None:
        return (await self.session.exec(select(GoalsPolicy))).first()
