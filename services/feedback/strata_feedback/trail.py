"""Audit records and outbox events of the feedback service, written in the request's
transaction (the change, its audit record and its event commit or roll back together)."""

import uuid
from typing import Any

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.identity import IdentityClaims
from strata_feedback.models import AuditRecord, OutboxEvent
from strata_kit.audit import record_audit
from strata_kit.logging import get_logger
from strata_kit.outbox import record_event

log = get_logger(__name__)


async def audit(
    session: AsyncSession,
    identity: IdentityClaims,
    *,
    entity_type: str,
    entity_id: uuid.UUID,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    await record_audit(
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


async def emit(session: AsyncSession, *, type: str, subject: str, data: BaseModel) -> None:
    await record_event(session, OutboxEvent, type=type, subject=subject, data=data)
    log.info("event.recorded", type=type, subject=subject)
