from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from strata_contracts.identity import Role
from strata_contracts.pagination import Page
from strata_contracts.reviews.invitations import (
    ExternalLinkRead,
    InvitationDecline,
    InvitationRead,
    ReminderBatchRead,
    ReminderRequest,
)
from strata_contracts.reviews.vocabulary import InvitationStatus
from strata_kit.db import SessionDep
from strata_kit.identity import TenantCaller, TenantIdentity, require_roles
from strata_kit.pagination import PageParams, page_params
from strata_reviews.access import HR_ROLES
from strata_reviews.clock import Now
from strata_reviews.invitations.ports import AnswerStoreDep
from strata_reviews.invitations.service import invitation_service
from strata_reviews.openapi import problems
from strata_reviews.settings import ReviewsSettings

router = APIRouter(prefix="/api/v1/reviews", tags=["invitations"])
HrCaller = Annotated[TenantIdentity, require_roles(*HR_ROLES)]
Notifier = Annotated[TenantIdentity, require_roles(*HR_ROLES, Role.INTEGRATION)]
Params = Annotated[PageParams, Depends(page_params)]
StatusFilter = Annotated[InvitationStatus | None, Query(alias="status")]


@router.get("/invitations", response_model=Page[InvitationRead], responses=problems(403))
async def list_my_invitations(
    session: SessionDep, identity: TenantCaller, params: Params, status: StatusFilter = None
) -> Page[InvitationRead]:
    """The caller's own invitations as a rater (self-assessment included)."""
    return await invitation_service.list_mine(session, identity, status, params)


@router.get("/invitations/{invitation_id}", response_model=InvitationRead, responses=problems(404))
async def get_invitation(
    invitation_id: UUID, session: SessionDep, identity: TenantCaller
) -> InvitationRead:
    """One invitation: the rater's own (HR: any, status only)."""
    return await invitation_service.get(session, identity, invitation_id)


@router.post(
    "/invitations/{invitation_id}/decline",
    response_model=InvitationRead,
    responses=problems(404, 409),
)
async def decline_invitation(
    invitation_id: UUID,
    data: InvitationDecline,
    session: SessionDep,
    identity: TenantCaller,
    now: Now,
    answers: AnswerStoreDep,
) -> InvitationRead:
    """Decline to rate, with a reason (seen by HR only); a saved draft is discarded."""
    invitation, campaign = await invitation_service.load(
        session, identity, invitation_id, lock=True
    )
    return await invitation_service.decline(
        session, identity, invitation, campaign, data.reason, now, answers
    )


@router.post(
    "/invitations/{invitation_id}/link",
    response_model=ExternalLinkRead,
    responses=problems(403, 404, 409),
)
async def issue_external_link(
    invitation_id: UUID, request: Request, session: SessionDep, identity: Notifier, now: Now
) -> ExternalLinkRead:
    """A fresh single-use link for an external rater (shown once; earlier links stop working)."""
    settings: ReviewsSettings = request.app.state.settings
    return await invitation_service.issue_link(
        session, identity, invitation_id, now, settings.external_link_ttl
    )


@router.get(
    "/campaigns/{campaign_id}/invitations",
    response_model=Page[InvitationRead],
    responses=problems(403, 404),
)
async def list_campaign_invitations(
    campaign_id: UUID,
    session: SessionDep,
    identity: HrCaller,
    params: Params,
    status: StatusFilter = None,
) -> Page[InvitationRead]:
    """Every invitation of a campaign with its status (HR; never the answers)."""
    return await invitation_service.list_for_campaign(session, campaign_id, status, params)


@router.post(
    "/campaigns/{campaign_id}/reminders",
    response_model=ReminderBatchRead,
    responses=problems(403, 404, 409),
)
async def send_reminders(
    campaign_id: UUID, data: ReminderRequest, session: SessionDep, identity: Notifier, now: Now
) -> ReminderBatchRead:
    """Remind unfinished raters: records each reminder and emits `reminder_due` events."""
    return await invitation_service.remind(session, identity, campaign_id, data, now)
