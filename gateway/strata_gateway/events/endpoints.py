import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from strata_contracts.events import EventBatch, EventBatchResult, EventFeedPage
from strata_contracts.identity import IDENTITY_HEADER, IdentityClaims, Role
from strata_contracts.problem import Problem
from strata_gateway.events.service import event_service, parse_types
from strata_kit.db import SessionDep, allow_cross_tenant
from strata_kit.errors import Forbidden, Unauthorized
from strata_kit.identity import (
    InvalidIdentity,
    TenantIdentity,
    require_roles,
    verify_identity_token,
)

router = APIRouter(prefix="/api/v1", tags=["events"])
internal = APIRouter(prefix="/internal/v1", include_in_schema=False)
Reader = Annotated[TenantIdentity, require_roles(Role.ADMIN, Role.HR, Role.INTEGRATION)]


async def platform_caller(request: Request) -> IdentityClaims:
    """A Strata service (platform identity, no tenant) — the only caller of /internal."""
    token = request.headers.get(IDENTITY_HEADER)
    if token is None:
        raise Unauthorized("Internal endpoints need a service identity.")
    secret = request.app.state.settings.platform.internal_token_secret.get_secret_value()
    try:
        claims = verify_identity_token(token, secret)
    except InvalidIdentity as exc:
        raise Unauthorized("The internal identity token is invalid.") from exc
    if claims.tenant_id is not None or not claims.subject.startswith("service:"):
        raise Forbidden("Internal endpoints are for Strata services only.")
    return claims


Platform = Annotated[IdentityClaims, Depends(platform_caller)]


@router.get(
    "/events",
    response_model=EventFeedPage,
    responses={401: {"model": Problem}, 403: {"model": Problem}, 422: {"model": Problem}},
)
async def list_events(
    session: SessionDep,
    identity: Reader,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    types: Annotated[str | None, Query(description="Comma-separated event types.")] = None,
) -> EventFeedPage:
    """The tenant's events in order; poll with `next_cursor` to receive new ones."""
    allow_cross_tenant(session)  # the event table filters tenant_id explicitly
    return await event_service.feed(
        session, cursor=cursor, limit=limit, tenant_id=identity.tenant_id, types=parse_types(types)
    )


@internal.post("/events", response_model=EventBatchResult)
async def receive_events(
    session: SessionDep, caller: Platform, batch: EventBatch
) -> EventBatchResult:
    """Receive a batch from a service's outbox relay (deduplicated by event id)."""
    allow_cross_tenant(session)
    result = await event_service.ingest(session, batch, caller.subject.removeprefix("service:"))
    return result


@internal.get("/events", response_model=EventFeedPage)
async def internal_feed(
    session: SessionDep,
    _: Platform,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
    types: str | None = None,
    tenant: uuid.UUID | None = None,
) -> EventFeedPage:
    """Every tenant's events (or one tenant's) after a position, for Strata's consumers."""
    allow_cross_tenant(session)
    return await event_service.after_position(
        session, after=after, limit=limit, types=parse_types(types), tenant_id=tenant
    )
