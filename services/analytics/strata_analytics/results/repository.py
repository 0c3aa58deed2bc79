import uuid
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.projections.models import (
    CampaignView,
    EmployeeView,
    IndicatorView,
    ObjectiveView,
    OrgUnitView,
    PlanItemView,
    PlanView,
    RatingFact,
)
from strata_analytics.results.models import OverallResult, ResultPolicy


class ResultRepository:
    """Queries name the tenant explicitly: the consumer's session sees every tenant."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_id(self, result_id: uuid.UUID) -> OverallResult | None:
        statement = select(OverallResult).where(col(OverallResult.id) == result_id)
        return (await self.session.exec(statement)).first()

    async def result(
        self, tenant: uuid.UUID, employee_id: uuid.UUID, cycle_id: uuid.UUID
    ) -> OverallResult | None:
        statement = select(OverallResult).where(
            col(OverallResult.tenant_id) == tenant,
            col(OverallResult.employee_id) == employee_id,
            col(OverallResult.cycle_id) == cycle_id,
        )
        return (await self.session.exec(statement)).first()

    async def policy(self, tenant: uuid.UUID, scope: str) -> ResultPolicy | None:
        statement = select(ResultPolicy).where(
            col(ResultPolicy.tenant_id) == tenant, col(ResultPolicy.scope) == scope
        )
        return (await self.session.exec(statement)).first()

    async def policies(self) -> list[ResultPolicy]:
        statement = select(ResultPolicy).order_by(col(ResultPolicy.scope))
        return list((await self.session.exec(statement)).all())

    async def ratee_campaign_facts(
        self, tenant: uuid.UUID, ratee_id: uuid.UUID, cycle_id: uuid.UUID
    ) -> tuple[CampaignView | None, list[RatingFact]]:
        """The ratee's ratings in the latest closed campaign of the cycle that rated them."""
        statement = (
            select(CampaignView)
            .join(
                RatingFact,
                (col(RatingFact.tenant_id) == col(CampaignView.tenant_id))
                & (col(RatingFact.campaign_id) == col(CampaignView.id)),
            )
            .where(
                col(CampaignView.tenant_id) == tenant,
                col(CampaignView.cycle_id) == cycle_id,
                col(RatingFact.ratee_id) == ratee_id,
            )
            .order_by(col(CampaignView.closed_at).desc(), col(CampaignView.id))
            .limit(1)
        )
        campaign = (await self.session.exec(statement)).first()
        if campaign is None:
            return None, []
        facts = select(RatingFact).where(
            col(RatingFact.tenant_id) == tenant,
            col(RatingFact.campaign_id) == campaign.id,
            col(RatingFact.ratee_id) == ratee_id,
        )
        return campaign, list((await self.session.exec(facts.order_by(col(RatingFact.id)))).all())

    async def plan(
        self, tenant: uuid.UUID, employee_id: uuid.UUID, cycle_id: uuid.UUID
    ) -> PlanView | None:
        statement = (
            select(PlanView)
            .where(
                col(PlanView.tenant_id) == tenant,
                col(PlanView.employee_id) == employee_id,
                col(PlanView.cycle_id) == cycle_id,
            )
            .order_by(col(PlanView.signed_at).desc(), col(PlanView.id))
        )
        rows = list((await self.session.exec(statement)).all())
        signed = [p for p in rows if p.signed_version is not None]
        chosen = signed or rows
        return chosen[0] if chosen else None

    async def plan_items(self, tenant: uuid.UUID, plan_id: uuid.UUID) -> list[PlanItemView]:
        statement = (
            select(PlanItemView)
            .where(col(PlanItemView.tenant_id) == tenant, col(PlanItemView.plan_id) == plan_id)
            .order_by(col(PlanItemView.created_at), col(PlanItemView.id))
        )
        return list((await self.session.exec(statement)).all())

    async def employees(self, ids: set[uuid.UUID]) -> dict[uuid.UUID, EmployeeView]:
        if not ids:
            return {}
        statement = select(EmployeeView).where(col(EmployeeView.id).in_(ids))
        return {e.id: e for e in (await self.session.exec(statement)).all()}

    def results_statement(self, cycle_id: uuid.UUID | None) -> Any:
        statement = select(OverallResult)
        if cycle_id is not None:
            statement = statement.where(col(OverallResult.cycle_id) == cycle_id)
        return statement

    async def cycle_results(self, cycle_id: uuid.UUID) -> list[OverallResult]:
        statement = select(OverallResult).where(col(OverallResult.cycle_id) == cycle_id)
        return list((await self.session.exec(statement)).all())

    async def unlocked_results(self) -> list[OverallResult]:
        statement = select(OverallResult).where(col(OverallResult.locked).is_(False))
        return list((await self.session.exec(statement)).all())

    async def org_units(self) -> dict[uuid.UUID, OrgUnitView]:
        return {u.id: u for u in (await self.session.exec(select(OrgUnitView))).all()}

    async def cycle_items(self, cycle_id: uuid.UUID) -> list[tuple[PlanItemView, PlanView]]:
        statement = (
            select(PlanItemView, PlanView)
            .join(
                PlanView,
                (col(PlanView.tenant_id) == col(PlanItemView.tenant_id))
                & (col(PlanView.id) == col(PlanItemView.plan_id)),
            )
            .where(col(PlanView.cycle_id) == cycle_id)
        )
        return list((await self.session.exec(statement)).all())

    async def indicators(self) -> list[IndicatorView]:
        return list((await self.session.exec(select(IndicatorView))).all())

    async def objectives(self) -> list[ObjectiveView]:
        return list((await self.session.exec(select(ObjectiveView))).all())
