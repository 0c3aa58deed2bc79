"""Writing the audit trail (the kit's `audit_router` reads it)."""

import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.identity import IdentityClaims
from strata_goals.models import AuditRecord
from strata_kit.audit import record_audit


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


audit_service = AuditService()
