"""Analytics' event consumer: applies the hub's feed once, resumes, reports freshness."""

import uuid

import httpx
import pytest

from strata_analytics.ingest.service import CONSUMER
from strata_analytics.models import ConsumerCursor
from strata_contracts.identity import Role

from .hub import drain


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
