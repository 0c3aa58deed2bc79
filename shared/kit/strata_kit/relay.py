"""The outbox relay and the event consumer: how events leave and reach a service.

`OutboxRelay` runs in every service that declares an outbox table. It takes due rows in
occurrence order, keeps per-subject order (a subject's later event waits while an earlier
one is unpublished, even one another replica holds), sends them to the gateway's event hub,
and marks them published, all in one transaction per batch. On PostgreSQL rows are claimed
with `FOR UPDATE SKIP LOCKED`, so several replicas share the work without double delivery.
A failed batch is retried with exponential backoff; rows survive restarts because they are
rows. Delivery is at least once; the hub deduplicates by event id.

`EventConsumer` pulls the hub's ordered feed (all tenants, platform identity) from the last
position it applied, and applies each event and advances its cursor in one transaction, so
a consumer that was down catches up, and none is applied twice.
"""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx
from sqlalchemy import or_
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.events import (
    EventBatch,
    EventBatchResult,
    EventEnvelope,
    EventFeedPage,
    FeedEvent,
)
from strata_contracts.identity import IDENTITY_HEADER, IdentityClaims
from strata_kit.background import BackgroundWorker
from strata_kit.db import UtcDateTime, allow_cross_tenant, utcnow
from strata_kit.identity import mint_identity_token
from strata_kit.logging import get_logger
from strata_kit.outbox import OutboxFields

log = get_logger(__name__)
HUB_PATH = "/internal/v1/events"
OutboxRow = TypeVar("OutboxRow", bound=OutboxFields)
Deliver = Callable[[list[EventEnvelope[dict[str, Any]]]], Awaitable[None]]
MAX_BACKOFF_SECONDS = 300.0


def backoff(attempts: int, base: float = 1.0) -> timedelta:
    """1 s, 2 s, 4 s … capped at five minutes."""
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, base * 2 ** max(0, attempts - 1)))


class OutboxRelay(BackgroundWorker):
    name = "outbox.relay"

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        table: type[OutboxRow],
        deliver: Deliver,
        *,
        batch_size: int = 200,
        idle_seconds: float = 0.5,
    ) -> None:
        super().__init__()
        self.sessionmaker = sessionmaker
        self.table: Any = table
        self.deliver = deliver
        self.batch_size = batch_size
        self.idle_seconds = idle_seconds
        self.failing = False

    async def tick(self) -> bool:
        return await self.run_once() > 0

    def pause_seconds(self) -> float:
        # While the hub is unreachable, new events must not each trigger a new attempt.
        return self.idle_seconds * 4 if self.failing else self.idle_seconds

    async def run_once(self) -> int:
        """Deliver one batch; return how many events were published."""
        table = self.table
        now = utcnow()
        async with self.sessionmaker() as session:
            allow_cross_tenant(session)
            due = (
                select(table)
                .where(
                    col(table.published_at).is_(None),
                    or_(col(table.next_attempt_at).is_(None), col(table.next_attempt_at) <= now),
                )
                .order_by(col(table.occurred_at), col(table.id))
                .limit(self.batch_size)
            )
            if session.get_bind().dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            rows = list((await session.exec(due)).all())
            rows = await self._heads_only(session, rows)
            if not rows:
                await session.rollback()
                return 0
            envelopes = [_envelope(row) for row in rows]
            try:
                await self.deliver(envelopes)
            except Exception as exc:
                for row in rows:
                    row.attempts += 1
                    row.next_attempt_at = now + backoff(row.attempts)
                    row.last_error = f"{type(exc).__name__}: {exc}"[:500]
                    session.add(row)
                await session.commit()
                log.warning("outbox.delivery_failed", events=len(rows), error=str(exc)[:200])
                self.failing = True
                return 0
            self.failing = False
            for row in rows:
                row.published_at = now
                row.attempts += 1
                row.last_error = None
                session.add(row)
            await session.commit()
            return len(rows)

    async def _heads_only(self, session: AsyncSession, rows: list[Any]) -> list[Any]:
        """Drop every subject whose earliest unpublished event is not in this batch (held
        by another replica, or waiting for a retry): its later events must wait."""
        if not rows:
            return rows
        table = self.table
        subjects = {row.subject for row in rows}
        earliest = (
            select(col(table.subject), col(table.id), col(table.tenant_id))
            .where(col(table.published_at).is_(None), col(table.subject).in_(subjects))
            .order_by(col(table.subject), col(table.occurred_at), col(table.id))
        )
        first: dict[str, tuple[uuid.UUID, uuid.UUID]] = {}
        for subject, row_id, tenant in (await session.exec(earliest)).all():
            first.setdefault(subject, (tenant, row_id))
        taken = {(row.tenant_id, row.id) for row in rows}
        blocked = {s for s, key in first.items() if key not in taken}
        return [row for row in rows if row.subject not in blocked]


def _envelope(row: Any) -> EventEnvelope[dict[str, Any]]:
    return EventEnvelope[dict[str, Any]](
        id=row.id,
        type=row.type,
        version=row.schema_version,
        tenant_id=row.tenant_id,
        occurred_at=row.occurred_at,
        subject=row.subject,
        data=row.data,
    )


def hub_deliverer(http: httpx.AsyncClient, *, service: str, secret: str) -> Deliver:
    """Send batches to the gateway's event hub with this service's platform identity."""
    identity = IdentityClaims(subject=f"service:{service}")

    async def deliver(events: list[EventEnvelope[dict[str, Any]]]) -> None:
        token = mint_identity_token(identity, secret, 60)
        response = await http.post(
            HUB_PATH,
            content=EventBatch(events=events).model_dump_json(),
            headers={IDENTITY_HEADER: token, "Content-Type": "application/json"},
        )
        response.raise_for_status()
        EventBatchResult.model_validate_json(response.content)

    return deliver


class ConsumerCursorFields(SQLModel):
    """Where a consumer is in the hub's feed, and what it has applied (one row per
    consumer name). Declared per service: `class ConsumerCursor(ConsumerCursorFields,
    <Service>Table, table=True)` — a platform-level table, not owned by a tenant."""

    name: str = Field(primary_key=True, max_length=100)
    position: int = Field(default=0)
    applied: int = Field(default=0)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)


Apply = Callable[[AsyncSession, FeedEvent], Awaitable[None]]


@dataclass(frozen=True)
class ConsumerSpec:
    """What a service consumes: `create_service_app(consumer=ConsumerSpec(...))` runs an
    `EventConsumer` for the app's lifetime (unless `<APP>_EVENT_CONSUMER=false`)."""

    name: str
    cursor_table: type[Any]
    apply: Apply
    types: Sequence[str] = ()


class EventConsumer(BackgroundWorker):
    """Pull the hub's feed and apply each event exactly once (effects, cursor, one commit)."""

    name = "event.consumer"

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        http: httpx.AsyncClient,
        *,
        name: str,
        secret: str,
        cursor_table: type[Any],
        apply: Apply,
        types: Sequence[str] = (),
        page_size: int = 500,
        idle_seconds: float = 1.0,
    ) -> None:
        super().__init__()
        self.sessionmaker = sessionmaker
        self.http = http
        self.consumer_name = name
        self.secret = secret
        self.cursor_table = cursor_table
        self.apply = apply
        self.types = list(types)
        self.page_size = page_size
        self.idle_seconds = idle_seconds
        self._identity = IdentityClaims(subject=f"service:{name}")
        # For the lag gauge (strata_kit.metrics): whether the last poll reached the head.
        self.started_at = utcnow()
        self.caught_up = False
        self.caught_up_at: datetime | None = None

    async def tick(self) -> bool:
        return await self.run_once() > 0

    async def position(self) -> int:
        async with self.sessionmaker() as session:
            allow_cross_tenant(session)
            cursor = await session.get(self.cursor_table, self.consumer_name)
            return int(cursor.position) if cursor is not None else 0

    async def run_once(self) -> int:
        """Fetch one page after our position and apply it; return events applied."""
        self.caught_up = False
        after = await self.position()
        params: dict[str, Any] = {"after": after, "limit": self.page_size}
        if self.types:
            params["types"] = ",".join(self.types)
        token = mint_identity_token(self._identity, self.secret, 60)
        response = await self.http.get(HUB_PATH, params=params, headers={IDENTITY_HEADER: token})
        response.raise_for_status()
        page = EventFeedPage.model_validate_json(response.content)
        if not page.items:
            self.caught_up, self.caught_up_at = True, utcnow()
            return 0
        async with self.sessionmaker() as session:
            allow_cross_tenant(session)
            cursor = await session.get(self.cursor_table, self.consumer_name)
            if cursor is None:
                cursor = self.cursor_table(name=self.consumer_name, position=0, applied=0)
            if cursor.position != after:
                await session.rollback()
                return 0  # another replica advanced meanwhile; start again from there
            for event in page.items:
                await self.apply(session, event)
            cursor.position = page.items[-1].position
            cursor.applied += len(page.items)
            cursor.updated_at = utcnow()
            session.add(cursor)
            await session.commit()
        if len(page.items) < self.page_size:
            self.caught_up, self.caught_up_at = True, utcnow()
        return len(page.items)
