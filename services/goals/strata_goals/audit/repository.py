"""Queries of the audit trail."""

import uuid
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.audit import AuditRecordRead
from strata_contracts.pagination import Page
from strata_goals.models import AuditRecord
from strata_goals.queries import page_of
from strata_kit.pagination import PageParams


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self,
        params: PageParams,
        *,
        entity_type: str | None,
        entity_id: uuid.UUID | None,
        actor: str | None,
        action: str | None,
        since: datetime | None,
        until: datetime | None,
    ) -> Page[AuditRecordRead]:
        stmt = select(AuditRecord)
        if entity_type is not None:
            stmt = stmt.where(AuditRecord.entity_type == entity_type)
        if entity_id is not None:
            stmt = stmt.where(AuditRecord.entity_id == entity_id)
        if actor is not None:
            stmt = stmt.where(AuditRecord.actor == actor)
        if action is not None:
            stmt = stmt.where(AuditRecord.action == action)
        if since is not None:
            stmt = stmt.where(col(AuditRecord.occurred_at) >= since)
        if until is not None:
            stmt = stmt.where(col(AuditRecord.occurred_at) < until)
        return await page_of(
            self.session, stmt, AuditRecord, params, AuditRecordRead.model_validate
        )
