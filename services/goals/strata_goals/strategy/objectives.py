"""Objectives: the strategy the cascade serves."""

import uuid
from typing import Any, Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.events import ObjectiveChanged
from strata_contracts.goals.strategy import (
    ObjectiveCreate,
    ObjectiveRead,
    ObjectiveUpdate,
)
from strata_contracts.identity import IdentityClaims
from strata_contracts.pagination import Page
from strata_goals.audit.service import audit_service
from strata_goals.changes import ensure_unique, patch_changes
from strata_goals.events import emit
from strata_goals.queries import add_row, page_of
from strata_goals.strategy.exceptions import (
    ObjectiveNotFound,
)
from strata_goals.strategy.models import Objective
from strata_goals.strategy.repository import (
    ObjectiveRepository,
)
from strata_goals.strategy.rules import (
    OBJECTIVE_CHANGED,
    dates_in_order,
    objective_read,
)
from strata_kit.audit import snapshot
from strata_kit.pagination import PageParams


class ObjectiveService:
    async def get_objective(self, session: AsyncSession, objective_id: uuid.UUID) -> Objective:
        objective = await ObjectiveRepository(session).get(objective_id)
        if objective is None:
            raise ObjectiveNotFound(f"No objective {objective_id}.")
        return objective

    async def list_objectives(
        self, session: AsyncSession, params: PageParams, *, active: bool | None
    ) -> Page[ObjectiveRead]:
        stmt = ObjectiveRepository(session).list_statement(active=active)
        return await page_of(session, stmt, Objective, params, objective_read)

    async def create_objective(
        self, session: AsyncSession, identity: IdentityClaims, data: ObjectiveCreate
    ) -> ObjectiveRead:
        await ensure_unique(ObjectiveRepository(session).find_by, "objective", code=data.code)
        dates_in_order(data.starts_on, data.ends_on)
        objective = add_row(session, Objective, **data.model_dump())
        await session.flush()
        await self._objective_changed(session, identity, objective, None, "created")
        return objective_read(objective)

    async def update_objective(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        objective_id: uuid.UUID,
        data: ObjectiveUpdate,
    ) -> ObjectiveRead:
        objective = await self.get_objective(session, objective_id)
        changes = patch_changes(data, {"title", "perspective", "active"})
        await ensure_unique(
            ObjectiveRepository(session).find_by,
            "objective",
            exclude=objective.id,
            code=changes.get("code"),
        )
        dates_in_order(
            changes.get("starts_on", objective.starts_on), changes.get("ends_on", objective.ends_on)
        )
        before = snapshot(objective)
        for name, value in changes.items():
            setattr(objective, name, value)
        if snapshot(objective) != before:
            session.add(objective)
            await session.flush()
            await self._objective_changed(session, identity, objective, before, "updated")
        return objective_read(objective)

    async def _objective_changed(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        objective: Objective,
        before: dict[str, Any] | None,
        action: Literal["created", "updated"],
    ) -> None:
        await audit_service.record(
            session,
            identity,
            entity_type="objective",
            entity_id=objective.id,
            action=action,
            before=before,
            after=snapshot(objective),
        )
        await emit(
            session,
            OBJECTIVE_CHANGED,
            f"objective/{objective.id}",
            ObjectiveChanged(change=action, objective=objective_read(objective)),
        )


objective_service = ObjectiveService()
