"""Endpoints for external raters (customers), authorised by the link's token alone.
See `strata_reviews.external.service` for how a token finds its tenant."""

from typing import Annotated

from fastapi import APIRouter, Body

from strata_contracts.reviews.invitations import InvitationDecline, InvitationRead
from strata_contracts.reviews.responses import FormRead, ResponseDraft, ResponseRead, ResponseSubmit
from strata_kit.db import SessionDep
from strata_reviews.clock import Now
from strata_reviews.external.service import ExternalCaller
from strata_reviews.invitations.ports import AnswerStoreDep
from strata_reviews.invitations.service import EXTERNAL_PREFIX, invitation_service
from strata_reviews.openapi import problems
from strata_reviews.responses.service import response_service

router = APIRouter(prefix=EXTERNAL_PREFIX + "/{token}", tags=["external raters"])
LINK_PROBLEMS = problems(404, 409, 410)


@router.get("", response_model=FormRead, responses=LINK_PROBLEMS)
async def get_external_form(session: SessionDep, external: ExternalCaller) -> FormRead:
    """The questionnaire an external rater answers, with their draft so far."""
    return await response_service.form(session, external.invitation, external.campaign)


@router.put("/response", response_model=ResponseRead, responses=LINK_PROBLEMS)
async def save_external_draft(
    data: ResponseDraft, session: SessionDep, external: ExternalCaller, now: Now
) -> ResponseRead:
    """Save an external rater's draft (the link stays usable until submitted)."""
    return await response_service.save_draft(
        session, external.invitation, external.campaign, data, now
    )


@router.post("/response/submit", response_model=ResponseRead, responses=LINK_PROBLEMS)
async def submit_external_response(
    session: SessionDep,
    external: ExternalCaller,
    now: Now,
    data: Annotated[ResponseSubmit | None, Body()] = None,
) -> ResponseRead:
    """Submit an external rater's response; the link is used up."""
    return await response_service.submit(
        session, external.actor, external.invitation, external.campaign, data, now
    )


@router.post("/decline", response_model=InvitationRead, responses=LINK_PROBLEMS)
async def decline_external_invitation(
    data: InvitationDecline,
    session: SessionDep,
    external: ExternalCaller,
    now: Now,
    answers: AnswerStoreDep,
) -> InvitationRead:
    """Decline to rate, with a reason; the link is used up."""
    return await invitation_service.decline(
        session, external.actor, external.invitation, external.campaign, data.reason, now, answers
    )
