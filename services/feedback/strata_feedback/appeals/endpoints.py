"""Routes of appeals (`/api/v1/feedback/appeals`) and of the change requests an amended
outcome makes (`/api/v1/feedback/change-requests`, read by the owning services)."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status

from strata_contracts.feedback.appeals import (
    AppealCreate,
    AppealRead,
    AppealResolve,
    AppealReview,
    ChangeRequestDecision,
    ChangeRequestRead,
)
from strata_contracts.feedback.vocabulary import AppealStatus, ChangeRequestStatus, OwningService
from strata_contracts.identity import Role
from strata_contracts.pagination import Page
from strata_feedback.appeals.changes import ChangeRequestMove, change_requests
from strata_feedback.appeals.service import appeal_service
from strata_feedback.responses import problems
from strata_feedback.upstream import AnalyticsDep, GoalsDep, ViewerDep
from strata_kit.db import SessionDep
from strata_kit.identity import require_roles
from strata_kit.pagination import PageParams, page_params

router = APIRouter(prefix="/api/v1/feedback", tags=["appeals"])
PERSON = require_roles(Role.EMPLOYEE, Role.MANAGER, Role.HR, Role.ADMIN)
HR = require_roles(Role.HR, Role.ADMIN)
OWNERS = require_roles(Role.HR, Role.ADMIN, Role.INTEGRATION)


@router.post(
    "/appeals",
    status_code=status.HTTP_201_CREATED,
    dependencies=[PERSON],
    responses=problems(404, 409),
)
async def open_appeal(
    data: AppealCreate, session: SessionDep, viewer: ViewerDep, response: Response
) -> AppealRead:
    """The employee appeals their disputed interview's result (one appeal per interview)."""
    appeal = await appeal_service.open(session, viewer, data)
    response.headers["Location"] = f"{router.prefix}/appeals/{appeal.id}"
    return await appeal_service.read(session, appeal)


@router.get("/appeals", responses=problems())
async def list_appeals(
    session: SessionDep,
    viewer: ViewerDep,
    params: Annotated[PageParams, Depends(page_params)],
    status: AppealStatus | None = None,
    employee_id: UUID | None = None,
    interview_id: UUID | None = None,
) -> Page[AppealRead]:
    """Appeals the caller can see: own, reporting line, or (HR) the tenant's queue."""
    return await appeal_service.page(
        session, viewer, params, status=status, employee_id=employee_id, interview_id=interview_id
    )


@router.get("/appeals/{appeal_id}", responses=problems(404))
async def get_appeal(appeal_id: UUID, session: SessionDep, viewer: ViewerDep) -> AppealRead:
    """One appeal with its resolution and change requests."""
    return await appeal_service.read(session, await appeal_service.get(session, viewer, appeal_id))


@router.post("/appeals/{appeal_id}/review", dependencies=[HR], responses=problems(404, 409))
async def review_appeal(
    appeal_id: UUID, data: AppealReview, session: SessionDep, viewer: ViewerDep
) -> AppealRead:
    """HR takes an open appeal under review."""
    appeal = await appeal_service.review(session, viewer, appeal_id, data)
    return await appeal_service.read(session, appeal)


@router.post("/appeals/{appeal_id}/resolve", dependencies=[HR], responses=problems(404, 409))
async def resolve_appeal(
    appeal_id: UUID,
    data: AppealResolve,
    session: SessionDep,
    viewer: ViewerDep,
    goals: GoalsDep,
    analytics: AnalyticsDep,
) -> AppealRead:
    """HR resolves an appeal under review: upheld (the appeal upheld, results unchanged),
    amended (the appeal upheld, results change: change requests; a KPI actual's is applied
    through goals at once, a rating's through analytics) or rejected (the appeal rejected,
    the result upheld)."""
    appeal = await appeal_service.resolve(session, viewer, appeal_id, data, goals, analytics)
    return await appeal_service.read(session, appeal)


@router.get("/change-requests", dependencies=[OWNERS], responses=problems())
async def list_change_requests(
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    target_service: OwningService | None = None,
    status: ChangeRequestStatus | None = None,
    employee_id: UUID | None = None,
) -> Page[ChangeRequestRead]:
    """Changes amended appeals ask of owning services (`?target_service=goals&status=pending`)."""
    return await change_requests.list_change_requests(
        session, params, target_service=target_service, status=status, employee_id=employee_id
    )


@router.get("/change-requests/{change_request_id}", dependencies=[OWNERS], responses=problems(404))
async def get_change_request(change_request_id: UUID, session: SessionDep) -> ChangeRequestRead:
    """One change request, with before, after and reason."""
    request = await change_requests.get_change_request(session, change_request_id)
    return ChangeRequestRead.model_validate(request)


@router.post(
    "/change-requests/{change_request_id}/applied",
    dependencies=[OWNERS],
    responses=problems(404, 409),
)
async def mark_change_request_applied(
    change_request_id: UUID, data: ChangeRequestDecision, session: SessionDep, viewer: ViewerDep
) -> ChangeRequestRead:
    """The owning service reports that it applied the change through its own audited path."""
    request = await change_requests.decide_change_request(
        session, viewer, change_request_id, ChangeRequestMove.APPLY, data
    )
    return ChangeRequestRead.model_validate(request)


@router.post(
    "/change-requests/{change_request_id}/rejected",
    dependencies=[OWNERS],
    responses=problems(404, 409),
)
async def mark_change_request_rejected(
    change_request_id: UUID, data: ChangeRequestDecision, session: SessionDep, viewer: ViewerDep
) -> ChangeRequestRead:
    """The owning service reports that it could not apply the change, and why."""
    request = await change_requests.decide_change_request(
        session, viewer, change_request_id, ChangeRequestMove.REJECT, data
    )
    return ChangeRequestRead.model_validate(request)
