from typing import Annotated
from uuid import UUID

from fastapi import APIRouter

from strata_contracts.identity import Role
from strata_contracts.reviews.completion import (
    CampaignCompletion,
    OverdueInvitation,
    RateeCompletion,
    RaterCompletion,
)
from strata_kit.db import SessionDep
from strata_kit.identity import TenantIdentity, require_roles
from strata_reviews.access import HR_ROLES
from strata_reviews.clock import Now
from strata_reviews.completion.service import completion_service
from strata_reviews.openapi import problems

router = APIRouter(prefix="/api/v1/reviews/campaigns/{campaign_id}", tags=["completion"])
Follower = Annotated[TenantIdentity, require_roles(*HR_ROLES, Role.MANAGER, Role.INTEGRATION)]
HrCaller = Annotated[TenantIdentity, require_roles(*HR_ROLES)]


@router.get("/completion", response_model=CampaignCompletion, responses=problems(403, 404))
async def get_completion(
    campaign_id: UUID, session: SessionDep, identity: Follower
) -> CampaignCompletion:
    """Completion totals, per relationship and department (a manager: their reports)."""
    return await completion_service.campaign(session, identity, campaign_id)


@router.get(
    "/completion/ratees", response_model=list[RateeCompletion], responses=problems(403, 404)
)
async def get_ratee_completion(
    campaign_id: UUID, session: SessionDep, identity: Follower
) -> list[RateeCompletion]:
    """Completion per ratee and relationship, as counts (a manager: their reports)."""
    return await completion_service.ratees(session, identity, campaign_id)


@router.get(
    "/completion/raters", response_model=list[RaterCompletion], responses=problems(403, 404)
)
async def get_rater_completion(
    campaign_id: UUID, session: SessionDep, identity: HrCaller
) -> list[RaterCompletion]:
    """Completion per rater (HR)."""
    return await completion_service.raters(session, campaign_id)


@router.get("/overdue", response_model=list[OverdueInvitation], responses=problems(403, 404))
async def get_overdue(
    campaign_id: UUID, session: SessionDep, identity: HrCaller, now: Now
) -> list[OverdueInvitation]:
    """Unfinished invitations past the campaign's due date (HR)."""
    return await completion_service.overdue(session, campaign_id, now)
