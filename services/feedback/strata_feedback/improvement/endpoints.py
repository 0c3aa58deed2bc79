"""Routes of improvement plans: actions under an interview, and `/improvement-actions`."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from strata_contracts.feedback.improvement import (
    ImprovementActionCreate,
    ImprovementActionRead,
    ImprovementActionUpdate,
    ImprovementPlanRead,
    OverdueSweepResult,
    ProgressCreate,
    ProgressRead,
)
from strata_contracts.feedback.vocabulary import ActionStatus
from strata_contracts.identity import Role
from strata_contracts.pagination import Page
from strata_feedback.improvement.service import improvement_service, to_read
from strata_feedback.responses import problems
from strata_feedback.upstream import ViewerDep
from strata_kit.db import SessionDep
from strata_kit.identity import require_roles
from strata_kit.pagination import PageParams, page_params

router = APIRouter(prefix="/api/v1/feedback", tags=["improvement plans"])
ACTIONS = "/improvement-actions"
MANAGER_SIDE = require_roles(Role.MANAGER, Role.HR, Role.ADMIN)
PERSON = require_roles(Role.EMPLOYEE, Role.MANAGER, Role.HR, Role.ADMIN)


@router.post(
    "/interviews/{interview_id}/improvement-actions",
    status_code=status.HTTP_201_CREATED,
    dependencies=[MANAGER_SIDE],
    responses=problems(404, 409),
)
async def add_improvement_action(
    interview_id: UUID,
    data: ImprovementActionCreate,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
) -> ImprovementActionRead:
    """Add an action to the interview's improvement plan (while scheduled or held)."""
    action = await improvement_service.add_action(session, viewer, interview_id, data)
    response.headers["Location"] = f"{router.prefix}{ACTIONS}/{action.id}"
    return to_read(action)


@router.get("/interviews/{interview_id}/improvement-plan", responses=problems(404))
async def get_improvement_plan(
    interview_id: UUID, session: SessionDep, viewer: ViewerDep
) -> ImprovementPlanRead:
    """The interview's improvement plan: its actions, and how many are open or overdue."""
    return await improvement_service.plan(session, viewer, interview_id)


@router.post(
    f"{ACTIONS}/overdue-sweep",
    dependencies=[require_roles(Role.HR, Role.ADMIN)],
    responses=problems(),
)
async def sweep_overdue_actions(session: SessionDep, viewer: ViewerDep) -> OverdueSweepResult:
    """Notice open actions past their due date: one `feedback.action.overdue` event each, once.

    Idempotent; a scheduler calls it (e.g. daily, per tenant)."""
    return await improvement_service.sweep_overdue(session, viewer.identity)


@router.get(ACTIONS, responses=problems())
async def list_improvement_actions(
    session: SessionDep,
    viewer: ViewerDep,
    params: Annotated[PageParams, Depends(page_params)],
    employee_id: UUID | None = None,
    interview_id: UUID | None = None,
    owner_id: UUID | None = None,
    status: ActionStatus | None = None,
    open: Annotated[bool, Query(description="Only open or in-progress actions.")] = False,
    overdue: Annotated[bool, Query(description="Only open actions past their due date.")] = False,
) -> Page[ImprovementActionRead]:
    """Improvement actions the caller can see; `open=true` is what next-cycle planning imports."""
    return await improvement_service.page(
        session,
        viewer,
        params,
        employee_id=employee_id,
        interview_id=interview_id,
        owner_id=owner_id,
        status=status,
        open_only=open,
        overdue=overdue,
    )


@router.get(f"{ACTIONS}/{{action_id}}", responses=problems(404))
async def get_improvement_action(
    action_id: UUID, session: SessionDep, viewer: ViewerDep
) -> ImprovementActionRead:
    """One improvement action."""
    return to_read(await improvement_service.get(session, viewer, action_id))


@router.patch(f"{ACTIONS}/{{action_id}}", dependencies=[MANAGER_SIDE], responses=problems(404, 409))
async def update_improvement_action(
    action_id: UUID, data: ImprovementActionUpdate, session: SessionDep, viewer: ViewerDep
) -> ImprovementActionRead:
    """Change an open action (manager of record or HR); a new due date re-arms the overdue flag."""
    return to_read(await improvement_service.update_action(session, viewer, action_id, data))


@router.post(
    f"{ACTIONS}/{{action_id}}/progress",
    status_code=status.HTTP_201_CREATED,
    dependencies=[PERSON],
    responses=problems(404, 409),
)
async def add_improvement_progress(
    action_id: UUID, data: ProgressCreate, session: SessionDep, viewer: ViewerDep
) -> ImprovementActionRead:
    """Report progress on an action, optionally moving it to in_progress, done or cancelled."""
    return to_read(await improvement_service.add_progress(session, viewer, action_id, data))


@router.get(f"{ACTIONS}/{{action_id}}/progress", responses=problems(404))
async def list_improvement_progress(
    action_id: UUID, session: SessionDep, viewer: ViewerDep
) -> list[ProgressRead]:
    """The action's progress updates, oldest first."""
    return await improvement_service.progress(session, viewer, action_id)
