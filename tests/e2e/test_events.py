"""The event pipeline end to end, on real processes: outbox → relay → hub → consumers.

Analytics is killed while goals produces events, then started again: it catches up and
misses nothing. A webhook subscriber that fails three times, then recovers, receives every
event, each verified with the Standard Webhooks library. The integrator's Python client
(`StrataClient`) drives the public side.
"""

import asyncio
import json
import signal
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from strata_contracts.gateway import WebhookCreate
from strata_contracts.sdk import StrataClient

from .stack import Stack

pytestmark = pytest.mark.e2e
DEADLINE_SECONDS = 60


class Receiver:
    def __init__(self, failures: int) -> None:
        self.secret: str | None = None
        self.failures_left = failures
        self.refused = 0
        self.received: dict[str, dict] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                with receiver.lock:
                    if receiver.failures_left > 0:
                        receiver.failures_left -= 1
                        receiver.refused += 1
                        self.send_response(503)
                        self.end_headers()
                        return
                    payload = Webhook(receiver.secret or "").verify(
                        body, dict(self.headers.items())
                    )
                    receiver.received[payload["id"]] = payload
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(
        tmp_path_factory.mktemp("events"),
        extra_env={
            "GATEWAY_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
            "GATEWAY_WEBHOOK_RETRY_SCHEDULE": "0.5,0.5,0.5,0.5,0.5",
        },
    )
    try:
        running.up()
        yield running
    finally:
        running.down()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    target = Receiver(failures=3)
    target.thread.start()
    yield target
    target.server.shutdown()
    target.server.server_close()


async def eventually(check, what: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(DEADLINE_SECONDS * 4):
        if await check():
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


async def test_analytics_catches_up_and_the_webhook_gets_everything(stack, receiver):
    tenant = stack.create_tenant("Events Ltd")
    key = tenant["admin_key"]["secret"]
    async with StrataClient(stack.url(), api_key=key) as strata:
        created = await strata.gateway.create_webhook(WebhookCreate(url=receiver.url))
        receiver.secret = created.secret

        stack.stop("analytics", sig=signal.SIGKILL)
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=stack.url(), headers=headers) as http:
            unit = await http.post("/api/v1/goals/org-units", json={"name": "Acme"})
            assert unit.status_code == 201, unit.text
            for i in range(6):
                employee = await http.post(
                    "/api/v1/goals/employees",
                    json={
                        "name": f"Person {i}",
                        "email": f"p{i}@acme.example",
                        "org_unit_id": unit.json()["id"],
                        "external_id": f"E{i:03}",
                    },
                )
                assert employee.status_code == 201, employee.text

        async def hub_has_them() -> bool:
            page = await strata.gateway.events(limit=1000)
            return len(page.items) >= 7

        await eventually(hub_has_them, "the relay to deliver goals' events to the hub")
        produced = {e.id for e in (await strata.gateway.events(limit=1000)).items}

        # Analytics was down for all of it; start it and it catches up from its cursor.
        stack.start("analytics")
        stack.wait_ready("analytics")

        async def analytics_has_them() -> bool:
            page = await strata.analytics.ingested_events(limit=500)
            return {e.id for e in page.items} == produced

        await eventually(analytics_has_them, "analytics to catch up")
        status = await strata.analytics.ingestion_status()
        assert sum(s.events for s in status.sources) == len(produced)

        async def webhook_has_them() -> bool:
            return {str(i) for i in produced} <= set(receiver.received)

        await eventually(webhook_has_them, "the webhook subscriber to receive every event")
        assert receiver.refused == 3
        assert all(p["tenant_id"] == tenant["tenant"]["id"] for p in receiver.received.values())
        log = await strata.gateway.webhook_deliveries(created.id, limit=100)
        assert {d.status for d in log.items} == {"succeeded"}


def test_no_event_carries_another_tenants_data(stack):
    first = stack.create_tenant("First")
    second = stack.create_tenant("Second")
    headers = {"Authorization": f"Bearer {first['admin_key']['secret']}"}
    httpx.post(f"{stack.url()}/api/v1/goals/org-units", json={"name": "First HQ"}, headers=headers)
    other = {"Authorization": f"Bearer {second['admin_key']['secret']}"}
    feed = httpx.get(f"{stack.url()}/api/v1/events", headers=other).json()
    assert "First HQ" not in json.dumps(feed)
