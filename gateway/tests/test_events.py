"""The event hub: ingestion from relays (deduplicated), the ordered tenant feed."""

import uuid
from datetime import UTC, datetime

import pytest

from strata_contracts.events import EventBatch, EventEnvelope
from strata_contracts.identity import IDENTITY_HEADER, IdentityClaims, Role
from strata_kit.identity import mint_identity_token
from strata_kit.testing import TEST_SECRET

from .conftest import bearer

SERVICE = {
    IDENTITY_HEADER: mint_identity_token(IdentityClaims(subject="service:goals"), TEST_SECRET, 3600)
}


def event(
    tenant: uuid.UUID, type_: str = "goals.employee.upserted", subject: str = "employee/1"
) -> EventEnvelope:
    return EventEnvelope[dict](
        id=uuid.uuid4(),
        type=type_,
        tenant_id=tenant,
        occurred_at=datetime.now(UTC),
        subject=subject,
        data={"name": "Ada"},
    )


async def send(client, *events: EventEnvelope, headers=SERVICE):
    body = EventBatch(events=list(events)).model_dump_json()
    return await client.post(
        "/internal/v1/events", content=body, headers={**headers, "Content-Type": "application/json"}
    )


class TestIngestion:
    async def test_without_a_service_identity_is_refused(self, client):
        tenant_token = mint_identity_token(
            IdentityClaims(subject="key:x", tenant_id=uuid.uuid4(), roles=frozenset({Role.ADMIN})),
            TEST_SECRET,
        )
        assert (await send(client, event(uuid.uuid4()), headers={})).status_code == 401
        assert (
            await send(client, event(uuid.uuid4()), headers={IDENTITY_HEADER: tenant_token})
        ).status_code == 403

    async def test_an_api_key_cannot_post_events(self, client, make_tenant):
        created = await make_tenant()
        response = await send(
            client, event(created.tenant.id), headers=bearer(created.admin_key.secret)
        )
        assert response.status_code == 401

    async def test_redelivered_events_are_stored_once(self, client, make_tenant):
        created = await make_tenant()
        batch = [event(created.tenant.id) for _ in range(3)]
        first = await send(client, *batch)
        again = await send(client, *batch, event(created.tenant.id))
        assert first.json() == {"accepted": 3, "duplicates": 0}
        assert again.json() == {"accepted": 1, "duplicates": 3}
        feed = await client.get("/api/v1/events", headers=bearer(created.admin_key.secret))
        assert [e["id"] for e in feed.json()["items"][:3]] == [str(e.id) for e in batch]
        assert len(feed.json()["items"]) == 4

    async def test_invalid_batch_is_422(self, client):
        response = await client.post("/internal/v1/events", json={"events": []}, headers=SERVICE)
        assert response.status_code == 422


class TestFeed:
    async def test_roles(self, client, make_tenant, make_key):
        created = await make_tenant()
        employee = await make_key(created.tenant.id, Role.EMPLOYEE)
        integration = await make_key(created.tenant.id, Role.INTEGRATION)
        assert (await client.get("/api/v1/events")).status_code == 401
        assert (
            await client.get("/api/v1/events", headers=bearer(employee.secret))
        ).status_code == 403
        assert (
            await client.get("/api/v1/events", headers=bearer(integration.secret))
        ).status_code == 200

    async def test_only_the_callers_tenant_in_order_with_a_resumable_cursor(
        self, client, make_tenant
    ):
        a = await make_tenant("A")
        b = await make_tenant("B")
        sent_a = [event(a.tenant.id, subject=f"employee/{i}") for i in range(5)]
        await send(client, sent_a[0], event(b.tenant.id), *sent_a[1:3])
        await send(client, event(b.tenant.id), *sent_a[3:])
        headers = bearer(a.admin_key.secret)
        page1 = (await client.get("/api/v1/events", params={"limit": 3}, headers=headers)).json()
        page2 = (
            await client.get(
                "/api/v1/events",
                params={"limit": 3, "cursor": page1["next_cursor"]},
                headers=headers,
            )
        ).json()
        received = [e["id"] for e in page1["items"] + page2["items"]]
        assert received == [str(e.id) for e in sent_a]
        positions = [e["position"] for e in page1["items"] + page2["items"]]
        assert positions == sorted(positions)
        assert all(e["tenant_id"] == str(a.tenant.id) for e in page1["items"] + page2["items"])
        # At the end the cursor stays put, and new events appear after it.
        page3 = (
            await client.get(
                "/api/v1/events", params={"cursor": page2["next_cursor"]}, headers=headers
            )
        ).json()
        assert page3["items"] == []
        late = event(a.tenant.id)
        await send(client, late)
        page4 = (
            await client.get(
                "/api/v1/events", params={"cursor": page3["next_cursor"]}, headers=headers
            )
        ).json()
        assert [e["id"] for e in page4["items"]] == [str(late.id)]

    async def test_type_filter(self, client, make_tenant):
        created = await make_tenant()
        await send(
            client,
            event(created.tenant.id, "goals.plan.signed"),
            event(created.tenant.id, "goals.actual.recorded"),
        )
        feed = await client.get(
            "/api/v1/events",
            params={"types": "goals.plan.signed"},
            headers=bearer(created.admin_key.secret),
        )
        assert [e["type"] for e in feed.json()["items"]] == ["goals.plan.signed"]

    async def test_tampered_cursor_is_422(self, client, make_tenant):
        created = await make_tenant()
        response = await client.get(
            "/api/v1/events", params={"cursor": "!!!"}, headers=bearer(created.admin_key.secret)
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/query/cursor"


class TestInternalFeed:
    async def test_every_tenant_after_a_position(self, client, make_tenant):
        a = await make_tenant("A")
        b = await make_tenant("B")
        await send(client, event(a.tenant.id), event(b.tenant.id))
        everything = (await client.get("/internal/v1/events", headers=SERVICE)).json()["items"]
        assert {e["tenant_id"] for e in everything} == {str(a.tenant.id), str(b.tenant.id)}
        after_first = (
            await client.get(
                "/internal/v1/events", params={"after": everything[0]["position"]}, headers=SERVICE
            )
        ).json()["items"]
        assert [e["id"] for e in after_first] == [everything[1]["id"]]

    @pytest.mark.parametrize("headers", [{}, "key"])
    async def test_needs_a_service_identity(self, client, make_tenant, headers):
        created = await make_tenant()
        sent = bearer(created.admin_key.secret) if headers == "key" else headers
        assert (await client.get("/internal/v1/events", headers=sent)).status_code == 401


class TestInternalFeedForOneTenant:
    async def test_tenant_filter(self, client, make_tenant):
        a = await make_tenant("A")
        b = await make_tenant("B")
        await send(client, event(a.tenant.id), event(b.tenant.id), event(a.tenant.id))
        items = (
            await client.get(
                "/internal/v1/events", params={"tenant": str(a.tenant.id)}, headers=SERVICE
            )
        ).json()["items"]
        assert len(items) == 2
        assert {e["tenant_id"] for e in items} == {str(a.tenant.id)}
