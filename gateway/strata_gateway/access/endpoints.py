import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from strata_contracts.gateway import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    TenantRead,
    TenantUpdate,
)
from strata_contracts.goals.client import GoalsClient
from strata_contracts.identity import Role
from strata_contracts.pagination import Page
from strata_contracts.problem import Problem
from strata_gateway.access.service import access_service
from strata_kit.context import current_request_id
from strata_kit.db import SessionDep
from strata_kit.identity import TenantCaller, TenantIdentity, require_roles
from strata_kit.pagination import PageParams, page_params

router = APIRouter(prefix="/api/v1", tags=["access"])
Admin = Annotated[TenantIdentity, require_roles(Role.ADMIN)]
_errors: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "No valid API key or token."},
    403: {"model": Problem, "description": "The caller lacks the admin role."},
}


@router.get("/tenant", response_model=TenantRead, responses=_errors)
async def get_current_tenant(session: SessionDep, identity: TenantCaller) -> TenantRead:
    """The tenant the caller acts for."""
    return await access_service.get_tenant(session, identity.tenant_id)


@router.patch(
    "/tenant",
    response_model=TenantRead,
    responses={**_errors, 422: {"model": Problem, "description": "An unknown language."}},
)
async def update_current_tenant(
    request: Request, session: SessionDep, identity: Admin, body: TenantUpdate
) -> TenantRead:
    """Set the tenant's default language (`en` or `zh-CN`): problem titles, the default
    360 template and the HTML reports use it when a request sends no `Accept-Language`
    (an explicit `Accept-Language` always wins). Admin only. Other gateway replicas see
    the change within the API-key cache time."""
    updated = await access_service.update_tenant(session, identity.tenant_id, body)
    request.app.state.authenticator.forget_language(identity.tenant_id)
    return updated


@router.get("/keys", response_model=Page[ApiKeyRead], responses=_errors)
async def list_api_keys(
    session: SessionDep,
    _: Admin,
    params: Annotated[PageParams, Depends(page_params)],
) -> Page[ApiKeyRead]:
    """The tenant's API keys (never their secrets)."""
    return await access_service.list_keys(session, params)


@router.post(
    "/keys",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    responses={
        **_errors,
        422: {"model": Problem, "description": "Invalid fields, or no such employee."},
        503: {"model": Problem, "description": "Goals cannot be reached to check employee_id."},
    },
)
async def create_api_key(
    request: Request, session: SessionDep, identity: Admin, body: ApiKeyCreate
) -> ApiKeyCreated:
    """Create an API key for the caller's tenant; the secret is shown this once. A person
    key's `employee_id` must be an employee of the tenant (422 otherwise)."""
    return await access_service.create_key(
        session, identity.tenant_id, body, directory=goals_as_caller(request)
    )


def goals_as_caller(request: Request) -> GoalsClient:
    """The goals API, called with the caller's own identity (so only their tenant)."""
    return GoalsClient(
        request.app.state.upstreams["goals"],
        identity_token=request.scope["state"]["identity_token"],
        request_id=current_request_id(),
    )


@router.delete(
    "/keys/{key_id}",
    response_model=ApiKeyRead,
    responses={**_errors, 404: {"model": Problem, "description": "No such key."}},
)
async def revoke_api_key(session: SessionDep, _: Admin, key_id: uuid.UUID) -> ApiKeyRead:
    """Revoke a key: it stops working within the key cache time (seconds)."""
    return await access_service.revoke_key(session, key_id)
