from collections.abc import Sequence
from uuid import UUID

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from strata_contracts.reviews.vocabulary import InvitationStatus
from strata_kit.repository import Repository
from strata_reviews.campaigns.models import Campaign
from strata_reviews.invitations.models import Invitation, InvitationLink, Reminder


class InvitationRepository(Repository[Invitation]):
    model = Invitation

    async def get_with_campaign(
        self, invitation_id: UUID, *, lock: bool = False
    ) -> tuple[Invitation, Campaign] | None:
        """One invitation and its campaign in one SELECT; `lock` holds the invitation's
        row only (as `get(..., for_update=True)`), not the campaign's."""
        statement = (
            select(Invitation, Campaign)
            .join(
                Campaign,
                (col(Campaign.tenant_id) == col(Invitation.tenant_id))
                & (col(Campaign.id) == col(Invitation.campaign_id)),
            )
            .where(Invitation.id == invitation_id)
        )
        if lock:
            statement = statement.with_for_update(of=Invitation)
        result = await self.session.exec(statement)
        row = result.first()
        return (row[0], row[1]) if row is not None else None

    async def for_nomination(self, nomination_id: UUID) -> Invitation | None:
        result = await self.session.exec(
            select(Invitation).where(Invitation.nomination_id == nomination_id)
        )
        return result.first()

    def campaign_statement(
        self, campaign_id: UUID, *, status: InvitationStatus | None = None
    ) -> SelectOfScalar[Invitation]:
        statement = select(Invitation).where(Invitation.campaign_id == campaign_id)
        if status is not None:
            statement = statement.where(Invitation.status == status)
        return statement

    def rater_statement(
        self, employee_id: UUID, *, status: InvitationStatus | None = None
    ) -> SelectOfScalar[Invitation]:
        statement = select(Invitation).where(Invitation.rater_employee_id == employee_id)
        if status is not None:
            statement = statement.where(Invitation.status == status)
        return statement

    async def of_campaign(self, campaign_id: UUID) -> Sequence[Invitation]:
        result = await self.session.exec(
            self.campaign_statement(campaign_id).order_by(
                col(Invitation.created_at), col(Invitation.id)
            )
        )
        return result.all()

    async def of_ratee(self, campaign_id: UUID, ratee_id: UUID) -> Sequence[Invitation]:
        result = await self.session.exec(
            self.campaign_statement(campaign_id)
            .where(Invitation.ratee_id == ratee_id)
            .order_by(col(Invitation.created_at), col(Invitation.id))
        )
        return result.all()

    async def unfinished(
        self, campaign_id: UUID, invitation_ids: Sequence[UUID] | None
    ) -> Sequence[Invitation]:
        statement = self.campaign_statement(campaign_id).where(
            col(Invitation.status).in_([InvitationStatus.PENDING, InvitationStatus.IN_PROGRESS])
        )
        if invitation_ids is not None:
            statement = statement.where(col(Invitation.id).in_(invitation_ids))
        result = await self.session.exec(
            statement.order_by(col(Invitation.created_at), col(Invitation.id))
        )
        return result.all()

    async def get_link(self, link_id: UUID) -> InvitationLink | None:
        result = await self.session.exec(select(InvitationLink).where(InvitationLink.id == link_id))
        return result.first()

    async def active_links(self, invitation_id: UUID) -> Sequence[InvitationLink]:
        result = await self.session.exec(
            select(InvitationLink).where(
                InvitationLink.invitation_id == invitation_id,
                col(InvitationLink.revoked_at).is_(None),
                col(InvitationLink.used_at).is_(None),
            )
        )
        return result.all()

    def add_reminder(self, reminder: Reminder) -> None:
        self.session.add(reminder)


async def find_link_tenant(lookup: AsyncSession, token_hash: str) -> tuple[UUID, UUID] | None:
    """(tenant id, link id) of a token hash, looked up across tenants.

    `lookup` must be a short session opened with `allow_cross_tenant`: it reads two
    columns of one row by a unique hash and nothing else.
    """
    result = await lookup.exec(
        select(InvitationLink.tenant_id, InvitationLink.id).where(
            InvitationLink.token_hash == token_hash
        )
    )
    row = result.first()
    return (row[0], row[1]) if row is not None else None
