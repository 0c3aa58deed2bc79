"""The platform end to end: five real processes, real HTTP, real databases, real keys."""

import json
import socket
import subprocess
import sys
import time

import httpx
import pytest

from .stack import SERVICES, Stack, free_port

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def tenant(stack: Stack) -> dict:
    return stack.create_tenant("E2E Manufacturing")


@pytest.fixture(scope="module")
def admin(tenant: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tenant['admin_key']['secret']}"}


class TestThroughTheGateway:
    def test_no_key_is_401_problem(self, stack):
        response = httpx.get(f"{stack.url()}/api/v1/goals/me")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    def test_wrong_key_is_401_problem(self, stack):
        response = httpx.get(
            f"{stack.url()}/api/v1/goals/me",
            headers={"Authorization": "Bearer strata_00000000_nope"},
        )
        assert response.status_code == 401
        assert response.json()["status"] == 401

    @pytest.mark.parametrize("service", SERVICES)
    def test_each_service_health_and_an_authenticated_call(self, stack, tenant, admin, service):
        assert httpx.get(f"{stack.url(service)}/healthz").json()["status"] == "ok"
        response = httpx.get(f"{stack.url()}/api/v1/{service}/me", headers=admin)
        assert response.status_code == 200
        body = response.json()
        assert body["service"] == service
        assert body["tenant_id"] == tenant["tenant"]["id"]
        assert body["roles"] == ["admin"]

    def test_request_id_travels_every_hop(self, stack, admin):
        response = httpx.get(
            f"{stack.url()}/api/v1/goals/me", headers={**admin, "X-Request-ID": "e2e-trace-42"}
        )
        assert response.headers["x-request-id"] == "e2e-trace-42"
        goals_lines = [
            json.loads(line)
            for line in stack.log_text("goals").splitlines()
            if line.startswith("{")
        ]
        assert any(
            line.get("request_id") == "e2e-trace-42" and line.get("event") == "http.request"
            for line in goals_lines
        )

    def test_merged_openapi_and_docs(self, stack):
        spec = httpx.get(f"{stack.url()}/openapi.json").json()
        assert "x-strata-unavailable" not in spec
        for service in SERVICES:
            assert f"/api/v1/{service}/me" in spec["paths"]
        assert httpx.get(f"{stack.url()}/docs").status_code == 200

    def test_secrets_never_logged(self, stack, tenant, admin):
        httpx.get(f"{stack.url()}/api/v1/goals/me", headers=admin)
        secret = tenant["admin_key"]["secret"]
        for app in ("gateway", *SERVICES):
            text = stack.log_text(app)
            assert secret not in text
            assert stack.secret not in text


class TestBypassingTheGateway:
    @pytest.mark.parametrize("service", SERVICES)
    def test_direct_call_without_token_is_401(self, stack, service):
        response = httpx.get(f"{stack.url(service)}/api/v1/{service}/me")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    def test_direct_call_with_an_api_key_is_still_401(self, stack, admin):
        assert httpx.get(f"{stack.url('goals')}/api/v1/goals/me", headers=admin).status_code == 401


class TestServiceFailure:
    def test_killed_service_answers_503_while_others_work_then_recovers(self, stack, admin):
        stack.stop("analytics", sig=9)
        down = httpx.get(f"{stack.url()}/api/v1/analytics/me", headers=admin)
        assert down.status_code == 503
        assert down.headers["content-type"] == "application/problem+json"
        assert httpx.get(f"{stack.url()}/api/v1/goals/me", headers=admin).status_code == 200
        stack.start("analytics")
        stack.wait_ready("analytics")
        assert httpx.get(f"{stack.url()}/api/v1/analytics/me", headers=admin).status_code == 200

    def test_slow_upstream_is_504_not_a_hung_client(self, stack, tenant, admin):
        # A socket that accepts connections and never answers, behind a second gateway
        # with a one-second read timeout.
        with socket.socket() as black_hole:
            black_hole.bind(("127.0.0.1", 0))
            black_hole.listen(16)
            port = free_port()
            env = {
                **stack.env,
                "GATEWAY_PORT": str(port),
                "GATEWAY_GOALS_URL": f"http://127.0.0.1:{black_hole.getsockname()[1]}",
                "GATEWAY_READ_TIMEOUT_SECONDS": "1",
            }
            slow_gateway = subprocess.Popen(
                [sys.executable, "-m", "strata_gateway", "serve"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                for _ in range(300):
                    try:
                        if (
                            httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code
                            == 200
                        ):
                            break
                    except httpx.HTTPError:
                        pass
                    time.sleep(0.2)
                response = httpx.get(
                    f"http://127.0.0.1:{port}/api/v1/goals/me", headers=admin, timeout=30
                )
                assert response.status_code == 504
                assert response.headers["content-type"] == "application/problem+json"
                # The other upstreams of that gateway still answer.
                ok = httpx.get(
                    f"http://127.0.0.1:{port}/api/v1/reviews/me", headers=admin, timeout=30
                )
                assert ok.status_code == 200
            finally:
                slow_gateway.terminate()
                slow_gateway.wait(timeout=20)
