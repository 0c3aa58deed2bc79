from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body

from strata_contracts.reviews.responses import FormRead, ResponseDraft, ResponseRead, ResponseSubmit
from strata_kit.db import SessionDep
from strata_kit.identity import TenantCaller
from strata_reviews.clock import Now
from strata_reviews.invitations.service import invitation_service
from strata_reviews.openapi import problems
from strata_reviews.responses.service import response_service

router = APIRouter(prefix="/api/v1/reviews/invitations/{invitation_id}", tags=["responses"])


@router.get("/form", response_model=FormRead, responses=problems(404))
async def get_form(invitation_id: UUID, session: SessionDep, identity: TenantCaller) -> FormRead:
    """The questionnaire of the caller's invitation, with their answers so far."""
    invitation, campaign = await invitation_service.load(session, identity, invitation_id)
    return await response_service.form(session, invitation, campaign)


@router.get("/response", response_model=ResponseRead, responses=problems(404))
async def get_response(
    invitation_id: UUID, session: SessionDep, identity: TenantCaller
) -> ResponseRead:
    """The caller's own response (draft or submitted)."""
    invitation, _ = await invitation_service.load(session, identity, invitation_id)
    return await response_service.read(session, invitation)


@router.put("/response", response_model=ResponseRead, responses=problems(404, 409))
async def save_draft(
    invitation_id: UUID, data: ResponseDraft, session: SessionDep, identity: TenantCaller, now: Now
) -> ResponseRead:
    """Save a draft (it replaces the previous one); ratings are checked against the scale."""
    invitation, campaign = await invitation_service.load(
        session, identity, invitation_id, lock=True
    )
    return await response_service.save_draft(session, invitation, campaign, data, now)


@router.post("/response/submit", response_model=ResponseRead, responses=problems(404, 409))
async def submit_response(
    invitation_id: UUID,
    session: SessionDep,
    identity: TenantCaller,
    now: Now,
    data: Annotated[ResponseSubmit | None, Body()] = None,
) -> ResponseRead:
    """Submit once (the saved draft, or these answers): every required item answered."""
    invitation, campaign = await invitation_service.load(
        session, identity, invitation_id, lock=True
    )
    return await response_service.submit(session, identity, invitation, campaign, data, now)
