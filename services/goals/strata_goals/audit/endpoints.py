"""The audit query endpoint (HR and admin)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from strata_contracts.goals.audit import AuditRecordRead
from strata_contracts.pagination import Page
from strata_goals.api import HR, PREFIX, errors
from strata_goals.audit.service import audit_service
from strata_kit.db import SessionDep
from strata_kit.pagination import IsoDateTime, PageParams, page_params

router = APIRouter(prefix=PREFIX, tags=["audit"])


@router.get(
    "/audit",
    response_model=Page[AuditRecordRead],
    dependencies=[HR],
    responses=errors(403, 422),
)
async def list_audit_records(
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    entity_type: Annotated[str | None, Query(max_length=64)] = None,
    entity_id: uuid.UUID | None = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    since: IsoDateTime | None = None,
    until: IsoDateTime | None = None,
) -> Page[AuditRecordRead]:
    """The audit trail, oldest first, filtered by entity, actor, action or time (HR, admin)."""
    return await audit_service.list_records(
        session,
        params,
        entity_type=entity_type,
        entity_id=entity_id,
        actor=actor,
        action=action,
        since=since,
        until=until,
    )
