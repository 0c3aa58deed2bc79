"""Routes of feedback interviews: `/api/v1/feedback/interviews`."""

from functools import partial
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.feedback.interviews import (
    InterviewAcknowledge,
    InterviewCancel,
    InterviewClose,
    InterviewCreate,
    InterviewDispute,
    InterviewHold,
    InterviewRead,
    InterviewReschedule,
    InterviewSummary,
    RecordUpdate,
)
from strata_contracts.feedback.vocabulary import InterviewStatus
from strata_contracts.identity import Role
from strata_contracts.pagination import Page
from strata_feedback.interviews.cycles import GoalsCycles
from strata_feedback.interviews.models import Interview
from strata_feedback.interviews.ports import FollowUpsDep
from strata_feedback.interviews.scheduling import interview_scheduling
from strata_feedback.interviews.service import Guard, interview_service
from strata_feedback.responses import problems
from strata_feedback.upstream import GoalsDep, ViewerDep
from strata_kit.concurrency import check_if_match, set_etag
from strata_kit.db import SessionDep
from strata_kit.identity import require_roles
from strata_kit.pagination import IsoDateTime, PageParams, page_params

router = APIRouter(prefix="/api/v1/feedback/interviews", tags=["interviews"])

IfMatch = Annotated[
    str | None,
    Header(description="The ETag you read; the write answers 412 if the interview changed since."),
]


async def guard(request: Request, if_match: IfMatch = None) -> Guard:
    """The If-Match check (`strata_kit.concurrency`), applied to the interview once loaded;
    the header is declared here so the OpenAPI document shows it."""
    return partial(check_if_match, request)


GuardDep = Annotated[Guard, Depends(guard)]
MANAGER_SIDE = require_roles(Role.MANAGER, Role.HR, Role.ADMIN)
PERSON = require_roles(Role.EMPLOYEE, Role.MANAGER, Role.HR, Role.ADMIN)


async def _answer(session: AsyncSession, interview: Interview, response: Response) -> InterviewRead:
    set_etag(response, interview)
    return await interview_service.read(session, interview)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    dependencies=[MANAGER_SIDE],
    responses=problems(409, 503, 504),
)
async def schedule_interview(
    data: InterviewCreate,
    session: SessionDep,
    viewer: ViewerDep,
    goals: GoalsDep,
    response: Response,
) -> InterviewRead:
    """Schedule an interview (HR for anyone; a manager for their reporting line); a cycle's
    interview only while the cycle is in its feedback phase."""
    interview = await interview_scheduling.schedule(session, viewer, GoalsCycles(goals), data)
    response.headers["Location"] = f"{router.prefix}/{interview.id}"
    return await _answer(session, interview, response)


@router.get("", responses=problems())
async def list_interviews(
    session: SessionDep,
    viewer: ViewerDep,
    params: Annotated[PageParams, Depends(page_params)],
    employee_id: UUID | None = None,
    manager_id: UUID | None = None,
    cycle_id: UUID | None = None,
    status: InterviewStatus | None = None,
    scheduled_from: Annotated[IsoDateTime | None, Query(description="At or after (UTC).")] = None,
    scheduled_to: Annotated[IsoDateTime | None, Query(description="Before (UTC).")] = None,
) -> Page[InterviewSummary]:
    """Interviews the caller can see, by scheduled time: own, reporting line, or (HR) all."""
    return await interview_service.page(
        session,
        viewer,
        params,
        employee_id=employee_id,
        manager_id=manager_id,
        cycle_id=cycle_id,
        status=status,
        scheduled_from=scheduled_from,
        scheduled_to=scheduled_to,
    )


@router.get("/{interview_id}", responses=problems(404))
async def get_interview(
    interview_id: UUID, session: SessionDep, viewer: ViewerDep, response: Response
) -> InterviewRead:
    """One interview with its record (ETag for conditional updates)."""
    interview = await interview_service.get(session, viewer, interview_id)
    return await _answer(session, interview, response)


@router.post(
    "/{interview_id}/reschedule",
    dependencies=[MANAGER_SIDE],
    responses=problems(404, 409, 412, 503, 504),
)
async def reschedule_interview(
    interview_id: UUID,
    data: InterviewReschedule,
    session: SessionDep,
    viewer: ViewerDep,
    goals: GoalsDep,
    response: Response,
    check: GuardDep,
) -> InterviewRead:
    """Move a scheduled interview to another time or place, with a reason (a cycle's
    interview only while the cycle is in its feedback phase)."""
    interview = await interview_service.reschedule(
        session, viewer, interview_id, data, GoalsCycles(goals), check
    )
    return await _answer(session, interview, response)


@router.post(
    "/{interview_id}/cancel", dependencies=[MANAGER_SIDE], responses=problems(404, 409, 412)
)
async def cancel_interview(
    interview_id: UUID,
    data: InterviewCancel,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
    check: GuardDep,
) -> InterviewRead:
    """Cancel a scheduled interview, with a reason (the cycle's slot frees up)."""
    interview = await interview_service.cancel(session, viewer, interview_id, data, check)
    return await _answer(session, interview, response)


@router.post("/{interview_id}/hold", dependencies=[MANAGER_SIDE], responses=problems(404, 409, 412))
async def hold_interview(
    interview_id: UUID,
    data: InterviewHold,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
    check: GuardDep,
) -> InterviewRead:
    """Record that the interview took place."""
    interview = await interview_service.hold(session, viewer, interview_id, data, check)
    return await _answer(session, interview, response)


@router.patch("/{interview_id}/record", dependencies=[PERSON], responses=problems(404, 409, 412))
async def update_interview_record(
    interview_id: UUID,
    data: RecordUpdate,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
    check: GuardDep,
) -> InterviewRead:
    """Write the record: strengths, shortcomings, gaps with root causes, agreed points, comments."""
    interview = await interview_service.update_record(session, viewer, interview_id, data, check)
    return await _answer(session, interview, response)


@router.post(
    "/{interview_id}/acknowledge", dependencies=[PERSON], responses=problems(404, 409, 412)
)
async def acknowledge_interview(
    interview_id: UUID,
    data: InterviewAcknowledge,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
    check: GuardDep,
    follow_ups: FollowUpsDep,
) -> InterviewRead:
    """The employee acknowledges the held interview's record."""
    interview = await interview_service.acknowledge(
        session, viewer, interview_id, data, check, follow_ups=follow_ups
    )
    return await _answer(session, interview, response)


@router.post("/{interview_id}/dispute", dependencies=[PERSON], responses=problems(404, 409, 412))
async def dispute_interview(
    interview_id: UUID,
    data: InterviewDispute,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
    check: GuardDep,
) -> InterviewRead:
    """The employee disagrees with the held interview's record, with a written reason."""
    interview = await interview_service.dispute(session, viewer, interview_id, data, check)
    return await _answer(session, interview, response)


@router.post(
    "/{interview_id}/close", dependencies=[MANAGER_SIDE], responses=problems(404, 409, 412)
)
async def close_interview(
    interview_id: UUID,
    data: InterviewClose,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
    check: GuardDep,
    follow_ups: FollowUpsDep,
) -> InterviewRead:
    """Close an acknowledged interview, or a disputed one whose appeal (if any) is resolved."""
    interview = await interview_service.close(
        session, viewer, interview_id, data, check, follow_ups=follow_ups
    )
    return await _answer(session, interview, response)
