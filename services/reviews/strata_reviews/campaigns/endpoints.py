from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status

from strata_contracts.identity import Role
from strata_contracts.pagination import Page
from strata_contracts.reviews.campaigns import (
    CampaignCreate,
    CampaignRateeRead,
    CampaignRead,
    CampaignUpdate,
    RateesAdd,
)
from strata_contracts.reviews.vocabulary import CampaignStatus
from strata_kit.concurrency import check_if_match, set_etag
from strata_kit.db import SessionDep
from strata_kit.identity import TenantIdentity, require_roles
from strata_kit.pagination import PageParams, page_params
from strata_reviews.access import HR_ROLES
from strata_reviews.campaigns.lifecycle import campaign_lifecycle
from strata_reviews.campaigns.ports import ParticipationDep
from strata_reviews.campaigns.service import campaign_service
from strata_reviews.clock import Now
from strata_reviews.openapi import UPSTREAM, problems
from strata_reviews.org import Directory

router = APIRouter(prefix="/api/v1/reviews/campaigns", tags=["campaigns"])
HrCaller = Annotated[TenantIdentity, require_roles(*HR_ROLES)]
Reader = Annotated[
    TenantIdentity, require_roles(*HR_ROLES, Role.MANAGER, Role.EMPLOYEE, Role.INTEGRATION)
]
Params = Annotated[PageParams, Depends(page_params)]


@router.post(
    "",
    response_model=CampaignRead,
    status_code=status.HTTP_201_CREATED,
    responses=problems(403, *UPSTREAM),
)
async def create_campaign(
    data: CampaignCreate, session: SessionDep, identity: HrCaller, directory: Directory
) -> CampaignRead:
    """Set up a campaign (draft) for a cycle: template version, who is reviewed, rules."""
    return await campaign_service.create(session, identity, data, directory)


@router.get("", response_model=Page[CampaignRead], responses=problems(403))
async def list_campaigns(
    session: SessionDep,
    identity: Reader,
    params: Params,
    cycle_id: Annotated[UUID | None, Query(description="Only this cycle's campaigns.")] = None,
    campaign_status: Annotated[CampaignStatus | None, Query(alias="status")] = None,
) -> Page[CampaignRead]:
    """List campaigns, optionally of one performance cycle or in one status."""
    return await campaign_service.list_campaigns(session, cycle_id, campaign_status, params)


@router.get("/{campaign_id}", response_model=CampaignRead, responses=problems(403, 404))
async def get_campaign(
    campaign_id: UUID, response: Response, session: SessionDep, identity: Reader
) -> CampaignRead:
    """One campaign with its relationship rules, threshold and dates (and its ETag)."""
    row = await campaign_service.get_row(session, campaign_id)
    set_etag(response, row)
    return await campaign_service.read(session, row)


@router.patch(
    "/{campaign_id}", response_model=CampaignRead, responses=problems(403, 404, 409, 412, 428)
)
async def update_campaign(
    campaign_id: UUID,
    data: CampaignUpdate,
    request: Request,
    response: Response,
    session: SessionDep,
    identity: HrCaller,
    now: Now,
    people: ParticipationDep,
) -> CampaignRead:
    """Change a draft campaign; an open one only changes name, due and closing dates.
    Send `If-Match` with the ETag you read."""
    row = await campaign_service.get_row(session, campaign_id)
    check_if_match(request, row)
    updated = await campaign_service.update(session, identity, campaign_id, data, now, people)
    set_etag(response, row)
    return updated


@router.post("/{campaign_id}/open", response_model=CampaignRead, responses=problems(403, 404, 409))
async def open_campaign(
    campaign_id: UUID, session: SessionDep, identity: HrCaller, now: Now, people: ParticipationDep
) -> CampaignRead:
    """Open the campaign: every approved nomination and self-assessment is invited."""
    return await campaign_lifecycle.open(session, identity, campaign_id, now, people)


@router.post("/{campaign_id}/close", response_model=CampaignRead, responses=problems(403, 404, 409))
async def close_campaign(
    campaign_id: UUID, session: SessionDep, identity: HrCaller, now: Now, people: ParticipationDep
) -> CampaignRead:
    """Close the campaign: answers are frozen and results become readable."""
    return await campaign_lifecycle.close(session, identity, campaign_id, now, people)


@router.get(
    "/{campaign_id}/ratees",
    response_model=Page[CampaignRateeRead],
    responses=problems(403, 404),
)
async def list_ratees(
    campaign_id: UUID, session: SessionDep, identity: Reader, params: Params
) -> Page[CampaignRateeRead]:
    """The people reviewed: all for HR, a manager's reports, or the caller themselves."""
    return await campaign_service.list_ratees(session, identity, campaign_id, params)


@router.post(
    "/{campaign_id}/ratees",
    response_model=list[CampaignRateeRead],
    status_code=status.HTTP_201_CREATED,
    responses=problems(403, 404, 409, *UPSTREAM),
)
async def add_ratees(
    campaign_id: UUID,
    data: RateesAdd,
    session: SessionDep,
    identity: HrCaller,
    directory: Directory,
) -> list[CampaignRateeRead]:
    """Add employees to a draft campaign; returns those newly added."""
    return await campaign_service.add_ratees(session, identity, campaign_id, data, directory)


@router.delete(
    "/{campaign_id}/ratees/{employee_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(403, 404, 409),
)
async def remove_ratee(
    campaign_id: UUID,
    employee_id: UUID,
    session: SessionDep,
    identity: HrCaller,
    people: ParticipationDep,
) -> Response:
    """Take a ratee, and their nominations, out of a draft campaign."""
    await campaign_service.remove_ratee(session, identity, campaign_id, employee_id, people)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
