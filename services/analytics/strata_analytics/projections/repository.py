"""Every query of the projections. The consumer's session sees every tenant, so each
query here names its tenant explicitly (and stays right in a tenant-bound session)."""

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import delete
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.projections.models import (
    CommentFact,
    CycleView,
    EmployeeView,
    IndicatorView,
    ObjectiveView,
    OrgUnitView,
    PlanItemView,
    PlanView,
    RatingFact,
)

Row = TypeVar("Row", bound=SQLModel)


class ProjectionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, model: type[Row], tenant_id: uuid.UUID, row_id: uuid.UUID) -> Row | None:
        # Autoflush is off: a row added for an earlier event of the same feed page is still
        # pending, and `session.get` would miss it (a second INSERT, a duplicate key, and
        # the consumer stuck on that page). Flush it first.
        await self.session.flush()
        return await self.session.get(model, (tenant_id, row_id))

    def add(self, row: SQLModel) -> None:
        self.session.add(row)

    async def plan_items(self, tenant_id: uuid.UUID, plan_id: uuid.UUID) -> list[PlanItemView]:
        statement = select(PlanItemView).where(
            col(PlanItemView.tenant_id) == tenant_id, col(PlanItemView.plan_id) == plan_id
        )
        return list((await self.session.exec(statement)).all())

    async def replace_campaign_answers(
        self,
        tenant_id: uuid.UUID,
        campaign_id: uuid.UUID,
        ratings: Sequence[RatingFact],
        comments: Sequence[CommentFact],
    ) -> None:
        for model in (RatingFact, CommentFact):
            await self.session.exec(
                delete(model).where(
                    col(model.tenant_id) == tenant_id,
                    col(model.campaign_id) == campaign_id,
                )
            )
        self.session.add_all([*ratings, *comments])

    async def delete_tenant(self, tenant_id: uuid.UUID) -> None:
        """Forget what events built (a rebuild replays them); ratings are pulled again."""
        models: list[Any] = [
            OrgUnitView,
            EmployeeView,
            ObjectiveView,
            IndicatorView,
            PlanItemView,
            PlanView,
            CycleView,
        ]
        for model in models:
            await self.session.exec(delete(model).where(col(model.tenant_id) == tenant_id))
