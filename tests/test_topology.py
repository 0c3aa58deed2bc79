"""Internal URLs follow the ports (one derivation, strata_kit.topology), and the start-up
check names the setting of an upstream that does not answer."""

import httpx
import pytest
import structlog

from strata_analytics.settings import AnalyticsSettings
from strata_feedback.settings import FeedbackSettings
from strata_gateway.settings import GatewaySettings
from strata_goals.settings import GoalsSettings
from strata_kit.topology import local_url
from strata_kit.upstreams import check_upstreams
from strata_reviews.settings import ReviewsSettings

MOVED = {
    "GATEWAY_PORT": "18000",
    "GOALS_PORT": "18001",
    "REVIEWS_PORT": "18002",
    "FEEDBACK_PORT": "18003",
    "ANALYTICS_PORT": "18004",
}


@pytest.fixture
def moved_ports(monkeypatch):
    for name, value in MOVED.items():
        monkeypatch.setenv(name, value)
    for name in (
        "GATEWAY_GOALS_URL",
        "GATEWAY_REVIEWS_URL",
        "GATEWAY_FEEDBACK_URL",
        "GATEWAY_ANALYTICS_URL",
        "ANALYTICS_REVIEWS_URL",
        *(f"{app}_GATEWAY_URL" for app in ("GOALS", "REVIEWS", "FEEDBACK", "ANALYTICS")),
        *(f"{app}_HOST" for app in ("GATEWAY", "GOALS", "REVIEWS", "FEEDBACK", "ANALYTICS")),
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STRATA_INTERNAL_TOKEN_SECRET", "x" * 48)


def test_every_internal_url_follows_the_ports(moved_ports):
    gateway = GatewaySettings()
    assert gateway.port == 18000
    assert gateway.upstreams() == {
        "goals": "http://127.0.0.1:18001",
        "reviews": "http://127.0.0.1:18002",
        "feedback": "http://127.0.0.1:18003",
        "analytics": "http://127.0.0.1:18004",
    }
    for settings in (GoalsSettings, ReviewsSettings, FeedbackSettings, AnalyticsSettings):
        assert settings().gateway_url == "http://127.0.0.1:18000"
    analytics = AnalyticsSettings()
    assert analytics.reviews_url == "http://127.0.0.1:18002"  # was 8002 whatever the port
    assert analytics.required_upstreams() == {
        "ANALYTICS_GATEWAY_URL": ("gateway", "http://127.0.0.1:18000"),
        "ANALYTICS_REVIEWS_URL": ("reviews", "http://127.0.0.1:18002"),
    }


def test_an_explicit_url_still_wins(moved_ports, monkeypatch):
    monkeypatch.setenv("ANALYTICS_REVIEWS_URL", "http://reviews:8000")
    assert AnalyticsSettings().reviews_url == "http://reviews:8000"


def test_a_concrete_host_is_used_and_a_wildcard_becomes_loopback():
    assert local_url("goals", {"GOALS_PORT": "9001", "GOALS_HOST": "10.0.0.5"}) == (
        "http://10.0.0.5:9001"
    )
    assert local_url("goals", {"GOALS_HOST": "0.0.0.0"}) == "http://127.0.0.1:8001"  # noqa: S104
    assert local_url("goals", {"GOALS_HOST": "::1"}) == "http://[::1]:8001"
    assert local_url("reviews", {}) == "http://127.0.0.1:8002"


async def test_the_check_names_the_setting_until_the_upstream_answers():
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        if request.url.port == 18002 and len(calls) < 3:
            raise httpx.ConnectError("refused", request=request)
        service = {18000: "gateway", 18002: "reviews"}[request.url.port]
        return httpx.Response(200, json={"status": "ok", "service": service})

    with structlog.testing.capture_logs() as logs:
        await check_upstreams(
            {
                "ANALYTICS_GATEWAY_URL": ("gateway", "http://127.0.0.1:18000"),
                "ANALYTICS_REVIEWS_URL": ("reviews", "http://127.0.0.1:18002"),
            },
            first_retry=0,
            transport=httpx.MockTransport(handler),
        )
    misses = [e for e in logs if e["event"] == "upstream.unreachable"]
    assert len(misses) == 1
    assert {e["setting"] for e in misses} == {"ANALYTICS_REVIEWS_URL"}
    assert misses[0]["url"] == "http://127.0.0.1:18002"
    reachable = {e["setting"]: e for e in logs if e["event"] == "upstream.reachable"}
    assert set(reachable) == {"ANALYTICS_GATEWAY_URL", "ANALYTICS_REVIEWS_URL"}
    assert reachable["ANALYTICS_REVIEWS_URL"]["after_failures"] is True


async def test_an_upstream_still_away_after_the_first_seconds_is_an_error():
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        if len(seen) < 6:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"status": "ok", "service": "reviews"})

    with structlog.testing.capture_logs() as logs:
        await check_upstreams(
            {"ANALYTICS_REVIEWS_URL": ("reviews", "http://127.0.0.1:18002")},
            first_retry=0.001,
            max_retry=0.016,
            quiet_until=0.004,
            transport=httpx.MockTransport(handler),
        )
    levels = [e["log_level"] for e in logs if e["event"] == "upstream.unreachable"]
    assert levels == ["warning", "warning", "error", "error", "error"]


async def test_another_service_on_the_port_is_reported_once():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": "ok", "service": "goals"})

    with structlog.testing.capture_logs() as logs:
        await check_upstreams(
            {"ANALYTICS_REVIEWS_URL": ("reviews", "http://127.0.0.1:18002")},
            first_retry=0,
            transport=httpx.MockTransport(handler),
        )
    wrong = [e for e in logs if e["event"] == "upstream.wrong_service"]
    assert len(wrong) == 1
    assert wrong[0]["answered"] == "goals"
