"""Webhook subscriptions: what a tenant subscribes to, and the queue of deliveries.

Every stored event becomes one delivery row per subscription of its tenant whose filter
matches, in the same transaction as the event. The dispatcher (dispatcher.py) sends them.
Deliveries of a disabled subscription wait, and resume when it is enabled again: nothing is
lost while a subscriber is down or switched off. Enabling a subscription also sends again the
deliveries that used up their retries (unless the call says `redeliver_failed: false`).
"""

import base64
import ipaddress
import secrets
import uuid
from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.gateway import (
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryRead,
    WebhookRead,
    WebhookReplayResult,
    WebhookUpdate,
)
from strata_contracts.pagination import Page
from strata_gateway.models import Event, WebhookDelivery, WebhookSubscription
from strata_gateway.webhooks.exceptions import DeliveryNotFound, WebhookNotFound, WebhookUrlRefused
from strata_gateway.webhooks.repository import WebhookRepository
from strata_kit.db import utcnow
from strata_kit.errors import field
from strata_kit.logging import get_logger
from strata_kit.pagination import PageParams

log = get_logger(__name__)
REPLAY_BATCH = 1000


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def matches(patterns: Sequence[str], event_type: str) -> bool:
    """Empty: everything. `goals.*` matches every goals event; otherwise exact types."""
    if not patterns:
        return True
    return any(
        event_type == p or (p.endswith(".*") and event_type.startswith(p[:-1])) for p in patterns
    )


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse URLs that would make the gateway call into its own network (SSRF), unless
    the installation allows it (development, tests)."""
    host = urlsplit(url).hostname or ""
    if allow_private:
        return
    private = host == "localhost" or host.endswith(".localhost")
    try:
        address = ipaddress.ip_address(host)
        private = private or not address.is_global
    except ValueError:
        pass
    if private:
        raise WebhookUrlRefused(
            "Webhook URLs must point at a public address.",
            errors=[field("url", "loopback, private and link-local addresses are refused")],
        )


def _validate_types(types: Sequence[str]) -> None:
    for index, pattern in enumerate(types):
        name = pattern.removesuffix(".*")
        if not name or any(not part for part in name.split(".")) or "*" in name:
            raise WebhookUrlRefused(
                "Event type filters are dotted names, optionally ending in `.*`.",
                errors=[field(f"event_types/{index}", f"not a type or pattern: {pattern!r}")],
            )


class WebhookService:
    async def create(
        self,
        session: AsyncSession,
        tenant_id: uuid.UUID,
        body: WebhookCreate,
        *,
        allow_private: bool,
    ) -> WebhookCreated:
        check_url(str(body.url), allow_private=allow_private)
        _validate_types(body.event_types)
        subscription = WebhookSubscription(
            tenant_id=tenant_id,
            url=str(body.url),
            event_types=sorted(set(body.event_types)),
            description=body.description,
            secret=new_secret(),
        )
        WebhookRepository(session).add(subscription)
        await session.flush()
        log.info("webhook.created", subscription_id=str(subscription.id))
        return WebhookCreated(
            **WebhookRead.model_validate(subscription, from_attributes=True).model_dump(),
            secret=subscription.secret,
        )

    async def get(self, session: AsyncSession, subscription_id: uuid.UUID) -> WebhookSubscription:
        subscription = await WebhookRepository(session).get(subscription_id)
        if subscription is None:
            raise WebhookNotFound()
        return subscription

    async def page(self, session: AsyncSession, params: PageParams) -> Page[WebhookRead]:
        return await WebhookRepository(session).page(params, WebhookRead)

    async def update(
        self,
        session: AsyncSession,
        subscription: WebhookSubscription,
        body: WebhookUpdate,
        *,
        allow_private: bool,
    ) -> WebhookSubscription:
        changes = body.model_dump(exclude_unset=True)
        if changes.get("url") is not None:
            check_url(str(body.url), allow_private=allow_private)
            subscription.url = str(body.url)
        if body.event_types is not None:
            _validate_types(body.event_types)
            subscription.event_types = sorted(set(body.event_types))
        if "description" in changes:
            subscription.description = body.description
        if body.enabled is not None:
            if body.enabled and not subscription.enabled and body.redeliver_failed:
                # The deliveries that used up their retries (the one that disabled the
                # subscription, and any before it) go again first, in order per subject.
                requeued = await WebhookRepository(session).requeue_failed(
                    subscription.id, utcnow()
                )
                log.info("webhook.enabled", subscription_id=str(subscription.id), resent=requeued)
            subscription.enabled = body.enabled
            subscription.disabled_reason = None if body.enabled else "disabled by the tenant"
        session.add(subscription)
        await session.flush()
        return subscription

    async def delete(self, session: AsyncSession, subscription: WebhookSubscription) -> None:
        await session.delete(subscription)
        await session.flush()

    async def deliveries(
        self,
        session: AsyncSession,
        subscription_id: uuid.UUID,
        status: str | None,
        params: PageParams,
    ) -> Page[WebhookDeliveryRead]:
        await self.get(session, subscription_id)
        return await WebhookRepository(session).page_deliveries(subscription_id, status, params)

    async def redeliver(
        self, session: AsyncSession, subscription_id: uuid.UUID, delivery_id: uuid.UUID
    ) -> WebhookDeliveryRead:
        delivery = await WebhookRepository(session).get_delivery(subscription_id, delivery_id)
        if delivery is None:
            raise DeliveryNotFound()
        delivery.status = "pending"
        delivery.next_attempt_at = utcnow()
        session.add(delivery)
        await session.flush()
        return WebhookDeliveryRead.model_validate(delivery, from_attributes=True)

    async def replay(
        self, session: AsyncSession, subscription: WebhookSubscription, after_position: int
    ) -> WebhookReplayResult:
        """Queue again every matching event after a position (one delivery per event: an
        event already delivered is queued again with its delivery reset)."""
        repository = WebhookRepository(session)
        queued, position = 0, after_position
        while True:
            events = await repository.tenant_events_after(
                subscription.tenant_id, position, REPLAY_BATCH
            )
            if not events:
                break
            position = int(events[-1].position or position)
            wanted = [e for e in events if matches(subscription.event_types, e.type)]
            existing = await repository.delivered_event_ids(subscription.id, [e.id for e in wanted])
            for event in wanted:
                if event.id in existing:
                    delivery = await repository.delivery_for(subscription.id, event.id)
                    if delivery is not None:
                        delivery.status, delivery.next_attempt_at = "pending", utcnow()
                        session.add(delivery)
                else:
                    repository.add(_delivery(subscription, event))
                queued += 1
        await session.flush()
        return WebhookReplayResult(queued=queued)

    async def enqueue(self, session: AsyncSession, events: Sequence[Event]) -> int:
        """Queue deliveries for newly stored events (the hub's transaction, any tenant)."""
        tenants = sorted({e.tenant_id for e in events})
        subscriptions = await WebhookRepository(session).for_tenants(tenants)
        count = 0
        for event in events:
            for subscription in subscriptions:
                if subscription.tenant_id == event.tenant_id and matches(
                    subscription.event_types, event.type
                ):
                    session.add(_delivery(subscription, event))
                    count += 1
        return count


def _delivery(subscription: WebhookSubscription, event: Event) -> WebhookDelivery:
    return WebhookDelivery(
        tenant_id=subscription.tenant_id,
        subscription_id=subscription.id,
        event_id=event.id,
        event_position=int(event.position or 0),
        subject=event.subject,
    )


webhook_service = WebhookService()
