from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from strata_contracts.identity import Role
from strata_contracts.pagination import Page
from strata_contracts.reviews.results import RateeResults, RateeResultsSummary
from strata_kit.db import SessionDep
from strata_kit.identity import TenantIdentity, require_roles
from strata_kit.pagination import PageParams, page_params
from strata_reviews.access import HR_ROLES
from strata_reviews.openapi import problems
from strata_reviews.results.service import result_service

router = APIRouter(prefix="/api/v1/reviews", tags=["results"])
Reader = Annotated[
    TenantIdentity, require_roles(*HR_ROLES, Role.MANAGER, Role.EMPLOYEE, Role.INTEGRATION)
]
Params = Annotated[PageParams, Depends(page_params)]


@router.get(
    "/campaigns/{campaign_id}/results/{ratee_id}",
    response_model=RateeResults,
    responses=problems(403, 404, 409),
)
async def get_results(
    campaign_id: UUID, ratee_id: UUID, session: SessionDep, identity: Reader
) -> RateeResults:
    """A ratee's anonymised results: per competency and item, per relationship group."""
    return await result_service.get(session, identity, campaign_id, ratee_id)


@router.get("/results", response_model=Page[RateeResultsSummary], responses=problems(403))
async def list_results(
    session: SessionDep,
    identity: Reader,
    params: Params,
    ratee_id: Annotated[UUID | None, Query(description="Default: the caller.")] = None,
    cycle_id: Annotated[UUID | None, Query(description="Only this cycle's campaigns.")] = None,
) -> Page[RateeResultsSummary]:
    """A ratee's results per closed campaign, optionally of one performance cycle."""
    return await result_service.list_results(session, identity, ratee_id, cycle_id, params)
