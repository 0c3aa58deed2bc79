"""Webhook subscriptions: signed deliveries, retries, disabling, redelivery, replay."""

import uuid

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from strata_contracts.identity import Role

from .conftest import bearer
from .test_events import event, send


class Receiver:
    """A subscriber that verifies every delivery with the Standard Webhooks library and can
    be told to fail."""

    def __init__(self) -> None:
        self.secret: str | None = None
        self.received: list[dict] = []
        self.failures_left = 0
        self.attempts = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.attempts += 1
        if self.failures_left > 0:
            self.failures_left -= 1
            return httpx.Response(503)
        assert self.secret is not None
        payload = Webhook(self.secret).verify(request.content, dict(request.headers))
        assert request.headers["webhook-id"] == payload["id"]
        self.received.append(payload)
        return httpx.Response(204)


@pytest.fixture
def gateway_overrides():
    return {
        "webhook_dispatch": False,
        "webhook_retry_schedule": "0,0,0,0",
        "webhook_allow_private_urls": True,
    }


@pytest.fixture
def receiver(app) -> Receiver:
    target = Receiver()
    app.state.dispatcher.http = httpx.AsyncClient(transport=httpx.MockTransport(target))
    return target


async def drain(app, rounds: int = 20) -> None:
    for _ in range(rounds):
        if await app.state.dispatcher.run_once() == 0:
            return


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


async def subscribe(client, tenant, receiver, **body):
    response = await client.post(
        "/api/v1/webhooks",
        headers=bearer(tenant.admin_key.secret),
        json={"url": "http://127.0.0.1:9/hook", **body},
    )
    assert response.status_code == 201, response.text
    receiver.secret = response.json()["secret"]
    return response.json()


class TestSubscriptions:
    async def test_roles(self, client, tenant, make_key):
        hr = await make_key(tenant.tenant.id, Role.HR)
        response = await client.post(
            "/api/v1/webhooks", headers=bearer(hr.secret), json={"url": "https://example.com/hook"}
        )
        assert response.status_code == 403

    async def test_secret_shown_once(self, client, tenant, receiver):
        created = await subscribe(client, tenant, receiver)
        assert created["secret"].startswith("whsec_")
        listed = await client.get("/api/v1/webhooks", headers=bearer(tenant.admin_key.secret))
        assert "secret" not in listed.json()["items"][0]

    async def test_bad_type_filter_is_422_naming_it(self, client, tenant):
        response = await client.post(
            "/api/v1/webhooks",
            headers=bearer(tenant.admin_key.secret),
            json={"url": "https://example.com/h", "event_types": ["goals.*", "bad..type"]},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/event_types/1"

    async def test_stale_if_match_is_412_and_nothing_changes(self, client, tenant, receiver):
        created = await subscribe(client, tenant, receiver)
        headers = bearer(tenant.admin_key.secret)
        read = await client.get(f"/api/v1/webhooks/{created['id']}", headers=headers)
        etag = read.headers["etag"]
        ok = await client.patch(
            f"/api/v1/webhooks/{created['id']}",
            headers={**headers, "If-Match": etag},
            json={"description": "first"},
        )
        assert ok.status_code == 200
        stale = await client.patch(
            f"/api/v1/webhooks/{created['id']}",
            headers={**headers, "If-Match": etag},
            json={"description": "second"},
        )
        assert stale.status_code == 412
        final = await client.get(f"/api/v1/webhooks/{created['id']}", headers=headers)
        assert final.json()["description"] == "first"

    async def test_another_tenants_subscription_is_404(self, client, tenant, make_tenant, receiver):
        created = await subscribe(client, tenant, receiver)
        other = await make_tenant("Other")
        response = await client.get(
            f"/api/v1/webhooks/{created['id']}", headers=bearer(other.admin_key.secret)
        )
        assert response.status_code == 404


class TestPrivateUrlsRefused:
    @pytest.fixture
    def gateway_overrides(self):
        return {"webhook_dispatch": False}

    @pytest.mark.parametrize(
        "url",
        ["http://127.0.0.1/h", "http://localhost:8080/h", "http://10.0.0.5/h", "http://[::1]/h"],
    )
    async def test_loopback_and_private_addresses(self, client, tenant, url):
        response = await client.post(
            "/api/v1/webhooks", headers=bearer(tenant.admin_key.secret), json={"url": url}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/url"


class TestDelivery:
    async def test_signed_and_filtered_and_tenant_scoped(
        self, client, app, tenant, make_tenant, receiver
    ):
        await subscribe(client, tenant, receiver, event_types=["goals.plan.*"])
        other = await make_tenant("Other")
        wanted = event(tenant.tenant.id, "goals.plan.signed")
        await send(
            client,
            wanted,
            event(tenant.tenant.id, "goals.actual.recorded"),
            event(other.tenant.id, "goals.plan.signed"),
        )
        await drain(app)
        assert [r["id"] for r in receiver.received] == [str(wanted.id)]
        assert receiver.received[0]["tenant_id"] == str(tenant.tenant.id)

    async def test_a_receiver_failing_three_times_then_recovering_gets_every_event(
        self, client, app, tenant, receiver
    ):
        created = await subscribe(client, tenant, receiver)
        sent = [event(tenant.tenant.id, subject=f"plan/{i}") for i in range(5)]
        receiver.failures_left = 3
        await send(client, *sent)
        await drain(app)
        assert sorted(r["id"] for r in receiver.received) == sorted(str(e.id) for e in sent)
        log = await client.get(
            f"/api/v1/webhooks/{created['id']}/deliveries", headers=bearer(tenant.admin_key.secret)
        )
        assert {d["status"] for d in log.json()["items"]} == {"succeeded"}
        assert sum(d["attempts"] for d in log.json()["items"]) == 5 + 3

    async def test_exhausted_retries_disable_then_enable_delivers_everything(
        self, client, app, tenant, receiver
    ):
        created = await subscribe(client, tenant, receiver)
        headers = bearer(tenant.admin_key.secret)
        first = event(tenant.tenant.id)
        receiver.failures_left = 5  # one attempt plus four retries: all fail
        await send(client, first)
        await drain(app)
        state = (await client.get(f"/api/v1/webhooks/{created['id']}", headers=headers)).json()
        assert state["enabled"] is False
        assert "failed 5 times" in state["disabled_reason"]
        failed = (
            await client.get(
                f"/api/v1/webhooks/{created['id']}/deliveries",
                params={"status": "failed"},
                headers=headers,
            )
        ).json()["items"]
        assert [d["event_id"] for d in failed] == [str(first.id)]
        # Events keep being queued while disabled, and nothing is sent.
        second = event(tenant.tenant.id)
        await send(client, second)
        await drain(app)
        assert receiver.received == []
        # Enable: the failed event goes again first, then the one queued meanwhile (the
        # same subject: in order).
        enabled = await client.patch(
            f"/api/v1/webhooks/{created['id']}", headers=headers, json={"enabled": True}
        )
        assert enabled.status_code == 200
        await drain(app)
        assert [r["id"] for r in receiver.received] == [str(first.id), str(second.id)]
        log = await client.get(f"/api/v1/webhooks/{created['id']}/deliveries", headers=headers)
        assert {d["status"] for d in log.json()["items"]} == {"succeeded"}

    async def test_enable_without_redelivering_failed_ones(self, client, app, tenant, receiver):
        created = await subscribe(client, tenant, receiver)
        headers = bearer(tenant.admin_key.secret)
        first = event(tenant.tenant.id)
        receiver.failures_left = 5
        await send(client, first)
        await drain(app)
        second = event(tenant.tenant.id)
        await send(client, second)
        await client.patch(
            f"/api/v1/webhooks/{created['id']}",
            headers=headers,
            json={"enabled": True, "redeliver_failed": False},
        )
        await drain(app)
        # The failed one is no longer pending, so it holds nothing up; it stays failed.
        assert [r["id"] for r in receiver.received] == [str(second.id)]
        failed = (
            await client.get(
                f"/api/v1/webhooks/{created['id']}/deliveries",
                params={"status": "failed"},
                headers=headers,
            )
        ).json()["items"]
        assert [d["event_id"] for d in failed] == [str(first.id)]
        redelivered = await client.post(
            f"/api/v1/webhooks/{created['id']}/deliveries/{failed[0]['id']}/redeliver",
            headers=headers,
        )
        assert redelivered.json()["status"] == "pending"
        await drain(app)
        assert [r["id"] for r in receiver.received] == [str(second.id), str(first.id)]

    async def test_replay_sends_past_events_again(self, client, app, tenant, receiver):
        sent = [event(tenant.tenant.id) for _ in range(3)]
        await send(client, *sent)  # before the subscription exists
        created = await subscribe(client, tenant, receiver)
        response = await client.post(
            f"/api/v1/webhooks/{created['id']}/replay",
            headers=bearer(tenant.admin_key.secret),
            json={"after_position": 0},
        )
        assert response.json() == {"queued": 3}
        await drain(app)
        assert [r["id"] for r in receiver.received] == [str(e.id) for e in sent]

    async def test_unknown_delivery_is_404(self, client, tenant, receiver):
        created = await subscribe(client, tenant, receiver)
        response = await client.post(
            f"/api/v1/webhooks/{created['id']}/deliveries/{uuid.uuid4()}/redeliver",
            headers=bearer(tenant.admin_key.secret),
        )
        assert response.status_code == 404
