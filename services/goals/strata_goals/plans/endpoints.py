"""Routes of plans and agreements, check-ins, actuals and scores.

An employee sees their own plans, a manager those of their reporting line, HR and
integrations the tenant's; anyone else's plan answers 403, another tenant's 404.
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from strata_contracts.goals.plans import (
    ActualBulkCreate,
    ActualBulkResult,
    ActualCorrection,
    ActualCreate,
    ActualRead,
    AgreementRead,
    CheckInCreate,
    CheckInRead,
    OverdueCheckIn,
    PlanCreate,
    PlanExplanation,
    PlanRead,
    PlanScoreRead,
    PlanSign,
    PlanStatus,
    PlanSummary,
    PlanVersionCreate,
    PlanVersionRead,
    PlanWeightsSet,
)
from strata_contracts.identity import Role
from strata_contracts.pagination import Page
from strata_goals.api import PREFIX, IfMatch, errors
from strata_goals.plans.actuals import actual_service
from strata_goals.plans.checkins import check_in_service
from strata_goals.plans.reading import plan_reader
from strata_goals.plans.scoring import plan_scoring
from strata_goals.plans.versions import plan_versions
from strata_kit.concurrency import check_if_match, set_etag
from strata_kit.db import SessionDep
from strata_kit.identity import TenantCaller, require_roles
from strata_kit.pagination import PageParams, page_params

router = APIRouter(prefix=PREFIX, tags=["plans"])
Params = Annotated[PageParams, Depends(page_params)]
ACTUALS_WRITE = require_roles(Role.HR, Role.ADMIN, Role.MANAGER, Role.INTEGRATION)


@router.post(
    "/plans",
    response_model=PlanRead,
    status_code=status.HTTP_201_CREATED,
    responses=errors(403, 409, 422),
)
async def create_plan(data: PlanCreate, session: SessionDep, identity: TenantCaller) -> PlanRead:
    """Open an employee's plan for a cycle in planning (version 1: proposed, or the post's)."""
    return await plan_versions.create(session, identity, data)


@router.get("/plans", response_model=Page[PlanSummary], responses=errors(422))
async def list_plans(
    session: SessionDep,
    identity: TenantCaller,
    params: Params,
    cycle_id: uuid.UUID | None = None,
    employee_id: uuid.UUID | None = None,
    plan_status: Annotated[PlanStatus | None, Query(alias="status")] = None,
) -> Page[PlanSummary]:
    """The plans the caller may see (own, reporting line, or tenant), filtered."""
    return await plan_reader.list_plans(
        session, identity, params, cycle_id=cycle_id, employee_id=employee_id, status=plan_status
    )


@router.get("/plans/{plan_id}", response_model=PlanRead, responses=errors(403, 404))
async def get_plan(
    plan_id: uuid.UUID, session: SessionDep, identity: TenantCaller, response: Response
) -> PlanRead:
    """Read a plan with its current version, items and signatures (and its ETag)."""
    plan = await plan_reader.visible_plan(session, identity, plan_id)
    set_etag(response, plan)
    return await plan_reader.read(session, plan)


@router.get(
    "/employees/{employee_id}/cycles/{cycle_id}/plan",
    response_model=PlanRead,
    responses=errors(403, 404),
)
async def get_employee_plan(
    employee_id: uuid.UUID, cycle_id: uuid.UUID, session: SessionDep, identity: TenantCaller
) -> PlanRead:
    """Read an employee's plan for a cycle."""
    plan = await plan_reader.read_for(session, identity, employee_id, cycle_id)
    return await plan_reader.read(session, plan)


@router.get(
    "/plans/{plan_id}/versions",
    response_model=list[PlanVersionRead],
    responses=errors(403, 404),
)
async def list_plan_versions(
    plan_id: uuid.UUID, session: SessionDep, identity: TenantCaller
) -> list[PlanVersionRead]:
    """Every version of the plan, oldest first, with its items and signatures."""
    plan = await plan_reader.visible_plan(session, identity, plan_id)
    return await plan_reader.versions(session, plan)


@router.post(
    "/plans/{plan_id}/versions",
    response_model=PlanRead,
    status_code=status.HTTP_201_CREATED,
    responses=errors(403, 404, 409, 412, 422),
)
async def propose_plan_version(
    plan_id: uuid.UUID,
    data: PlanVersionCreate,
    session: SessionDep,
    identity: TenantCaller,
    request: Request,
    response: Response,
    _if_match: IfMatch = None,
) -> PlanRead:
    """Propose a new version (employee proposes, manager revises); both must sign it."""
    plan = await plan_reader.visible_plan(session, identity, plan_id)
    check_if_match(request, plan)
    result = await plan_versions.propose_version(session, identity, plan_id, data)
    set_etag(response, plan)
    return result


@router.put(
    "/plans/{plan_id}/weights",
    response_model=PlanRead,
    responses=errors(403, 404, 409, 412, 422),
)
async def set_plan_weights(
    plan_id: uuid.UUID,
    data: PlanWeightsSet,
    session: SessionDep,
    identity: TenantCaller,
    request: Request,
    response: Response,
    _if_match: IfMatch = None,
) -> PlanRead:
    """Reweight the plan's items as a new version; after planning, HR only, with a reason."""
    plan = await plan_reader.visible_plan(session, identity, plan_id)
    check_if_match(request, plan)
    result = await plan_versions.set_weights(session, identity, plan_id, data)
    set_etag(response, plan)
    return result


@router.post(
    "/plans/{plan_id}/signatures",
    response_model=PlanRead,
    status_code=status.HTTP_201_CREATED,
    responses=errors(403, 404, 409, 412, 422),
)
async def sign_plan(
    plan_id: uuid.UUID,
    data: PlanSign,
    session: SessionDep,
    identity: TenantCaller,
    request: Request,
    response: Response,
    _if_match: IfMatch = None,
) -> PlanRead:
    """Sign the current version as employee or manager; both signatures make the agreement."""
    plan = await plan_reader.visible_plan(session, identity, plan_id)
    check_if_match(request, plan)
    result = await plan_versions.sign(session, identity, plan_id, data)
    set_etag(response, plan)
    return result


@router.get("/plans/{plan_id}/agreement", response_model=AgreementRead, responses=errors(403, 404))
async def get_agreement(
    plan_id: uuid.UUID, session: SessionDep, identity: TenantCaller
) -> AgreementRead:
    """The performance agreement: the version both signed, who signed and when."""
    plan = await plan_reader.visible_plan(session, identity, plan_id)
    return await plan_reader.agreement(session, plan)


# --- check-ins -----------------------------------------------------------------------------


@router.post(
    "/plans/{plan_id}/check-ins",
    response_model=CheckInRead,
    status_code=status.HTTP_201_CREATED,
    responses=errors(403, 404, 409, 422),
)
async def record_check_in(
    plan_id: uuid.UUID, data: CheckInCreate, session: SessionDep, identity: TenantCaller
) -> CheckInRead:
    """Record a coaching check-in: progress per indicator, obstacles, the manager's guidance."""
    return await check_in_service.record_check_in(session, identity, plan_id, data)


@router.get(
    "/plans/{plan_id}/check-ins",
    response_model=Page[CheckInRead],
    responses=errors(403, 404, 422),
)
async def list_check_ins(
    plan_id: uuid.UUID, session: SessionDep, identity: TenantCaller, params: Params
) -> Page[CheckInRead]:
    """The plan's check-ins, oldest first."""
    plan = await plan_reader.visible_plan(session, identity, plan_id)
    return await check_in_service.list_check_ins(session, plan, params)


@router.get(
    "/check-ins/overdue", response_model=list[OverdueCheckIn], responses=errors(403, 404, 422)
)
async def list_overdue_check_ins(
    session: SessionDep,
    identity: TenantCaller,
    cycle_id: uuid.UUID | None = None,
    days: Annotated[
        int | None, Query(ge=1, le=366, description="Default: the policy's interval.")
    ] = None,
) -> list[OverdueCheckIn]:
    """Who in coaching has had no check-in lately (a manager's reporting line, or HR's tenant)."""
    return await check_in_service.overdue_check_ins(session, identity, cycle_id=cycle_id, days=days)


# --- actuals -------------------------------------------------------------------------------


@router.post(
    "/plans/{plan_id}/actuals",
    response_model=ActualRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[ACTUALS_WRITE],
    responses=errors(403, 404, 409, 422),
)
async def record_actual(
    plan_id: uuid.UUID, data: ActualCreate, session: SessionDep, identity: TenantCaller
) -> ActualRead:
    """Record an actual value (or level) for a plan item, with its source (audited)."""
    return await actual_service.record_actual(session, identity, plan_id, data)


@router.post(
    "/actuals/{actual_id}/corrections",
    response_model=ActualRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[require_roles(Role.HR, Role.ADMIN)],
    responses=errors(403, 404, 409, 422),
)
async def correct_actual(
    actual_id: uuid.UUID, data: ActualCorrection, session: SessionDep, identity: TenantCaller
) -> ActualRead:
    """Correct the actual in force of a plan item (HR; e.g. an upheld appeal), audited with
    before, after and reason; the score, the overall result and what builds on it follow."""
    return await actual_service.correct_actual(session, identity, actual_id, data)


@router.get(
    "/plans/{plan_id}/actuals",
    response_model=Page[ActualRead],
    responses=errors(403, 404, 422),
)
async def list_actuals(
    plan_id: uuid.UUID,
    session: SessionDep,
    identity: TenantCaller,
    params: Params,
    key: Annotated[uuid.UUID | None, Query(description="Only this plan item.")] = None,
) -> Page[ActualRead]:
    """Every actual recorded for the plan, oldest first (the latest per item counts)."""
    plan = await plan_reader.visible_plan(session, identity, plan_id)
    return await actual_service.list_actuals(session, plan, params, key)


@router.post(
    "/actuals/bulk",
    response_model=ActualBulkResult,
    status_code=status.HTTP_201_CREATED,
    dependencies=[require_roles(Role.HR, Role.ADMIN, Role.INTEGRATION)],
    responses=errors(403, 409, 422),
)
async def record_actuals_bulk(
    data: ActualBulkCreate, session: SessionDep, identity: TenantCaller
) -> ActualBulkResult:
    """Record actuals for many employees of a cycle, by employee and indicator; all or nothing."""
    return await actual_service.record_actuals_bulk(session, identity, data)


# --- scores --------------------------------------------------------------------------------


@router.get("/plans/{plan_id}/score", response_model=PlanScoreRead, responses=errors(403, 404, 409))
async def get_plan_score(
    plan_id: uuid.UUID, session: SessionDep, identity: TenantCaller
) -> PlanScoreRead:
    """The plan's weighted score with its per-perspective breakdown."""
    plan = await plan_reader.visible_plan(session, identity, plan_id)
    return await plan_scoring.score(session, plan)


@router.get(
    "/employees/{employee_id}/cycles/{cycle_id}/score",
    response_model=PlanScoreRead,
    responses=errors(403, 404, 409),
)
async def get_employee_score(
    employee_id: uuid.UUID, cycle_id: uuid.UUID, session: SessionDep, identity: TenantCaller
) -> PlanScoreRead:
    """An employee's weighted plan score for a cycle."""
    plan = await plan_reader.read_for(session, identity, employee_id, cycle_id)
    return await plan_scoring.score(session, plan)


@router.get(
    "/employees/{employee_id}/cycles/{cycle_id}/explanation",
    response_model=PlanExplanation,
    responses=errors(403, 404, 409),
)
async def explain_employee_score(
    employee_id: uuid.UUID, cycle_id: uuid.UUID, session: SessionDep, identity: TenantCaller
) -> PlanExplanation:
    """Every step of an employee's score for a cycle: parameters, actuals, scores, total."""
    plan = await plan_reader.read_for(session, identity, employee_id, cycle_id)
    return await plan_scoring.explain(session, plan)
