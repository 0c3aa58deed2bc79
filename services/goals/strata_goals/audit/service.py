"""Writing and reading the audit trail."""

import uuid
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.audit import AuditRecordRead
from strata_contracts.identity import IdentityClaims
from strata_contracts.pagination import Page
from strata_goals.audit.repository import AuditRepository
from strata_goals.models import AuditRecord
from strata_kit.audit import record_audit
from strata_kit.pagination import PageParams


class AuditService:
    async def record(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        *,
        entity_type: str,
        entity_id: uuid.UUID,
        action: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> AuditRecord:
        """Add an audit record to the current transaction."""
        return await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type=entity_type,
            entity_id=entity_id,
            action=action,
            before=before,
            after=after,
            reason=reason,
        )

    async def list_records(
        self,
        session: AsyncSession,
        params: PageParams,
        *,
        entity_type: str | None,
        entity_id: uuid.UUID | None,
        actor: str | None,
        action: str | None,
        since: datetime | None,
        until: datetime | None,
    ) -> Page[AuditRecordRead]:
        return await AuditRepository(session).page(
            params,
            entity_type=entity_type,
            entity_id=entity_id,
            actor=actor,
            action=action,
            since=since,
            until=until,
        )


audit_service = AuditService()
