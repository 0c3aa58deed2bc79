"""Webhooks go out in order per subscription and subject, to a real HTTP receiver.

The receiver is a small HTTP server on a free local port (a thread), verifying every
delivery with the Standard Webhooks library and failing chosen events on purpose. The
dispatcher is driven round by round (`run_once`), so the order is decided by what each
round may send, not by timing.
"""

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from strata_gateway.settings import GatewaySettings
from strata_gateway.webhooks.dispatcher import WebhookDispatcher
from strata_kit.db import create_engine, create_sessionmaker

from .conftest import bearer
from .test_events import event, send


class RealReceiver:
    """Records every attempt (event id, outcome) in arrival order."""

    def __init__(self) -> None:
        self.secret: str | None = None
        self.fail: dict[str, int] = {}  # event id -> failures left
        self.log: list[tuple[str, str]] = []  # (event id, "ok" | "refused")
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                assert receiver.secret is not None
                payload = Webhook(receiver.secret).verify(body, dict(self.headers.items()))
                event_id = payload["id"]
                with receiver.lock:
                    refuse = receiver.fail.get(event_id, 0) > 0
                    if refuse:
                        receiver.fail[event_id] -= 1
                    receiver.log.append((event_id, "refused" if refuse else "ok"))
                self.send_response(503 if refuse else 204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def delivered(self) -> list[str]:
        return [event_id for event_id, outcome in self.log if outcome == "ok"]

    def index(self, event_id: str, outcome: str = "ok") -> int:
        return self.log.index((event_id, outcome))


@pytest.fixture
def gateway_overrides():
    return {
        "webhook_dispatch": False,
        "webhook_retry_schedule": "0,0,0,0",
        "webhook_allow_private_urls": True,
    }


@pytest.fixture
def real_receiver() -> Iterator[RealReceiver]:
    receiver = RealReceiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
async def tenant(make_tenant):
    return await make_tenant()


async def subscribe(client, tenant, receiver: RealReceiver) -> dict:
    response = await client.post(
        "/api/v1/webhooks", headers=bearer(tenant.admin_key.secret), json={"url": receiver.url}
    )
    assert response.status_code == 201, response.text
    receiver.secret = response.json()["secret"]
    return response.json()


async def drain(*dispatchers: WebhookDispatcher, rounds: int = 40) -> None:
    for _ in range(rounds):
        sent = await asyncio.gather(*(d.run_once() for d in dispatchers))
        if not any(sent):
            return


class TestOrderPerSubject:
    async def test_a_retried_event_holds_back_its_subject_only(
        self, client, app, tenant, real_receiver
    ):
        await subscribe(client, tenant, real_receiver)
        # PATCH name "x" then "y" of one employee, and another employee's change between.
        x = event(tenant.tenant.id, subject="employee/A")
        other = event(tenant.tenant.id, subject="employee/B")
        y = event(tenant.tenant.id, subject="employee/A")
        real_receiver.fail[str(x.id)] = 2
        await send(client, x, other, y)
        await drain(app.state.dispatcher)

        x_id, y_id, other_id = str(x.id), str(y.id), str(other.id)
        assert sorted(real_receiver.delivered()) == sorted([x_id, y_id, other_id])
        assert [e for e, _ in real_receiver.log].count(x_id) == 3  # refused twice, then ok
        # The next event of the same subject is not even tried before the first succeeded.
        first_try_of_y = [e for e, _ in real_receiver.log].index(y_id)
        assert first_try_of_y > real_receiver.index(x_id)
        # The other subject went on while x waited for its retries.
        assert real_receiver.index(other_id) < real_receiver.index(x_id)

    async def test_final_failure_releases_the_next_event_after_enable(
        self, client, app, tenant, real_receiver
    ):
        created = await subscribe(client, tenant, real_receiver)
        headers = bearer(tenant.admin_key.secret)
        first = event(tenant.tenant.id, subject="campaign/1")
        second = event(tenant.tenant.id, subject="campaign/1")
        real_receiver.fail[str(first.id)] = 5  # every attempt of the schedule
        await send(client, first, second)
        await drain(app.state.dispatcher)
        assert real_receiver.delivered() == []
        assert str(second.id) not in [e for e, _ in real_receiver.log]
        state = await client.get(f"/api/v1/webhooks/{created['id']}", headers=headers)
        assert state.json()["enabled"] is False
        await client.patch(
            f"/api/v1/webhooks/{created['id']}", headers=headers, json={"enabled": True}
        )
        await drain(app.state.dispatcher)
        assert real_receiver.delivered() == [str(first.id), str(second.id)]

    async def test_replay_keeps_the_order(self, client, app, tenant, real_receiver):
        campaign = [event(tenant.tenant.id, subject="campaign/7") for _ in range(6)]
        await send(client, *campaign)
        created = await subscribe(client, tenant, real_receiver)
        response = await client.post(
            f"/api/v1/webhooks/{created['id']}/replay",
            headers=bearer(tenant.admin_key.secret),
            json={"after_position": 0},
        )
        assert response.json() == {"queued": 6}
        real_receiver.fail[str(campaign[2].id)] = 1
        await drain(app.state.dispatcher)
        assert real_receiver.delivered() == [str(e.id) for e in campaign]
        # Replayed again: the same order once more.
        real_receiver.log.clear()
        await client.post(
            f"/api/v1/webhooks/{created['id']}/replay",
            headers=bearer(tenant.admin_key.secret),
            json={"after_position": 0},
        )
        await drain(app.state.dispatcher)
        assert real_receiver.delivered() == [str(e.id) for e in campaign]


class TestTwoReplicas:
    async def test_two_dispatchers_on_one_database_keep_the_order_and_send_once(
        self, client, app, tenant, real_receiver, database_url, settings
    ):
        if not database_url.startswith("postgresql"):
            pytest.skip("replicas claim deliveries with FOR UPDATE SKIP LOCKED (PostgreSQL)")
        await subscribe(client, tenant, real_receiver)
        subjects = [f"employee/{i}" for i in range(4)]
        events = [event(tenant.tenant.id, subject=subjects[i % 4]) for i in range(24)]
        for e in events[::5]:
            real_receiver.fail[str(e.id)] = 1
        await send(client, *events)
        engine = create_engine(database_url, pool_size=2)
        http = httpx.AsyncClient(trust_env=False)
        try:
            assert isinstance(settings, GatewaySettings)
            other = WebhookDispatcher(create_sessionmaker(engine), settings, http)
            await drain(app.state.dispatcher, other)
        finally:
            await http.aclose()
            await engine.dispose()
        delivered = real_receiver.delivered()
        assert sorted(delivered) == sorted(str(e.id) for e in events)  # each exactly once
        for subject in subjects:
            wanted = [str(e.id) for e in events if e.subject == subject]
            assert [d for d in delivered if d in wanted] == wanted
