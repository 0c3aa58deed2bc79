"""Receiving events from relays and serving them as ordered feeds."""

import uuid
from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.events import EventBatch, EventBatchResult, EventFeedPage, FeedEvent
from strata_contracts.problem import FieldProblem
from strata_gateway.events.repository import EventRepository
from strata_gateway.models import Event
from strata_gateway.webhooks.service import webhook_service
from strata_kit.errors import InvalidInput
from strata_kit.logging import get_logger
from strata_kit.pagination import decode_cursor, encode_cursor

log = get_logger(__name__)


def feed_event(event: Event) -> FeedEvent:
    return FeedEvent(
        id=event.id,
        type=event.type,
        version=event.schema_version,
        tenant_id=event.tenant_id,
        occurred_at=event.occurred_at,
        subject=event.subject,
        data=event.data,
        position=int(event.position or 0),
    )


def position_of(cursor: str | None) -> int:
    if not cursor:
        return 0
    values = decode_cursor(cursor)
    if len(values) != 1 or not isinstance(values[0], int) or values[0] < 0:
        raise InvalidInput(
            "The cursor is not one this API issued.",
            errors=[FieldProblem(pointer="/query/cursor", detail="malformed cursor")],
        )
    return values[0]


class EventService:
    async def ingest(
        self, session: AsyncSession, batch: EventBatch, source: str
    ) -> EventBatchResult:
        """Store new events (deduplicated by id) and queue their webhook deliveries, in one
        transaction."""
        repository = EventRepository(session)
        await repository.serialise_ingest()
        inserted = await repository.insert_new(batch.events, source)
        if inserted:
            stored = await repository.by_ids([event_id for event_id, _ in inserted])
            await webhook_service.enqueue(session, stored)
        log.info(
            "events.ingested",
            source=source,
            accepted=len(inserted),
            duplicates=len(batch.events) - len(inserted),
        )
        return EventBatchResult(
            accepted=len(inserted), duplicates=len(batch.events) - len(inserted)
        )

    async def feed(
        self,
        session: AsyncSession,
        *,
        cursor: str | None,
        limit: int,
        tenant_id: uuid.UUID | None,
        types: Sequence[str] = (),
    ) -> EventFeedPage:
        after = position_of(cursor)
        events = await EventRepository(session).after(
            after, limit=limit, tenant_id=tenant_id, types=types
        )
        last = int(events[-1].position or after) if events else after
        return EventFeedPage(
            items=[feed_event(e) for e in events], next_cursor=encode_cursor([last])
        )

    async def after_position(
        self,
        session: AsyncSession,
        *,
        after: int,
        limit: int,
        types: Sequence[str] = (),
        tenant_id: uuid.UUID | None = None,
    ) -> EventFeedPage:
        events = await EventRepository(session).after(
            after, limit=limit, tenant_id=tenant_id, types=types
        )
        last = int(events[-1].position or after) if events else after
        return EventFeedPage(
            items=[feed_event(e) for e in events], next_cursor=encode_cursor([last])
        )


def parse_types(raw: str | None) -> list[str]:
    return [t.strip() for t in (raw or "").split(",") if t.strip()]


event_service = EventService()
