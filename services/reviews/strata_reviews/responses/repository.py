from collections.abc import Sequence
from uuid import UUID

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_reviews.responses.models import Answer


class AnswerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(self, invitation_id: UUID) -> Sequence[Answer]:
        result = await self.session.exec(
            select(Answer)
            .where(Answer.invitation_id == invitation_id)
            .order_by(col(Answer.item_id))
        )
        return result.all()

    async def of_many(self, invitation_ids: Sequence[UUID]) -> Sequence[Answer]:
        if not invitation_ids:
            return []
        result = await self.session.exec(
            select(Answer).where(col(Answer.invitation_id).in_(invitation_ids))
        )
        return result.all()

    async def delete_of(self, invitation_id: UUID) -> None:
        await self.session.exec(delete(Answer).where(col(Answer.invitation_id) == invitation_id))

    def add(self, answer: Answer) -> None:
        self.session.add(answer)
