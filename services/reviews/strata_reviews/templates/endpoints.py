from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, Response, status

from strata_contracts.pagination import Page
from strata_contracts.reviews.templates import (
    TemplateCreate,
    TemplateDefinition,
    TemplateRead,
    TemplateUpdate,
    TemplateVersionCreate,
    TemplateVersionRead,
    TemplateVersionSummary,
)
from strata_kit.concurrency import check_if_match, set_etag
from strata_kit.db import SessionDep
from strata_kit.i18n import language
from strata_kit.identity import TenantCaller, TenantIdentity, require_roles
from strata_kit.pagination import PageParams, page_params
from strata_reviews.access import HR_ROLES
from strata_reviews.openapi import problems
from strata_reviews.templates.defaults import default_definition
from strata_reviews.templates.service import template_read, template_service

router = APIRouter(prefix="/api/v1/reviews/templates", tags=["templates"])
HrCaller = Annotated[TenantIdentity, require_roles(*HR_ROLES)]
Params = Annotated[PageParams, Depends(page_params)]


@router.get("/default-definition", response_model=TemplateDefinition, responses=problems(403))
async def get_default_definition(request: Request, identity: TenantCaller) -> TemplateDefinition:
    """The default competency model, to start a customised template from; in Simplified
    Chinese for `Accept-Language: zh-CN` (the same keys and scale values)."""
    return default_definition(language(request.headers.get("accept-language")))


@router.post(
    "",
    response_model=TemplateRead,
    status_code=status.HTTP_201_CREATED,
    responses=problems(403, 409),
)
async def create_template(
    data: TemplateCreate, session: SessionDep, identity: HrCaller
) -> TemplateRead:
    """Create a template (version 1); without a definition it uses the default model."""
    return await template_service.create(session, identity, data)


@router.get("", response_model=Page[TemplateRead], responses=problems(403))
async def list_templates(
    session: SessionDep, identity: TenantCaller, params: Params
) -> Page[TemplateRead]:
    """List the tenant's templates."""
    return await template_service.list_templates(session, params)


@router.get("/{template_id}", response_model=TemplateRead, responses=problems(403, 404))
async def get_template(
    template_id: UUID, response: Response, session: SessionDep, identity: TenantCaller
) -> TemplateRead:
    """One template, with its latest version number (and its ETag)."""
    row = await template_service.get_row(session, template_id)
    set_etag(response, row)
    return template_read(row)


@router.patch(
    "/{template_id}", response_model=TemplateRead, responses=problems(403, 404, 409, 412, 428)
)
async def update_template(
    template_id: UUID,
    data: TemplateUpdate,
    request: Request,
    response: Response,
    session: SessionDep,
    identity: HrCaller,
) -> TemplateRead:
    """Rename or redescribe a template (send `If-Match` with the ETag you read)."""
    row = await template_service.get_row(session, template_id)
    check_if_match(request, row)
    updated = await template_service.update(session, identity, template_id, data)
    set_etag(response, row)
    return updated


@router.post(
    "/{template_id}/versions",
    response_model=TemplateVersionRead,
    status_code=status.HTTP_201_CREATED,
    responses=problems(403, 404),
)
async def create_template_version(
    template_id: UUID, data: TemplateVersionCreate, session: SessionDep, identity: HrCaller
) -> TemplateVersionRead:
    """Write a new version; campaigns already set up keep theirs."""
    return await template_service.add_version(session, identity, template_id, data)


@router.get(
    "/{template_id}/versions",
    response_model=Page[TemplateVersionSummary],
    responses=problems(403, 404),
)
async def list_template_versions(
    template_id: UUID, session: SessionDep, identity: TenantCaller, params: Params
) -> Page[TemplateVersionSummary]:
    """List a template's versions, oldest first."""
    return await template_service.list_versions(session, template_id, params)


@router.get(
    "/{template_id}/versions/{version}",
    response_model=TemplateVersionRead,
    responses=problems(403, 404),
)
async def get_template_version(
    template_id: UUID, version: int, session: SessionDep, identity: TenantCaller
) -> TemplateVersionRead:
    """One version in full: scales with anchors, competencies, items and questions."""
    return await template_service.get_version(session, template_id, version)
