"""Fakes of the gateway's event hub for analytics tests."""

import uuid
from datetime import UTC, datetime

import httpx
from pydantic import BaseModel

from strata_analytics.ingest.service import CONSUMER, ingest_service
from strata_analytics.models import ConsumerCursor
from strata_contracts.events import EventFeedPage, FeedEvent
from strata_contracts.identity import IDENTITY_HEADER
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
        tenant = request.url.params.get("tenant")
        items = [
            e
            for e in self.events
            if e.position > after and (tenant is None or str(e.tenant_id) == tenant)
        ][:limit]
        page = EventFeedPage(items=items, next_cursor="x")
        return httpx.Response(200, content=page.model_dump_json())


def make_consumer(app, hub: Hub) -> EventConsumer:  # type: ignore[no-untyped-def]
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


def publish(hub: Hub, tenant: uuid.UUID, type_: str, subject: str, data: BaseModel) -> FeedEvent:
    """Put an event with a contract payload on the hub's feed."""
    event = FeedEvent(
        id=uuid.uuid4(),
        type=type_,
        tenant_id=tenant,
        occurred_at=datetime.now(UTC),
        subject=subject,
        data=data.model_dump(mode="json"),
        position=len(hub.events) + 1,
    )
    hub.events.append(event)
    return event
