"""Sending webhook deliveries: signed per Standard Webhooks, retried on a schedule.

Each round leases due deliveries (pushes `next_attempt_at` past the send timeout in a short
transaction, claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so replicas never send the
same delivery at once), sends them concurrently, then records each outcome. A failure waits
`GATEWAY_WEBHOOK_RETRY_SCHEDULE[n]` before the next attempt; when the schedule is used up the
delivery is `failed` and its subscription is disabled (re-enable it, which resends the failed
deliveries, or redeliver by hand). Deliveries go out in order per subscription and subject:
`due()` offers only the earliest pending delivery of each subject, so a batch holds at most
one per subject and a later event waits for the earlier one's success or final failure.
"""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel.ext.asyncio.session import AsyncSession
from standardwebhooks.webhooks import Webhook

from strata_gateway.events.service import feed_event
from strata_gateway.models import Event, WebhookDelivery, WebhookSubscription
from strata_gateway.settings import GatewaySettings
from strata_gateway.webhooks.repository import WebhookRepository
from strata_kit.background import BackgroundWorker
from strata_kit.db import allow_cross_tenant, utcnow
from strata_kit.logging import get_logger

log = get_logger(__name__)
BATCH = 50
Outcome = tuple[int | None, str | None]


class WebhookDispatcher(BackgroundWorker):
    name = "webhook.dispatcher"

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: GatewaySettings,
        http: httpx.AsyncClient,
        *,
        idle_seconds: float = 0.5,
        failures: Counter | None = None,
    ) -> None:
        super().__init__()
        self.failures = failures
        self.sessionmaker = sessionmaker
        self.schedule = settings.webhook_retry_schedule
        self.timeout = settings.webhook_timeout_seconds
        self.http = http
        self.idle_seconds = idle_seconds

    async def tick(self) -> bool:
        return await self.run_once() > 0

    async def run_once(self) -> int:
        now = utcnow()
        async with self.sessionmaker() as session:
            allow_cross_tenant(session)
            repository = WebhookRepository(session)
            lock = session.get_bind().dialect.name == "postgresql"
            due = await repository.due(now, BATCH, lock=lock)
            if not due:
                await session.rollback()
                return 0
            events = await repository.events_by_id([d.event_id for d in due])
            subscriptions = await repository.subscriptions_by_key(
                [(d.tenant_id, d.subscription_id) for d in due]
            )
            lease = now + timedelta(seconds=self.timeout * 2 + 5)
            work = []
            for delivery in due:
                delivery.next_attempt_at = lease
                session.add(delivery)
                work.append(
                    (
                        (delivery.tenant_id, delivery.id),
                        subscriptions[(delivery.tenant_id, delivery.subscription_id)],
                        events[delivery.event_id],
                    )
                )
            await session.commit()
        outcomes = await asyncio.gather(*(self._send(sub, event) for _, sub, event in work))
        await self._record([key for key, _, _ in work], outcomes)
        return len(work)

    async def _send(self, subscription: WebhookSubscription, event: Event) -> Outcome:
        payload = feed_event(event).model_dump_json()
        message_id = str(event.id)
        timestamp = datetime.now(UTC)
        signature = Webhook(subscription.secret).sign(message_id, timestamp, payload)
        headers = {
            "webhook-id": message_id,
            "webhook-timestamp": str(int(timestamp.timestamp())),
            "webhook-signature": signature,
            "content-type": "application/json",
            "user-agent": "Strata-Webhooks/1",
        }
        try:
            response = await self.http.post(
                subscription.url, content=payload, headers=headers, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:500]
        if response.is_success:
            return response.status_code, None
        return response.status_code, f"HTTP {response.status_code}"

    async def _record(
        self, keys: list[tuple[uuid.UUID, uuid.UUID]], outcomes: list[Outcome]
    ) -> None:
        now = utcnow()
        async with self.sessionmaker() as session:
            allow_cross_tenant(session)
            for key, (status_code, error) in zip(keys, outcomes, strict=True):
                delivery = await session.get(WebhookDelivery, key)
                if delivery is None:
                    continue  # its subscription was deleted meanwhile
                delivery.attempts += 1
                delivery.last_status_code = status_code
                delivery.last_error = error
                if error is None:
                    delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
                        "succeeded",
                        now,
                        None,
                    )
                elif delivery.attempts > len(self.schedule):
                    delivery.status, delivery.next_attempt_at = "failed", None
                    await self._disable(session, delivery)
                    self._failed(final=True)
                else:
                    self._failed(final=False)
                    wait = self.schedule[delivery.attempts - 1]
                    delivery.next_attempt_at = now + timedelta(seconds=wait)
                session.add(delivery)
            try:
                await session.commit()
            except StaleDataError:
                # Someone redelivered or changed a row meanwhile; its new state wins.
                await session.rollback()

    def _failed(self, *, final: bool) -> None:
        if self.failures is not None:
            self.failures.labels("true" if final else "false").inc()

    async def _disable(self, session: AsyncSession, delivery: WebhookDelivery) -> None:
        subscription = await session.get(
            WebhookSubscription, (delivery.tenant_id, delivery.subscription_id)
        )
        if subscription is not None and subscription.enabled:
            subscription.enabled = False
            subscription.disabled_reason = (
                f"event {delivery.event_id} failed {delivery.attempts} times; "
                "fix the endpoint, then enable the subscription"
            )
            session.add(subscription)
            log.warning("webhook.disabled", subscription_id=str(subscription.id))
