from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request

from strata_contracts.problem import Problem
from strata_contracts.reviews.internal import INTERNAL_ANSWERS_PATH, InternalAnswerPage
from strata_kit.db import SessionDep, bind_tenant
from strata_kit.identity import CurrentIdentity
from strata_reviews.internal.service import internal_service, require_platform

router = APIRouter(tags=["internal"], include_in_schema=False)


@router.get(
    INTERNAL_ANSWERS_PATH,
    response_model=InternalAnswerPage,
    responses={401: {"model": Problem}, 403: {"model": Problem}},
)
async def internal_answers(
    request: Request,
    session: SessionDep,
    identity: CurrentIdentity,
    tenant: UUID,
    campaign_id: UUID | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> InternalAnswerPage:
    """Submitted answers of closed campaigns, raters pseudonymous (analytics only)."""
    require_platform(identity)
    bind_tenant(session, tenant)  # the platform identity acts for the tenant it names
    secret = request.app.state.settings.platform.internal_token_secret.get_secret_value()
    return await internal_service.answers(
        session,
        secret=secret,
        tenant_id=tenant,
        campaign_id=campaign_id,
        cursor=cursor,
        limit=limit,
    )
