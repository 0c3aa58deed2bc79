"""Routes of the strategy cascade: objectives, indicators and their links, templates, the
cascade tree and the coverage report. Everyone in the tenant reads them; HR changes them."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from strata_contracts.goals.strategy import (
    CascadeTree,
    CoverageReport,
    IndicatorCreate,
    IndicatorLinksReplace,
    IndicatorRead,
    IndicatorTemplateCreate,
    IndicatorTemplateRead,
    IndicatorTemplateUpdate,
    IndicatorUpdate,
    ObjectiveCreate,
    ObjectiveRead,
    ObjectiveUpdate,
    TemplateAssignment,
    TemplateAssignmentResult,
)
from strata_contracts.goals.vocabulary import Level
from strata_contracts.identity import Role
from strata_contracts.pagination import Page
from strata_goals.api import HR, PREFIX, IfMatch, errors
from strata_goals.strategy.cascade import cascade_service
from strata_goals.strategy.indicators import indicator_service
from strata_goals.strategy.objectives import objective_service
from strata_goals.strategy.ports import PlanPortDep
from strata_goals.strategy.rules import objective_read, template_read
from strata_goals.strategy.templates import template_service
from strata_kit.concurrency import check_if_match, set_etag
from strata_kit.db import SessionDep
from strata_kit.errors import Forbidden
from strata_kit.identity import TenantCaller
from strata_kit.pagination import PageParams, page_params

router = APIRouter(prefix=PREFIX, tags=["strategy"])
Params = Annotated[PageParams, Depends(page_params)]


# --- objectives ----------------------------------------------------------------------------


@router.post(
    "/objectives",
    response_model=ObjectiveRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[HR],
    responses=errors(403, 409, 422),
)
async def create_objective(
    data: ObjectiveCreate, session: SessionDep, identity: TenantCaller
) -> ObjectiveRead:
    """Create an enterprise strategic objective in one Balanced Scorecard perspective."""
    return await objective_service.create_objective(session, identity, data)


@router.get("/objectives", response_model=Page[ObjectiveRead], responses=errors(422))
async def list_objectives(
    session: SessionDep, _: TenantCaller, params: Params, active: bool | None = None
) -> Page[ObjectiveRead]:
    """List the enterprise objectives."""
    return await objective_service.list_objectives(session, params, active=active)


@router.get("/objectives/{objective_id}", response_model=ObjectiveRead, responses=errors(404))
async def get_objective(
    objective_id: uuid.UUID, session: SessionDep, _: TenantCaller, response: Response
) -> ObjectiveRead:
    """Read one objective (with its ETag)."""
    objective = await objective_service.get_objective(session, objective_id)
    set_etag(response, objective)
    return objective_read(objective)


@router.patch(
    "/objectives/{objective_id}",
    response_model=ObjectiveRead,
    dependencies=[HR],
    responses=errors(403, 404, 409, 412, 422),
)
async def update_objective(
    objective_id: uuid.UUID,
    data: ObjectiveUpdate,
    session: SessionDep,
    identity: TenantCaller,
    request: Request,
    response: Response,
    _if_match: IfMatch = None,
) -> ObjectiveRead:
    """Change an objective (audited)."""
    objective = await objective_service.get_objective(session, objective_id)
    check_if_match(request, objective)
    updated = await objective_service.update_objective(session, identity, objective_id, data)
    set_etag(response, objective)
    return updated


# --- indicators ----------------------------------------------------------------------------


@router.post(
    "/indicators",
    response_model=IndicatorRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[HR],
    responses=errors(403, 409, 422),
)
async def create_indicator(
    data: IndicatorCreate, session: SessionDep, identity: TenantCaller
) -> IndicatorRead:
    """Create a KPI at the enterprise, department or post level, linked to what it serves."""
    return await indicator_service.create_indicator(session, identity, data)


@router.get("/indicators", response_model=Page[IndicatorRead], responses=errors(422))
async def list_indicators(
    session: SessionDep,
    _: TenantCaller,
    params: Params,
    level: Level | None = None,
    org_unit_id: uuid.UUID | None = None,
    position_id: uuid.UUID | None = None,
    active: bool | None = None,
) -> Page[IndicatorRead]:
    """List indicators, filtered by level, unit, position or whether active."""
    return await indicator_service.list_indicators(
        session,
        params,
        level=level,
        org_unit_id=org_unit_id,
        position_id=position_id,
        active=active,
    )


@router.get("/indicators/{indicator_id}", response_model=IndicatorRead, responses=errors(404))
async def get_indicator(
    indicator_id: uuid.UUID, session: SessionDep, _: TenantCaller, response: Response
) -> IndicatorRead:
    """Read one indicator with its links (and its ETag)."""
    set_etag(response, await indicator_service.get_indicator(session, indicator_id))
    return await indicator_service.read_indicator(session, indicator_id)


@router.patch(
    "/indicators/{indicator_id}",
    response_model=IndicatorRead,
    dependencies=[HR],
    responses=errors(403, 404, 409, 412, 422),
)
async def update_indicator(
    indicator_id: uuid.UUID,
    data: IndicatorUpdate,
    session: SessionDep,
    identity: TenantCaller,
    request: Request,
    response: Response,
    _if_match: IfMatch = None,
) -> IndicatorRead:
    """Change an indicator's definition or parameters (audited; plans keep their copy)."""
    indicator = await indicator_service.get_indicator(session, indicator_id)
    check_if_match(request, indicator)
    updated = await indicator_service.update_indicator(session, identity, indicator_id, data)
    set_etag(response, indicator)
    return updated


@router.put(
    "/indicators/{indicator_id}/links",
    response_model=IndicatorRead,
    dependencies=[HR],
    responses=errors(403, 404, 422),
)
async def replace_indicator_links(
    indicator_id: uuid.UUID,
    data: IndicatorLinksReplace,
    session: SessionDep,
    identity: TenantCaller,
) -> IndicatorRead:
    """Replace what the indicator serves, with contribution weights (audited)."""
    return await indicator_service.replace_links(session, identity, indicator_id, data.links)


# --- templates -----------------------------------------------------------------------------


@router.post(
    "/indicator-templates",
    response_model=IndicatorTemplateRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[HR],
    responses=errors(403, 409, 422),
)
async def create_indicator_template(
    data: IndicatorTemplateCreate, session: SessionDep, identity: TenantCaller
) -> IndicatorTemplateRead:
    """Add a reusable indicator to the library."""
    return await template_service.create_template(session, identity, data)


@router.get(
    "/indicator-templates", response_model=Page[IndicatorTemplateRead], responses=errors(422)
)
async def list_indicator_templates(
    session: SessionDep, _: TenantCaller, params: Params, active: bool | None = None
) -> Page[IndicatorTemplateRead]:
    """The library of reusable indicators."""
    return await template_service.list_templates(session, params, active=active)


@router.get(
    "/indicator-templates/{template_id}",
    response_model=IndicatorTemplateRead,
    responses=errors(404),
)
async def get_indicator_template(
    template_id: uuid.UUID, session: SessionDep, _: TenantCaller, response: Response
) -> IndicatorTemplateRead:
    """Read one indicator template (with its ETag)."""
    template = await template_service.get_template(session, template_id)
    set_etag(response, template)
    return template_read(template)


@router.patch(
    "/indicator-templates/{template_id}",
    response_model=IndicatorTemplateRead,
    dependencies=[HR],
    responses=errors(403, 404, 409, 412, 422),
)
async def update_indicator_template(
    template_id: uuid.UUID,
    data: IndicatorTemplateUpdate,
    session: SessionDep,
    identity: TenantCaller,
    request: Request,
    response: Response,
    _if_match: IfMatch = None,
) -> IndicatorTemplateRead:
    """Change a template (indicators made from it keep their own parameters)."""
    template = await template_service.get_template(session, template_id)
    check_if_match(request, template)
    updated = await template_service.update_template(session, identity, template_id, data)
    set_etag(response, template)
    return updated


@router.post(
    "/indicator-templates/{template_id}/assign",
    response_model=TemplateAssignmentResult,
    dependencies=[HR],
    responses=errors(403, 404, 409, 422),
)
async def assign_indicator_template(
    template_id: uuid.UUID,
    data: TemplateAssignment,
    session: SessionDep,
    identity: TenantCaller,
    plans: PlanPortDep,
) -> TemplateAssignmentResult:
    """Assign a template to a position or a department, and to its holders' plans, in one call."""
    return await template_service.assign_template(session, identity, template_id, data, plans)


# --- cascade and coverage ------------------------------------------------------------------


@router.get("/cascade", response_model=CascadeTree, responses=errors(403, 404, 422))
async def get_cascade(
    session: SessionDep,
    identity: TenantCaller,
    plans: PlanPortDep,
    cycle_id: Annotated[
        uuid.UUID | None, Query(description="Roll attainment up from this cycle's plans.")
    ] = None,
) -> CascadeTree:
    """The cascade tree: objectives → department indicators → post indicators (attainment
    from a cycle for HR, admin and integrations only: it shows individual results)."""
    if cycle_id is not None and not identity.has_any(Role.HR, Role.ADMIN, Role.INTEGRATION):
        raise Forbidden("Attainment shows individual results: HR, admin and integrations only.")
    return await cascade_service.cascade(session, cycle_id, plans)


@router.get("/coverage", response_model=CoverageReport, responses=errors(422))
async def get_coverage(
    session: SessionDep,
    _: TenantCaller,
    min_indicators: Annotated[int | None, Query(ge=0, le=50)] = None,
    max_indicators: Annotated[int | None, Query(ge=0, le=50)] = None,
) -> CoverageReport:
    """What the cascade leaves uncovered; the indicator range per post defaults to the policy."""
    return await cascade_service.coverage(
        session, min_indicators=min_indicators, max_indicators=max_indicators
    )
