from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, status

from strata_contracts.identity import Role
from strata_contracts.pagination import Page
from strata_contracts.reviews.disclosure import (
    RaterDisclosureRead,
    RaterDisclosureRequest,
    RevealGrantCreate,
    RevealGrantRead,
    RevealGrantRevoke,
)
from strata_kit.db import SessionDep
from strata_kit.identity import TenantIdentity, require_roles
from strata_kit.pagination import PageParams, page_params
from strata_reviews.access import HR_ROLES
from strata_reviews.clock import Now
from strata_reviews.disclosure.service import disclosure_service
from strata_reviews.openapi import problems

router = APIRouter(prefix="/api/v1/reviews", tags=["disclosure"])
Admin = Annotated[TenantIdentity, require_roles(Role.ADMIN)]
HrCaller = Annotated[TenantIdentity, require_roles(*HR_ROLES)]
Params = Annotated[PageParams, Depends(page_params)]


@router.post(
    "/reveal-grants",
    response_model=RevealGrantRead,
    status_code=status.HTTP_201_CREATED,
    responses=problems(403),
)
async def create_reveal_grant(
    data: RevealGrantCreate, session: SessionDep, identity: Admin, now: Now
) -> RevealGrantRead:
    """Let one HR user disclose raters (of a campaign or all), with a reason and expiry (admin)."""
    return await disclosure_service.grant(session, identity, data, now)


@router.get("/reveal-grants", response_model=Page[RevealGrantRead], responses=problems(403))
async def list_reveal_grants(
    session: SessionDep, identity: HrCaller, params: Params
) -> Page[RevealGrantRead]:
    """Every disclosure grant, live or not."""
    return await disclosure_service.list_grants(session, params)


@router.post(
    "/reveal-grants/{grant_id}/revoke",
    response_model=RevealGrantRead,
    responses=problems(403, 404, 409),
)
async def revoke_reveal_grant(
    grant_id: UUID, data: RevealGrantRevoke, session: SessionDep, identity: Admin, now: Now
) -> RevealGrantRead:
    """End a grant before it expires (admin)."""
    return await disclosure_service.revoke(session, identity, grant_id, data, now)


@router.post(
    "/campaigns/{campaign_id}/results/{ratee_id}/rater-disclosure",
    response_model=RaterDisclosureRead,
    responses=problems(403, 404, 409),
)
async def disclose_raters(
    campaign_id: UUID,
    ratee_id: UUID,
    data: RaterDisclosureRequest,
    session: SessionDep,
    identity: HrCaller,
    now: Now,
) -> RaterDisclosureRead:
    """Who rated a ratee and what each answered: HR with a live grant; audited with the reason."""
    return await disclosure_service.disclose(session, identity, campaign_id, ratee_id, data, now)
