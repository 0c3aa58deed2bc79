"""Analytics' event consumer: applies the hub's feed once, resumes, reports freshness."""

import uuid
from datetime import UTC, datetime

import httpx
import pytest

from strata_analytics.ingest.service import CONSUMER, ingest_service
from strata_analytics.models import ConsumerCursor
from strata_contracts.events import EventFeedPage, FeedEvent
from strata_contracts.identity import IDENTITY_HEADER, Role
from strata_kit.identity import verify_identity_token
from strata_kit.relay import EventConsumer
from strata_kit.testing import TEST_SECRET


class Hub:
    """The gateway's internal feed, as the consumer sees it."""

    def __init__(self) -> None:
        self.events: list[FeedEvent] = []
        self.down = False

    def publish(self, tenant: uuid.UUID, type_: str = "goals.plan.signed") -> FeedEvent:
        event = FeedEvent(
            id=uuid.uuid4(),
            type=type_,
            tenant_id=tenant,
            occurred_at=datetime.now(UTC),
            subject=f"plan/{len(self.events)}",
            data={"n": len(self.events)},
            position=len(self.events) + 1,
        )
        self.events.append(event)
        return event

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("refused", request=request)
        claims = verify_identity_token(request.headers[IDENTITY_HEADER], TEST_SECRET)
        assert claims.subject == "service:analytics"
        assert claims.tenant_id is None
        after = int(request.url.params["after"])
        limit = int(request.url.params["limit"])
        items = [e for e in self.events if e.position > after][:limit]
        page = EventFeedPage(items=items, next_cursor="x")
        return httpx.Response(200, content=page.model_dump_json())


@pytest.fixture
def hub() -> Hub:
    return Hub()


@pytest.fixture
def consumer(app, hub) -> EventConsumer:
    return EventConsumer(
        app.state.sessionmaker,
        httpx.AsyncClient(transport=httpx.MockTransport(hub), base_url="http://gateway"),
        name=CONSUMER,
        secret=TEST_SECRET,
        cursor_table=ConsumerCursor,
        apply=ingest_service.apply,
        page_size=2,
    )


async def drain(consumer: EventConsumer) -> int:
    total = 0
    while (applied := await consumer.run_once()) > 0:
        total += applied
    return total


class TestConsumer:
    async def test_applies_every_event_once_and_resumes(
        self, client, consumer, hub, tenant_id, identity_headers
    ):
        sent = [hub.publish(tenant_id) for _ in range(5)]
        assert await drain(consumer) == 5
        assert await consumer.position() == 5
        assert await drain(consumer) == 0  # nothing new
        late = hub.publish(tenant_id, "reviews.response.submitted")
        assert await drain(consumer) == 1
        listed = await client.get(
            "/api/v1/analytics/ingestion/events", headers=identity_headers(Role.HR)
        )
        assert [e["id"] for e in listed.json()["items"]] == [str(e.id) for e in [*sent, late]]

    async def test_a_page_served_again_is_not_applied_twice(
        self, client, app, consumer, hub, tenant_id, identity_headers
    ):
        hub.publish(tenant_id)
        await drain(consumer)
        # The hub (at least once) serves an event again after a cursor reset.
        async with app.state.sessionmaker() as session:
            cursor = await session.get(ConsumerCursor, CONSUMER)
            cursor.position = 0
            session.add(cursor)
            await session.commit()
        await drain(consumer)
        status = await client.get(
            "/api/v1/analytics/ingestion/status", headers=identity_headers(Role.HR)
        )
        assert status.json()["types"] == {"goals.plan.signed": 1}

    async def test_hub_down_raises_and_applies_nothing(self, consumer, hub, tenant_id):
        hub.publish(tenant_id)
        hub.down = True
        with pytest.raises(httpx.ConnectError):
            await consumer.run_once()
        assert await consumer.position() == 0
        hub.down = False
        assert await drain(consumer) == 1


class TestStatus:
    async def test_needs_a_reader_role(self, client, identity_headers):
        assert (await client.get("/api/v1/analytics/ingestion/status")).status_code == 401
        response = await client.get(
            "/api/v1/analytics/ingestion/status", headers=identity_headers(Role.EMPLOYEE)
        )
        assert response.status_code == 403

    async def test_freshness_per_source_for_the_callers_tenant_only(
        self, client, consumer, hub, tenant_id, identity_headers
    ):
        other = uuid.uuid4()
        hub.publish(tenant_id, "goals.plan.signed")
        hub.publish(tenant_id, "reviews.response.submitted")
        hub.publish(other, "goals.plan.signed")
        await drain(consumer)
        body = (
            await client.get(
                "/api/v1/analytics/ingestion/status", headers=identity_headers(Role.HR)
            )
        ).json()
        assert body["position"] == 3
        assert {s["source"]: s["events"] for s in body["sources"]} == {"goals": 1, "reviews": 1}
        assert body["types"] == {"goals.plan.signed": 1, "reviews.response.submitted": 1}
        theirs = (
            await client.get(
                "/api/v1/analytics/ingestion/events",
                headers=identity_headers(Role.HR, tenant=other),
            )
        ).json()
        assert len(theirs["items"]) == 1
        assert theirs["items"][0]["type"] == "goals.plan.signed"
