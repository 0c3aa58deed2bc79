"""The ports' implementations: a lower domain declares what it needs of a higher one
(`campaigns/ports.py`, `invitations/ports.py`), and this module, above every domain,
answers it. `main.py` puts one `ReviewPorts` on `app.state.review_ports`."""

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.reviews.vocabulary import InvitationStatus, NominationStatus, Relationship
from strata_reviews.campaigns.models import Campaign
from strata_reviews.campaigns.ports import ApprovedRater
from strata_reviews.invitations.repository import InvitationRepository
from strata_reviews.invitations.service import invitation_service
from strata_reviews.nominations.models import counted_as
from strata_reviews.nominations.repository import NominationRepository
from strata_reviews.responses.repository import AnswerRepository


class ReviewPorts:
    """`campaigns.ports.Participation` and `invitations.ports.AnswerStore`."""

    async def proposed_nominations(self, session: AsyncSession, campaign_id: UUID) -> list[UUID]:
        rows = await NominationRepository(session).with_status(
            campaign_id, NominationStatus.PROPOSED
        )
        return [n.id for n in rows]

    async def approved_raters(
        self, session: AsyncSession, campaign_id: UUID
    ) -> list[ApprovedRater]:
        rows = await NominationRepository(session).with_status(
            campaign_id, NominationStatus.APPROVED
        )
        return [
            ApprovedRater(
                nomination_id=n.id,
                ratee_id=n.ratee_id,
                nominated_as=n.relationship,
                counted_as=counted_as(n),
                rater_employee_id=n.rater_employee_id,
                external_name=n.external_name,
                external_email=n.external_email,
            )
            for n in rows
        ]

    async def nominated_per_relationship(
        self, session: AsyncSession, campaign_id: UUID
    ) -> dict[Relationship, int]:
        return await NominationRepository(session).count_for_relationships(campaign_id)

    async def drop_nominations_of(
        self, session: AsyncSession, campaign_id: UUID, ratee_id: UUID
    ) -> None:
        await NominationRepository(session).delete_of_ratee(campaign_id, ratee_id)

    async def invite(
        self,
        session: AsyncSession,
        campaign: Campaign,
        *,
        ratee_id: UUID,
        relationship: Relationship,
        rater_employee_id: UUID | None,
        external_name: str | None = None,
        external_email: str | None = None,
        nomination_id: UUID | None = None,
    ) -> None:
        await invitation_service.issue(
            session,
            campaign,
            ratee_id=ratee_id,
            relationship=relationship,
            rater_employee_id=rater_employee_id,
            external_name=external_name,
            external_email=external_email,
            nomination_id=nomination_id,
        )

    async def invitation_statuses(
        self, session: AsyncSession, campaign_id: UUID
    ) -> list[InvitationStatus]:
        return [i.status for i in await InvitationRepository(session).of_campaign(campaign_id)]

    async def discard(self, session: AsyncSession, invitation_id: UUID) -> None:
        await AnswerRepository(session).delete_of(invitation_id)
