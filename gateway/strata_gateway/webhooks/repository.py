import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, exists, update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.gateway import WebhookDeliveryRead, WebhookRead
from strata_contracts.pagination import Page
from strata_gateway.models import Event, WebhookDelivery, WebhookSubscription
from strata_kit.pagination import PageParams, paginate


class WebhookRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, subscription_id: uuid.UUID) -> WebhookSubscription | None:
        statement = select(WebhookSubscription).where(WebhookSubscription.id == subscription_id)
        return (await self.session.exec(statement)).first()

    async def page(self, params: PageParams, to_item: type[WebhookRead]) -> Page[WebhookRead]:
        return await paginate(
            self.session,
            select(WebhookSubscription),
            sort=col(WebhookSubscription.created_at),
            id_column=col(WebhookSubscription.id),
            params=params,
            to_item=lambda row: to_item.model_validate(row, from_attributes=True),
            updated_column=col(WebhookSubscription.updated_at),
        )

    async def for_tenants(self, tenants: Sequence[uuid.UUID]) -> list[WebhookSubscription]:
        statement = select(WebhookSubscription).where(
            col(WebhookSubscription.tenant_id).in_(tenants)
        )
        return list((await self.session.exec(statement)).all())

    async def get_delivery(
        self, subscription_id: uuid.UUID, delivery_id: uuid.UUID
    ) -> WebhookDelivery | None:
        statement = select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.subscription_id == subscription_id
        )
        return (await self.session.exec(statement)).first()

    async def page_deliveries(
        self, subscription_id: uuid.UUID, status: str | None, params: PageParams
    ) -> Page[WebhookDeliveryRead]:
        statement = select(WebhookDelivery).where(
            WebhookDelivery.subscription_id == subscription_id
        )
        if status is not None:
            statement = statement.where(WebhookDelivery.status == status)
        return await paginate(
            self.session,
            statement,
            sort=col(WebhookDelivery.created_at),
            id_column=col(WebhookDelivery.id),
            params=params,
            to_item=lambda row: WebhookDeliveryRead.model_validate(row, from_attributes=True),
            updated_column=col(WebhookDelivery.updated_at),
        )

    async def delivery_for(
        self, subscription_id: uuid.UUID, event_id: uuid.UUID
    ) -> WebhookDelivery | None:
        statement = select(WebhookDelivery).where(
            WebhookDelivery.subscription_id == subscription_id, WebhookDelivery.event_id == event_id
        )
        return (await self.session.exec(statement)).first()

    async def delivered_event_ids(
        self, subscription_id: uuid.UUID, event_ids: Sequence[uuid.UUID]
    ) -> set[uuid.UUID]:
        statement = select(WebhookDelivery.event_id).where(
            WebhookDelivery.subscription_id == subscription_id,
            col(WebhookDelivery.event_id).in_(event_ids),
        )
        return set((await self.session.exec(statement)).all())

    async def tenant_events_after(
        self, tenant_id: uuid.UUID, position: int, limit: int
    ) -> list[Event]:
        """The event table is platform-level: filter the tenant here."""
        statement = (
            select(Event)
            .where(Event.tenant_id == tenant_id, col(Event.position) > position)
            .order_by(col(Event.position))
            .limit(limit)
        )
        return list((await self.session.exec(statement)).all())

    async def due(self, now: datetime, limit: int, *, lock: bool) -> list[WebhookDelivery]:
        """Pending deliveries whose time has come, of enabled subscriptions (any tenant).

        Only the head of each (subscription, subject) queue is due: a delivery waits while an
        earlier event of its subject to the same subscription is still pending (in flight,
        or waiting for a retry), so one subject's events go out in order; other subjects go
        on. An in-flight delivery stays `pending` under its lease, so this holds across
        replicas too: the head is locked (and skipped) by whoever sends it, and what follows
        it is not due until the head's outcome is committed.
        """
        earlier = aliased(WebhookDelivery)
        blocked = exists().where(
            col(earlier.tenant_id) == col(WebhookDelivery.tenant_id),
            col(earlier.subscription_id) == col(WebhookDelivery.subscription_id),
            col(earlier.subject) == col(WebhookDelivery.subject),
            col(earlier.status) == "pending",
            col(earlier.event_position) < col(WebhookDelivery.event_position),
        )
        statement = (
            select(WebhookDelivery)
            .join(
                WebhookSubscription,
                and_(
                    col(WebhookSubscription.tenant_id) == col(WebhookDelivery.tenant_id),
                    col(WebhookSubscription.id) == col(WebhookDelivery.subscription_id),
                ),
            )
            .where(
                WebhookDelivery.status == "pending",
                col(WebhookDelivery.next_attempt_at) <= now,
                col(WebhookSubscription.enabled).is_(True),
                ~blocked,
            )
            .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.event_position))
            .limit(limit)
        )
        if lock:
            statement = statement.with_for_update(skip_locked=True, of=WebhookDelivery)
        return list((await self.session.exec(statement)).all())

    async def events_by_id(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Event]:
        statement = select(Event).where(col(Event.id).in_(ids))
        return {e.id: e for e in (await self.session.exec(statement)).all()}

    async def subscriptions_by_key(
        self, keys: Sequence[tuple[uuid.UUID, uuid.UUID]]
    ) -> dict[tuple[uuid.UUID, uuid.UUID], WebhookSubscription]:
        ids = [subscription_id for _, subscription_id in keys]
        statement = select(WebhookSubscription).where(col(WebhookSubscription.id).in_(ids))
        return {(s.tenant_id, s.id): s for s in (await self.session.exec(statement)).all()}

    async def requeue_failed(self, subscription_id: uuid.UUID, now: datetime) -> int:
        """Every delivery of the subscription that used up its retries: pending again, now,
        with a fresh retry schedule (attempts from zero)."""
        statement = (
            update(WebhookDelivery)
            .where(
                col(WebhookDelivery.subscription_id) == subscription_id,
                col(WebhookDelivery.status) == "failed",
            )
            .values(status="pending", attempts=0, next_attempt_at=now)
        )
        result = await self.session.exec(statement)
        return int(result.rowcount or 0)

    def add(self, row: WebhookSubscription | WebhookDelivery) -> None:
        self.session.add(row)
