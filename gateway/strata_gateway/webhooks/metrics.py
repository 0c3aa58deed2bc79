"""The gateway's own metrics: webhook delivery failures and state, the hub's head position.

Registered on the kit's per-app registry (`strata_kit.metrics`); the gauges are counted at
scrape time, the failure counter moves as the dispatcher records outcomes.
"""

from typing import Any

from prometheus_client import Counter
from sqlalchemy import func
from sqlmodel import col, select

from strata_gateway.models import Event, WebhookDelivery, WebhookSubscription
from strata_kit.db import allow_cross_tenant
from strata_kit.metrics import Labels, Metrics


def watch_gateway(app: Any) -> Counter | None:
    """Register the gateway's gauges; answer the delivery-failure counter (None when
    metrics are off)."""
    metrics: Metrics | None = getattr(app.state, "metrics", None)
    if metrics is None:
        return None

    async def scalar(statement: Any) -> float:
        async with app.state.sessionmaker() as session:
            allow_cross_tenant(session)
            return float((await session.exec(statement)).one() or 0)

    async def disabled() -> float:
        return await scalar(select(func.count()).where(col(WebhookSubscription.enabled).is_(False)))

    async def deliveries() -> Labels:
        async with app.state.sessionmaker() as session:
            allow_cross_tenant(session)
            statement = (
                select(col(WebhookDelivery.status), func.count())
                .where(col(WebhookDelivery.status) != "succeeded")
                .group_by(col(WebhookDelivery.status))
            )
            return {(status,): float(n) for status, n in (await session.exec(statement)).all()}

    async def head() -> float:
        return await scalar(select(func.max(col(Event.position))))

    metrics.gauge(
        "strata_webhook_subscriptions_disabled",
        "Webhook subscriptions switched off (by the tenant, or after a delivery used up its "
        "retries).",
        disabled,
    )
    metrics.gauge(
        "strata_webhook_deliveries",
        "Webhook deliveries not (yet) delivered, by status: pending (queued, in flight or "
        "waiting for a retry) and failed (used up their retries).",
        deliveries,
        labels=("status",),
    )
    metrics.gauge(
        "strata_hub_head_position",
        "The newest event's position in the hub (consumers' positions trail it).",
        head,
    )
    return metrics.counter(
        "strata_webhook_delivery_failures",
        "Webhook delivery attempts that did not get a 2xx (final: the last retry failed, "
        "and the subscription was disabled).",
        labels=("final",),
    )
