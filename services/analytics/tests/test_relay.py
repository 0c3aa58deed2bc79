"""The kit's outbox relay on a real outbox table (analytics'), on SQLite and PostgreSQL."""

import asyncio
import uuid
from collections import defaultdict

import pytest
from pydantic import BaseModel
from sqlmodel import select

from strata_analytics.models import OutboxEvent
from strata_contracts.events import EventEnvelope
from strata_kit.db import bind_tenant
from strata_kit.outbox import record_event
from strata_kit.relay import OutboxRelay


class Payload(BaseModel):
    n: int


class Sink:
    """A hub stand-in: records what it receives; can be told to fail."""

    def __init__(self) -> None:
        self.received: list[EventEnvelope] = []
        self.fail = False

    async def __call__(self, events: list[EventEnvelope]) -> None:
        await asyncio.sleep(0)  # let another relay interleave
        if self.fail:
            raise ConnectionError("hub down")
        self.received.extend(events)


async def record(app, tenant: uuid.UUID, subject: str, n: int) -> None:
    async with app.state.sessionmaker() as session:
        bind_tenant(session, tenant)
        await record_event(
            session, OutboxEvent, type="analytics.test", subject=subject, data=Payload(n=n)
        )
        await session.commit()


async def drain(relay: OutboxRelay) -> None:
    while await relay.run_once() > 0:
        pass


class TestRelay:
    async def test_delivers_in_order_and_marks_published(self, app, tenant_id):
        for n in range(5):
            await record(app, tenant_id, "calibration/1", n)
        sink = Sink()
        relay = OutboxRelay(app.state.sessionmaker, OutboxEvent, sink, batch_size=2)
        await drain(relay)
        assert [e.data["n"] for e in sink.received] == [0, 1, 2, 3, 4]
        assert {e.tenant_id for e in sink.received} == {tenant_id}
        async with app.state.sessionmaker() as session:
            bind_tenant(session, tenant_id)
            rows = (await session.exec(select(OutboxEvent))).all()
        assert all(r.published_at is not None for r in rows)
        await drain(relay)
        assert len(sink.received) == 5  # nothing twice

    async def test_a_failed_batch_is_kept_and_retried_after_backoff(self, app, tenant_id):
        await record(app, tenant_id, "calibration/1", 1)
        sink = Sink()
        sink.fail = True
        relay = OutboxRelay(app.state.sessionmaker, OutboxEvent, sink)
        assert await relay.run_once() == 0
        async with app.state.sessionmaker() as session:
            bind_tenant(session, tenant_id)
            row = (await session.exec(select(OutboxEvent))).one()
        assert row.published_at is None
        assert row.attempts == 1
        assert "hub down" in row.last_error
        assert row.next_attempt_at is not None
        sink.fail = False
        assert await relay.run_once() == 0  # not due yet: backoff holds
        async with app.state.sessionmaker() as session:
            bind_tenant(session, tenant_id)
            row = (await session.exec(select(OutboxEvent))).one()
            row.next_attempt_at = None  # time passes
            session.add(row)
            await session.commit()
        assert await relay.run_once() == 1
        assert [e.data["n"] for e in sink.received] == [1]

    async def test_a_subject_waits_behind_its_failed_event(self, app, tenant_id):
        await record(app, tenant_id, "calibration/1", 1)
        sink = Sink()
        sink.fail = True
        relay = OutboxRelay(app.state.sessionmaker, OutboxEvent, sink)
        await relay.run_once()  # event 1 now waits for its retry
        sink.fail = False
        await record(app, tenant_id, "calibration/1", 2)  # same subject, later
        await record(app, tenant_id, "calibration/2", 3)  # another subject
        await drain(relay)
        assert [e.data["n"] for e in sink.received] == [3]  # 2 must not overtake 1

    async def test_the_request_wakes_the_relay_nothing_recorded_on_rollback(self, app, tenant_id):
        async with app.state.sessionmaker() as session:
            bind_tenant(session, tenant_id)
            await record_event(
                session, OutboxEvent, type="analytics.test", subject="s/1", data=Payload(n=1)
            )
            await session.rollback()
        sink = Sink()
        await drain(OutboxRelay(app.state.sessionmaker, OutboxEvent, sink))
        assert sink.received == []


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
class TestTwoReplicas:
    async def test_two_relays_on_one_postgres_lose_nothing_and_keep_subject_order(self, app):
        tenants = [uuid.uuid4(), uuid.uuid4()]
        expected: dict[str, list[int]] = defaultdict(list)
        for n in range(120):
            tenant = tenants[n % 2]
            subject = f"calibration/{n % 7}"
            await record(app, tenant, subject, n)
            expected[f"{tenant}/{subject}"].append(n)
        sink = Sink()
        relays = [
            OutboxRelay(app.state.sessionmaker, OutboxEvent, sink, batch_size=5) for _ in range(2)
        ]

        async def work(relay: OutboxRelay) -> None:
            idle = 0
            while idle < 3:
                idle = idle + 1 if await relay.run_once() == 0 else 0

        await asyncio.gather(*(work(r) for r in relays))
        seen: dict[str, list[int]] = defaultdict(list)
        for event in sink.received:
            seen[f"{event.tenant_id}/{event.subject}"].append(event.data["n"])
        assert {n for ns in seen.values() for n in ns} == set(range(120))
        for key, ns in seen.items():
            assert ns == expected[key], key  # per-subject order, each exactly once
