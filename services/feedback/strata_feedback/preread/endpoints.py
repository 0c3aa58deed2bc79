"""Route of the pre-read: `/api/v1/feedback/interviews/{interview_id}/pre-read`."""

from uuid import UUID

from fastapi import APIRouter, Request

from strata_contracts.feedback.preread import PreRead
from strata_feedback.preread.service import preread_service
from strata_feedback.responses import problems
from strata_feedback.settings import FeedbackSettings
from strata_feedback.upstream import GoalsDep, ReviewsDep, ViewerDep
from strata_kit.db import SessionDep

router = APIRouter(prefix="/api/v1/feedback/interviews", tags=["pre-read"])


@router.get("/{interview_id}/pre-read", responses=problems(404))
async def get_preread(
    interview_id: UUID,
    session: SessionDep,
    viewer: ViewerDep,
    goals: GoalsDep,
    reviews: ReviewsDep,
    request: Request,
) -> PreRead:
    """The packet both sides read before the interview; unavailable parts are named in `missing`."""
    settings: FeedbackSettings = request.app.state.settings
    return await preread_service.assemble(
        session,
        viewer,
        interview_id,
        goals=goals,
        reviews=reviews,
        part_seconds=settings.preread_part_timeout_seconds,
    )
