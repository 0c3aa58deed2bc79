"""The gateway's /metrics: request figures by route template, rate-limit refusals, webhook
delivery failures and disabled subscriptions (scrape-time gauges), on both backends."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from .conftest import bearer
from .test_events import event, send
from .test_webhooks import drain, subscribe
from .test_webhooks import receiver as receiver  # the fixture


@pytest.fixture
def gateway_overrides():
    return {
        "webhook_dispatch": False,
        "webhook_retry_schedule": "0",
        "webhook_allow_private_urls": True,
        "rate_limit_burst": 5,
        "rate_limit_per_minute": 1,
    }


async def scrape(client) -> dict[tuple[str, frozenset], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


async def test_requests_refusals_and_webhook_failures_are_counted(
    client, app, make_tenant, receiver
):
    tenant = await make_tenant()
    headers = bearer(tenant.admin_key.secret)
    before = await scrape(client)
    assert value(before, "strata_webhook_subscriptions_disabled") == 0
    created = await subscribe(client, tenant, receiver)
    receiver.failures_left = 2  # the first attempt and its one retry
    await send(client, event(tenant.tenant.id))
    await drain(app)
    statuses = [
        (await client.get(f"/api/v1/webhooks/{created['id']}", headers=headers)).status_code
        for _ in range(6)
    ]
    assert 429 in statuses
    after = await scrape(client)
    route = {"route": "/api/v1/webhooks/{webhook_id}", "method": "GET"}
    assert value(after, "strata_http_request_duration_seconds_count", **route, status="200") >= 1
    assert value(after, "strata_rate_limit_refusals_total") == statuses.count(429)
    assert value(after, "strata_webhook_delivery_failures_total", final="false") == 1
    assert value(after, "strata_webhook_delivery_failures_total", final="true") == 1
    assert value(after, "strata_webhook_subscriptions_disabled") == 1
    assert value(after, "strata_webhook_deliveries", status="failed") == 1
    assert value(after, "strata_hub_head_position") >= 1
    assert value(after, "strata_db_pool_size") >= 0
    assert value(after, "strata_metrics_scrape_errors_total") == 0
    # Ids never become labels: one series per route template.
    assert not any("webhooks/" + created["id"] in str(labels) for _, labels in after)


async def test_metrics_can_be_switched_off(settings_factory, database_url):
    from strata_gateway.main import create_app

    app = create_app(settings_factory(database_url=database_url, metrics=False))
    assert not any(getattr(r, "path", None) == "/metrics" for r in app.routes)
    assert getattr(app.state, "metrics", None) is None
