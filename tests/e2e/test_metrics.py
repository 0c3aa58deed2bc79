"""Every process serves Prometheus metrics on its own port, and the figures move.

On a real stack (five processes): a few requests through the gateway to every service, a
webhook whose receiver refuses every delivery (so it fails for good and its subscription is
disabled), a bulk job left queued (the goals job runner is off), and a burst past a key's
rate limit. Each process is scraped before and after; the counters and gauges moved. The
gateway does not route a service's `/metrics` (it proxies `/api/v1/<service>/...` only).
"""

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from .stack import APPS, Stack

pytestmark = pytest.mark.e2e
DEADLINE_SECONDS = 60
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


class Refusing(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        self.send_response(503)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def refusing_receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(
        tmp_path_factory.mktemp("metrics"),
        extra_env={
            "GATEWAY_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
            "GATEWAY_WEBHOOK_RETRY_SCHEDULE": "0.2",
            "GATEWAY_RATE_LIMIT_BURST": "25",
            "GATEWAY_RATE_LIMIT_PER_MINUTE": "60",
            "GOALS_JOB_RUNNER": "false",
        },
    )
    try:
        running.up()
        yield running
    finally:
        running.down()


def scrape(stack: Stack, app: str) -> Samples:
    response = httpx.get(f"{stack.url(app)}/metrics", timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def total(samples: Samples, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= set(ls))


def has(samples: Samples, name: str) -> bool:
    return any(n == name for n, _ in samples)


async def eventually(check, what: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(DEADLINE_SECONDS * 4):
        if check():
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


REQUESTS = "strata_http_request_duration_seconds_count"


async def test_every_process_serves_metrics_and_they_move(stack, refusing_receiver):
    before = {app: scrape(stack, app) for app in APPS}
    tenant = stack.create_tenant("Metrics Ltd")
    key = tenant["admin_key"]["secret"]
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=stack.url(), headers=headers, timeout=30) as http:
        hook = await http.post("/api/v1/webhooks", json={"url": refusing_receiver})
        assert hook.status_code == 201, hook.text
        unit = await http.post("/api/v1/goals/org-units", json={"name": "Acme"})
        assert unit.status_code == 201, unit.text
        for path in (
            "/api/v1/goals/org-units",
            "/api/v1/reviews/templates",
            "/api/v1/feedback/interviews",
            "/api/v1/analytics/ingestion/status",
        ):
            for _ in range(2):
                assert (await http.get(path)).status_code == 200, path
        job = await http.post(
            "/api/v1/goals/org-units/bulk-upsert/jobs",
            json={"items": [{"external_id": "U1", "name": "Unit one"}]},
        )
        assert job.status_code == 202, job.text
        # The gateway never proxies a service's own metrics.
        assert (await http.get("/api/v1/goals/metrics")).status_code == 404
        statuses = [(await http.get("/api/v1/goals/org-units")).status_code for _ in range(40)]
        assert 429 in statuses
    served = statuses.count(200)

    # Gateway: its proxied requests, the refusals, the webhook that failed for good.
    def gateway_moved() -> bool:
        now = scrape(stack, "gateway")
        return (
            total(now, "strata_webhook_delivery_failures_total", final="true")
            > total(before["gateway"], "strata_webhook_delivery_failures_total", final="true")
            and total(now, "strata_webhook_subscriptions_disabled") >= 1
        )

    await eventually(gateway_moved, "the webhook to fail for good and be disabled")
    gateway = scrape(stack, "gateway")
    proxied = {"route": "/api/v1/{service}/{path:path}", "method": "GET"}
    assert (
        total(gateway, REQUESTS, **proxied, status="200")
        >= total(before["gateway"], REQUESTS, **proxied, status="200") + 8
    )
    # Refused at the edge, before any route: counted unmatched, with their status.
    assert total(gateway, REQUESTS, route="<unmatched>", status="429") == statuses.count(429)
    assert total(gateway, "strata_rate_limit_refusals_total") > total(
        before["gateway"], "strata_rate_limit_refusals_total"
    )
    assert total(gateway, "strata_webhook_delivery_failures_total", final="false") >= 1
    assert total(gateway, "strata_webhook_deliveries", status="failed") >= 1
    assert total(gateway, "strata_hub_head_position") >= 1
    assert total(gateway, "strata_db_pool_size") >= 1

    # Each service counts its own requests by route template.
    goals = scrape(stack, "goals")
    assert (
        total(goals, REQUESTS, route="/api/v1/goals/org-units", method="GET")
        >= total(before["goals"], REQUESTS, route="/api/v1/goals/org-units", method="GET")
        + 2
        + served
    )
    assert total(goals, "strata_jobs", status="queued") >= 1
    assert has(goals, "strata_outbox_backlog")
    assert has(goals, "strata_outbox_relay_lag_seconds")
    for app, route in (
        ("reviews", "/api/v1/reviews/templates"),
        ("feedback", "/api/v1/feedback/interviews"),
        ("analytics", "/api/v1/analytics/ingestion/status"),
    ):
        now = scrape(stack, app)
        assert total(now, REQUESTS, route=route, status="200") >= 2, app
        assert total(now, REQUESTS) > total(before[app], REQUESTS), app
        assert has(now, "strata_db_pool_checked_out"), app
        assert has(now, "strata_outbox_backlog"), app

    # Analytics follows the hub: its consumer's position moves up behind the hub's head.
    def consumer_moved() -> bool:
        position = total(scrape(stack, "analytics"), "strata_consumer_position")
        return position > total(before["analytics"], "strata_consumer_position")

    await eventually(consumer_moved, "analytics to apply the new events")
    head = total(scrape(stack, "gateway"), "strata_hub_head_position")
    assert total(scrape(stack, "analytics"), "strata_consumer_position") <= head
    assert has(scrape(stack, "analytics"), "strata_consumer_lag_seconds")
    assert total(scrape(stack, "analytics"), "strata_metrics_scrape_errors_total") == 0
