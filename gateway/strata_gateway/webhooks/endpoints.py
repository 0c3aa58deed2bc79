import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status

from strata_contracts.gateway import (
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryRead,
    WebhookRead,
    WebhookReplay,
    WebhookReplayResult,
    WebhookUpdate,
)
from strata_contracts.identity import Role
from strata_contracts.pagination import Page
from strata_contracts.problem import Problem
from strata_gateway.models import WebhookSubscription
from strata_gateway.webhooks.service import webhook_service
from strata_kit.concurrency import check_if_match, set_etag
from strata_kit.db import SessionDep
from strata_kit.identity import TenantIdentity, require_roles
from strata_kit.pagination import PageParams, page_params

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
Manager = Annotated[TenantIdentity, require_roles(Role.ADMIN, Role.INTEGRATION)]
_errors: dict[int | str, dict[str, object]] = {
    401: {"model": Problem, "description": "No valid API key or token."},
    403: {"model": Problem, "description": "Needs the admin or integration role."},
    404: {"model": Problem, "description": "No such subscription (in this tenant)."},
}


async def valid_subscription(
    session: SessionDep, _: Manager, webhook_id: uuid.UUID
) -> WebhookSubscription:
    return await webhook_service.get(session, webhook_id)


Subscription = Annotated[WebhookSubscription, Depends(valid_subscription)]


def _allow_private(request: Request) -> bool:
    return bool(request.app.state.settings.webhook_allow_private_urls)


@router.post(
    "", response_model=WebhookCreated, status_code=status.HTTP_201_CREATED, responses=_errors
)
async def create_webhook(
    request: Request, session: SessionDep, identity: Manager, body: WebhookCreate
) -> WebhookCreated:
    """Subscribe an endpoint to events; the signing secret is shown this once."""
    return await webhook_service.create(
        session, identity.tenant_id, body, allow_private=_allow_private(request)
    )


@router.get("", response_model=Page[WebhookRead], responses=_errors)
async def list_webhooks(
    session: SessionDep, _: Manager, params: Annotated[PageParams, Depends(page_params)]
) -> Page[WebhookRead]:
    """The tenant's webhook subscriptions."""
    return await webhook_service.page(session, params)


@router.get("/{webhook_id}", response_model=WebhookRead, responses=_errors)
async def get_webhook(subscription: Subscription, response: Response) -> WebhookRead:
    """One subscription (with its ETag)."""
    set_etag(response, subscription)
    return WebhookRead.model_validate(subscription, from_attributes=True)


@router.patch(
    "/{webhook_id}", response_model=WebhookRead, responses={**_errors, 412: {"model": Problem}}
)
async def update_webhook(
    request: Request,
    response: Response,
    session: SessionDep,
    subscription: Subscription,
    body: WebhookUpdate,
) -> WebhookRead:
    """Change a subscription's URL, filter, description, or switch it on or off (If-Match)."""
    check_if_match(request, subscription)
    updated = await webhook_service.update(
        session, subscription, body, allow_private=_allow_private(request)
    )
    set_etag(response, updated)
    return WebhookRead.model_validate(updated, from_attributes=True)


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**_errors, 412: {"model": Problem}},
)
async def delete_webhook(request: Request, session: SessionDep, subscription: Subscription) -> None:
    """Remove a subscription and its delivery log (If-Match)."""
    check_if_match(request, subscription)
    await webhook_service.delete(session, subscription)


@router.get("/{webhook_id}/deliveries", response_model=Page[WebhookDeliveryRead], responses=_errors)
async def list_webhook_deliveries(
    session: SessionDep,
    subscription: Subscription,
    params: Annotated[PageParams, Depends(page_params)],
    delivery_status: Annotated[
        Literal["pending", "succeeded", "failed"] | None, Query(alias="status")
    ] = None,
) -> Page[WebhookDeliveryRead]:
    """The delivery log of a subscription: attempts, status codes, errors."""
    return await webhook_service.deliveries(session, subscription.id, delivery_status, params)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    response_model=WebhookDeliveryRead,
    responses=_errors,
)
async def redeliver_webhook(
    session: SessionDep, subscription: Subscription, delivery_id: uuid.UUID
) -> WebhookDeliveryRead:
    """Send one delivery again now, whatever its state."""
    return await webhook_service.redeliver(session, subscription.id, delivery_id)


@router.post("/{webhook_id}/replay", response_model=WebhookReplayResult, responses=_errors)
async def replay_webhook(
    session: SessionDep, subscription: Subscription, body: WebhookReplay
) -> WebhookReplayResult:
    """Queue again every matching event after a feed position."""
    return await webhook_service.replay(session, subscription, body.after_position)
