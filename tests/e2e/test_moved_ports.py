"""The whole system on ports that are not the defaults, set as `make run` sets them (only
`<APP>_PORT`; every internal URL derived from them): the demo tenant's analytics gets its
360 results from reviews, no job fails, and each process finds the ones it calls.

Before the URLs were derived in one place, analytics kept pulling 360 answers from
127.0.0.1:8002 whatever REVIEWS_PORT said: every `ratings.pull` job failed, the 360 report
answered 404 and fairness reports came back empty."""

import json
import time

import httpx
import pytest

from .stack import APPS, Stack

pytestmark = pytest.mark.e2e
WAIT_SECONDS = 300


@pytest.fixture(scope="module")
def demo_stack(demo_stack: Stack) -> Stack:
    """The root conftest's demo stack: default settings, so only `<APP>_PORT` is set."""
    assert not set(demo_stack.ports.values()) & {8000, 8001, 8002, 8003, 8004}
    return demo_stack


def logged(stack: Stack, app: str, event: str) -> list[dict]:
    found = []
    for line in stack.log_text(app).splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("event") == event:
            found.append(record)
    return found


def test_the_demo_tenant_gets_its_360_results_and_no_job_fails(demo_stack):
    demo = json.loads((demo_stack.root / "data" / "demo.json").read_text())
    api = httpx.Client(
        base_url=demo_stack.url(),
        headers={"Authorization": f"Bearer {demo['admin_key']}"},
        timeout=30,
    )
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        items = api.get("/api/v1/analytics/results", params={"limit": 100}).json()["items"]
        with_360 = [item for item in items if item.get("campaign_id")]
        status = api.get("/api/v1/analytics/ingestion/status").json()
        if with_360 or status["failing_pulls"] or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert status["failing_pulls"] == [], status["failing_pulls"]
    assert with_360, f"no result with a 360 part after {WAIT_SECONDS} s"
    assert status["pulls"].get("succeeded", 0) >= 1
    result = with_360[0]
    report = api.get(
        f"/api/v1/analytics/reports/360/{result['employee_id']}/{result['campaign_id']}"
    )
    assert report.status_code == 200, report.text

    for service in ("goals", "analytics"):
        jobs = api.get(f"/api/v1/{service}/jobs", params={"limit": 200}).json()["items"]
        bad = [(j["kind"], j["status"], j["error"]) for j in jobs if j["error"]]
        assert bad == [], (service, bad)
    api.close()


def test_each_process_found_the_ones_it_calls(demo_stack):
    expected = {
        "gateway": {f"GATEWAY_{s}_URL" for s in ("GOALS", "REVIEWS", "FEEDBACK", "ANALYTICS")},
        "goals": {"GOALS_GATEWAY_URL"},
        "analytics": {"ANALYTICS_GATEWAY_URL", "ANALYTICS_REVIEWS_URL"},
    }
    # An upstream that was not up yet is asked again after pauses of up to a minute.
    deadline = time.monotonic() + 180
    for app, settings in expected.items():
        while True:
            reachable = {
                r["setting"]: r["url"] for r in logged(demo_stack, app, "upstream.reachable")
            }
            if settings <= set(reachable) or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert settings <= set(reachable), (app, reachable)
    reviews = next(
        r
        for r in logged(demo_stack, "analytics", "upstream.reachable")
        if r["setting"] == "ANALYTICS_REVIEWS_URL"
    )
    assert reviews["url"] == demo_stack.url("reviews")
    for app in APPS:
        assert logged(demo_stack, app, "upstream.wrong_service") == [], app
