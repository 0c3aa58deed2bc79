from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import or_
from sqlmodel import col, delete, select
from sqlmodel.sql.expression import SelectOfScalar

from strata_contracts.reviews.vocabulary import CampaignStatus
from strata_kit.repository import Repository
from strata_reviews.campaigns.models import Campaign, CampaignRatee, CampaignRelationship


class CampaignRepository(Repository[Campaign]):
    model = Campaign

    async def ratees_by_keys(
        self, keys: set[tuple[UUID, UUID]]
    ) -> dict[tuple[UUID, UUID], CampaignRatee]:
        """Ratees by (campaign id, employee id), in one query."""
        if not keys:
            return {}
        result = await self.session.exec(
            select(CampaignRatee).where(
                col(CampaignRatee.campaign_id).in_({c for c, _ in keys}),
                col(CampaignRatee.employee_id).in_({e for _, e in keys}),
            )
        )
        rows = {(r.campaign_id, r.employee_id): r for r in result.all()}
        return {k: v for k, v in rows.items() if k in keys}

    async def get_by_name(self, name: str) -> Campaign | None:
        result = await self.session.exec(select(Campaign).where(Campaign.name == name))
        return result.first()

    def list_statement(
        self, *, cycle_id: UUID | None, status: CampaignStatus | None
    ) -> SelectOfScalar[Campaign]:
        statement = select(Campaign)
        if cycle_id is not None:
            statement = statement.where(Campaign.cycle_id == cycle_id)
        if status is not None:
            statement = statement.where(Campaign.status == status)
        return statement

    async def rules(self, campaign_id: UUID) -> Sequence[CampaignRelationship]:
        result = await self.session.exec(
            select(CampaignRelationship)
            .where(CampaignRelationship.campaign_id == campaign_id)
            .order_by(col(CampaignRelationship.position))
        )
        return result.all()

    async def rules_of(self, campaign_ids: Sequence[UUID]) -> Sequence[CampaignRelationship]:
        if not campaign_ids:
            return []
        result = await self.session.exec(
            select(CampaignRelationship)
            .where(col(CampaignRelationship.campaign_id).in_(campaign_ids))
            .order_by(col(CampaignRelationship.position))
        )
        return result.all()

    async def delete_rules(self, campaign_id: UUID) -> None:
        await self.session.exec(
            delete(CampaignRelationship).where(col(CampaignRelationship.campaign_id) == campaign_id)
        )

    def ratees_statement(
        self,
        campaign_id: UUID,
        *,
        employee_id: UUID | None = None,
        visible_to: UUID | None = None,
        as_manager: bool = False,
    ) -> SelectOfScalar[CampaignRatee]:
        """Ratees of a campaign; `visible_to` keeps that employee's own row and, with
        `as_manager`, the rows of their direct reports."""
        statement = select(CampaignRatee).where(CampaignRatee.campaign_id == campaign_id)
        if employee_id is not None:
            statement = statement.where(CampaignRatee.employee_id == employee_id)
        if visible_to is not None:
            own = col(CampaignRatee.employee_id) == visible_to
            statement = statement.where(
                or_(own, col(CampaignRatee.manager_id) == visible_to) if as_manager else own
            )
        return statement

    async def ratees(self, campaign_id: UUID) -> Sequence[CampaignRatee]:
        result = await self.session.exec(
            self.ratees_statement(campaign_id).order_by(
                col(CampaignRatee.name), col(CampaignRatee.employee_id)
            )
        )
        return result.all()

    async def get_ratee(self, campaign_id: UUID, employee_id: UUID) -> CampaignRatee | None:
        result = await self.session.exec(
            self.ratees_statement(campaign_id, employee_id=employee_id)
        )
        return result.first()

    async def ratee_ids(self, campaign_id: UUID) -> set[UUID]:
        result = await self.session.exec(
            select(CampaignRatee.employee_id).where(CampaignRatee.campaign_id == campaign_id)
        )
        return set(result.all())

    def campaigns_of_ratee(
        self, employee_id: UUID, *, cycle_id: UUID | None, status: CampaignStatus
    ) -> SelectOfScalar[Campaign]:
        statement = (
            select(Campaign)
            .join(
                CampaignRatee,
                (col(CampaignRatee.campaign_id) == col(Campaign.id))
                & (col(CampaignRatee.tenant_id) == col(Campaign.tenant_id)),
            )
            .where(CampaignRatee.employee_id == employee_id, Campaign.status == status)
        )
        if cycle_id is not None:
            statement = statement.where(Campaign.cycle_id == cycle_id)
        return statement

    async def delete_ratee(self, ratee: CampaignRatee) -> None:
        await self.session.delete(ratee)
