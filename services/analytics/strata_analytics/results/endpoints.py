import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from strata_analytics.results.service import result_service
from strata_contracts.analytics.results import (
    GroupRollup,
    OverallResultRead,
    PerspectiveRollup,
    ResultExplanation,
    ResultPolicyRead,
    ResultPolicyWrite,
    StrategyNode,
)
from strata_contracts.identity import Role
from strata_contracts.pagination import Page
from strata_contracts.problem import Problem
from strata_kit.db import SessionDep
from strata_kit.identity import TenantCaller, TenantIdentity, require_roles
from strata_kit.pagination import PageParams, page_params

router = APIRouter(prefix="/api/v1/analytics", tags=["results"])
HR = Annotated[TenantIdentity, require_roles(Role.ADMIN, Role.HR)]
Reader = Annotated[TenantIdentity, require_roles(Role.ADMIN, Role.HR, Role.INTEGRATION)]


def errors(*codes: int) -> dict[int | str, dict[str, object]]:
    return {code: {"model": Problem} for code in (401, 403, *codes)}


@router.get("/result-policies", response_model=list[ResultPolicyRead], responses=errors())
async def list_result_policies(session: SessionDep, _: Reader) -> list[ResultPolicyRead]:
    """Weights and bands in force: the tenant default and any per 360 template."""
    return await result_service.policies(session)


@router.put("/result-policies/default", response_model=ResultPolicyRead, responses=errors(422))
async def set_default_result_policy(
    session: SessionDep, identity: HR, body: ResultPolicyWrite
) -> ResultPolicyRead:
    """Set the tenant's weights and bands; unlocked results are recomputed (audited)."""
    return await result_service.set_policy(session, identity, None, body)


@router.put(
    "/result-policies/templates/{template_id}",
    response_model=ResultPolicyRead,
    responses=errors(422),
)
async def set_template_result_policy(
    session: SessionDep, identity: HR, template_id: uuid.UUID, body: ResultPolicyWrite
) -> ResultPolicyRead:
    """Set weights and bands for results whose 360 used this template (audited)."""
    return await result_service.set_policy(session, identity, template_id, body)


@router.get("/results", response_model=Page[OverallResultRead], responses=errors(422))
async def list_results(
    session: SessionDep,
    identity: TenantCaller,
    params: Annotated[PageParams, Depends(page_params)],
    cycle_id: uuid.UUID | None = None,
    employee_id: uuid.UUID | None = None,
) -> Page[OverallResultRead]:
    """Overall results the caller may see (HR all, a manager their line, an employee their own)."""
    return await result_service.list_results(session, identity, params, cycle_id, employee_id)


@router.get(
    "/results/{employee_id}/{cycle_id}", response_model=OverallResultRead, responses=errors(404)
)
async def get_result(
    session: SessionDep, identity: TenantCaller, employee_id: uuid.UUID, cycle_id: uuid.UUID
) -> OverallResultRead:
    """One employee's overall result for a cycle."""
    return await result_service.get(session, identity, employee_id, cycle_id)


@router.get(
    "/results/{employee_id}/{cycle_id}/explanation",
    response_model=ResultExplanation,
    responses=errors(404),
)
async def explain_result(
    session: SessionDep, identity: TenantCaller, employee_id: uuid.UUID, cycle_id: uuid.UUID
) -> ResultExplanation:
    """How the result was computed: every step from actuals and ratings to the band."""
    return await result_service.explain(session, identity, employee_id, cycle_id)


@router.get("/rollups/org-units", response_model=list[GroupRollup], responses=errors(422))
async def rollup_org_units(
    session: SessionDep, identity: TenantCaller, cycle_id: uuid.UUID
) -> list[GroupRollup]:
    """Results per department, then for the enterprise."""
    return await result_service.rollups(session, identity, cycle_id)


@router.get("/rollups/perspectives", response_model=list[PerspectiveRollup], responses=errors(422))
async def rollup_perspectives(
    session: SessionDep,
    identity: TenantCaller,
    cycle_id: uuid.UUID,
    org_unit_id: Annotated[uuid.UUID | None, Query(description="One department only.")] = None,
) -> list[PerspectiveRollup]:
    """Attainment per Balanced Scorecard perspective."""
    return await result_service.perspectives(session, identity, cycle_id, org_unit_id)


@router.get("/rollups/strategy", response_model=list[StrategyNode], responses=errors(422))
async def rollup_strategy(
    session: SessionDep, identity: TenantCaller, cycle_id: uuid.UUID
) -> list[StrategyNode]:
    """Strategy attainment along the cascade: objectives, department and post indicators."""
    return await result_service.strategy(session, identity, cycle_id)
