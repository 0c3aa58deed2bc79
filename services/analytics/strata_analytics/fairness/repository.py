import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.projections.models import CampaignView, RatingFact


class FairnessRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def campaign(self, campaign_id: uuid.UUID) -> CampaignView | None:
        statement = select(CampaignView).where(col(CampaignView.id) == campaign_id)
        return (await self.session.exec(statement)).first()

    async def facts(
        self, *, campaign_id: uuid.UUID | None, cycle_id: uuid.UUID | None
    ) -> list[RatingFact]:
        statement = select(RatingFact)
        if campaign_id is not None:
            statement = statement.where(col(RatingFact.campaign_id) == campaign_id)
        if cycle_id is not None:
            statement = statement.where(col(RatingFact.cycle_id) == cycle_id)
        return list((await self.session.exec(statement.order_by(col(RatingFact.id)))).all())
