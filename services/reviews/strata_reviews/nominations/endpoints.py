from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Response, status

from strata_contracts.identity import Role
from strata_contracts.pagination import Page
from strata_contracts.reviews.nominations import (
    NominationCreate,
    NominationDecision,
    NominationRead,
    SuggestionRequest,
    SuggestionResult,
)
from strata_kit.db import SessionDep
from strata_kit.identity import TenantIdentity, require_roles
from strata_kit.pagination import PageParams, page_params
from strata_reviews.access import HR_ROLES
from strata_reviews.clock import Now
from strata_reviews.nominations.service import nomination_service
from strata_reviews.openapi import UPSTREAM, problems
from strata_reviews.org import Directory

router = APIRouter(prefix="/api/v1/reviews/campaigns/{campaign_id}", tags=["nominations"])
Person = Annotated[TenantIdentity, require_roles(*HR_ROLES, Role.MANAGER, Role.EMPLOYEE)]
Params = Annotated[PageParams, Depends(page_params)]


@router.post(
    "/nominations/suggestions",
    response_model=SuggestionResult,
    responses=problems(403, 404, 409, *UPSTREAM),
)
async def suggest_nominations(
    campaign_id: UUID,
    session: SessionDep,
    identity: Person,
    directory: Directory,
    now: Now,
    data: Annotated[SuggestionRequest | None, Body()] = None,
) -> SuggestionResult:
    """Suggest raters from the reporting lines for many ratees (HR: all; managers: reports)."""
    return await nomination_service.suggest(
        session, identity, campaign_id, data or SuggestionRequest(), directory, now
    )


@router.post(
    "/ratees/{ratee_id}/nominations/suggestions",
    response_model=SuggestionResult,
    responses=problems(403, 404, 409, *UPSTREAM),
)
async def suggest_ratee_nominations(
    campaign_id: UUID,
    ratee_id: UUID,
    session: SessionDep,
    identity: Person,
    directory: Directory,
    now: Now,
) -> SuggestionResult:
    """Suggest supervisor, peers and direct reports of one ratee from the reporting lines."""
    return await nomination_service.suggest(
        session, identity, campaign_id, SuggestionRequest(), directory, now, ratee_id=ratee_id
    )


@router.get(
    "/ratees/{ratee_id}/nominations",
    response_model=Page[NominationRead],
    responses=problems(403, 404),
)
async def list_nominations(
    campaign_id: UUID, ratee_id: UUID, session: SessionDep, identity: Person, params: Params
) -> Page[NominationRead]:
    """A ratee's nominations (for the ratee, their manager and HR)."""
    return await nomination_service.list_nominations(
        session, identity, campaign_id, ratee_id, params
    )


@router.post(
    "/ratees/{ratee_id}/nominations",
    response_model=NominationRead,
    status_code=status.HTTP_201_CREATED,
    responses=problems(403, 404, 409, *UPSTREAM),
)
async def add_nomination(
    campaign_id: UUID,
    ratee_id: UUID,
    data: NominationCreate,
    session: SessionDep,
    identity: Person,
    directory: Directory,
    now: Now,
) -> NominationRead:
    """Nominate a rater (ratee and manager: peers and customers; HR: any relationship)."""
    return await nomination_service.add(
        session, identity, campaign_id, ratee_id, data, directory, now
    )


@router.post(
    "/nominations/{nomination_id}/decision",
    response_model=NominationRead,
    responses=problems(403, 404, 409),
)
async def decide_nomination(
    campaign_id: UUID,
    nomination_id: UUID,
    data: NominationDecision,
    session: SessionDep,
    identity: Person,
    now: Now,
) -> NominationRead:
    """Approve or reject a proposed nomination (the ratee's manager or HR)."""
    return await nomination_service.decide(session, identity, campaign_id, nomination_id, data, now)


@router.delete(
    "/nominations/{nomination_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(403, 404, 409),
)
async def remove_nomination(
    campaign_id: UUID, nomination_id: UUID, session: SessionDep, identity: Person, now: Now
) -> Response:
    """Withdraw a nomination that has not been invited yet."""
    await nomination_service.remove(session, identity, campaign_id, nomination_id, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
