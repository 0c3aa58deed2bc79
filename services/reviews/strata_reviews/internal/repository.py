from collections.abc import Sequence
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.reviews.vocabulary import CampaignStatus, InvitationStatus
from strata_reviews.campaigns.models import Campaign
from strata_reviews.invitations.models import Invitation
from strata_reviews.responses.models import Answer


class InternalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def answers(
        self, *, campaign_id: UUID | None, after: UUID | None, limit: int
    ) -> Sequence[tuple[Answer, Invitation, Campaign]]:
        """Submitted answers of closed campaigns, in answer id order, after `after`."""
        statement = (
            select(Answer, Invitation, Campaign)
            .join(
                Invitation,
                (col(Invitation.tenant_id) == col(Answer.tenant_id))
                & (col(Invitation.id) == col(Answer.invitation_id)),
            )
            .join(
                Campaign,
                (col(Campaign.tenant_id) == col(Invitation.tenant_id))
                & (col(Campaign.id) == col(Invitation.campaign_id)),
            )
            .where(col(Campaign.status) == CampaignStatus.CLOSED)
            .where(col(Invitation.status) == InvitationStatus.SUBMITTED)
        )
        if campaign_id is not None:
            statement = statement.where(col(Campaign.id) == campaign_id)
        if after is not None:
            statement = statement.where(col(Answer.id) > after)
        statement = statement.order_by(col(Answer.id)).limit(limit)
        return list((await self.session.exec(statement)).all())
