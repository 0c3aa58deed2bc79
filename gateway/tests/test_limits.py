"""Edge limits: body size (413), rate per key (429 + Retry-After), CORS."""

import httpx
import pytest

from .conftest import bearer, echo_identity


class TestBodyLimit:
    @pytest.fixture
    def gateway_overrides(self):
        return {"max_body_bytes": 2048}

    async def test_declared_oversized_body_is_413_and_not_forwarded(
        self, client, upstream, make_tenant
    ):
        created = await make_tenant()
        calls: list[httpx.Request] = []
        upstream("goals", lambda r: calls.append(r) or httpx.Response(201, json={}))
        response = await client.post(
            "/api/v1/goals/things", headers=bearer(created.admin_key.secret), content=b"x" * 4096
        )
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert calls == []

    async def test_streamed_oversized_body_is_413(self, client, upstream, make_tenant):
        created = await make_tenant()
        calls: list[httpx.Request] = []
        upstream("goals", lambda r: calls.append(r) or httpx.Response(201, json={}))

        async def chunks():
            for _ in range(4):
                yield b"y" * 1024

        response = await client.post(
            "/api/v1/goals/things", headers=bearer(created.admin_key.secret), content=chunks()
        )
        assert response.status_code == 413
        assert calls == []

    @pytest.mark.parametrize(
        ("path", "headers"),
        [
            ("/api/v1/goals/things", {"Idempotency-Key": "stream-1"}),
            ("/api/v1/webhooks", {}),
            ("/api/v1/webhooks", {"Idempotency-Key": "stream-2"}),
        ],
    )
    async def test_streamed_oversized_body_is_413_wherever_it_goes(
        self, client, upstream, make_tenant, path, headers
    ):
        # Through the idempotency middleware this was a 500, and on the gateway's own
        # routes FastAPI's body parser turned it into a 400.
        created = await make_tenant()
        calls: list[httpx.Request] = []
        upstream("goals", lambda r: calls.append(r) or httpx.Response(201, json={}))

        async def chunks():
            for _ in range(4):
                yield b"y" * 1024

        response = await client.post(
            path,
            headers={**bearer(created.admin_key.secret), **headers},
            content=chunks(),
        )
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert calls == []

    async def test_streamed_body_within_limit_is_forwarded_intact(
        self, client, upstream, make_tenant
    ):
        created = await make_tenant()
        upstream("goals", lambda r: httpx.Response(201, content=r.content))

        async def chunks():
            for _ in range(3):
                yield b"w" * 600

        response = await client.post(
            "/api/v1/goals/things",
            headers={**bearer(created.admin_key.secret), "Idempotency-Key": "stream-3"},
            content=chunks(),
        )
        assert response.status_code == 201
        assert response.content == b"w" * 1800

    async def test_body_within_limit_is_forwarded_intact(self, client, upstream, make_tenant):
        created = await make_tenant()
        upstream("goals", lambda r: httpx.Response(201, content=r.content))
        response = await client.post(
            "/api/v1/goals/things", headers=bearer(created.admin_key.secret), content=b"z" * 2000
        )
        assert response.status_code == 201
        assert response.content == b"z" * 2000


class TestRateLimit:
    @pytest.fixture
    def gateway_overrides(self):
        return {"rate_limit_burst": 3, "rate_limit_per_minute": 6}

    async def test_burst_then_429_with_retry_after(self, client, upstream, make_tenant):
        created = await make_tenant()
        upstream("goals", echo_identity("goals"))
        headers = bearer(created.admin_key.secret)
        statuses = [
            (await client.get("/api/v1/goals/me", headers=headers)).status_code for _ in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        limited = await client.get("/api/v1/goals/me", headers=headers)
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json()["type"].endswith("/rate-limited")

    async def test_limits_are_per_key(self, client, upstream, make_tenant):
        a = await make_tenant("A")
        b = await make_tenant("B")
        upstream("goals", echo_identity("goals"))
        for _ in range(3):
            await client.get("/api/v1/goals/me", headers=bearer(a.admin_key.secret))
        assert (
            await client.get("/api/v1/goals/me", headers=bearer(a.admin_key.secret))
        ).status_code == 429
        assert (
            await client.get("/api/v1/goals/me", headers=bearer(b.admin_key.secret))
        ).status_code == 200


def _layers(app) -> list[str]:  # type: ignore[no-untyped-def]
    names, layer = [], app.build_middleware_stack()
    while layer is not app.router and hasattr(layer, "app"):
        names.append(type(layer).__name__)
        layer = layer.app
    return names


class TestLayersWithoutCors:
    def test_no_origins_means_no_cors_layer(self, app):
        assert _layers(app) == [
            "RequestContextMiddleware",
            "ServerErrorMiddleware",
            "ExceptionTelemetryMiddleware",
            "AppBodyLimitMiddleware",
            "EdgeMiddleware",
            "IdempotencyMiddleware",
            "ExceptionMiddleware",
            "AsyncExitStackMiddleware",
        ]


class TestCors:
    @pytest.fixture
    def gateway_overrides(self):
        return {"cors_origins": "https://portal.example"}

    def test_origins_put_cors_outside_authentication(self, app):
        layers = _layers(app)
        assert layers.index("CORSMiddleware") + 1 == layers.index("EdgeMiddleware")

    async def test_preflight_from_allowed_origin(self, client):
        response = await client.options(
            "/api/v1/goals/me",
            headers={
                "Origin": "https://portal.example",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "https://portal.example"

    async def test_other_origin_gets_no_cors_headers(self, client, upstream, make_tenant):
        created = await make_tenant()
        upstream("goals", echo_identity("goals"))
        response = await client.get(
            "/api/v1/goals/me",
            headers={**bearer(created.admin_key.secret), "Origin": "https://evil.example"},
        )
        assert "access-control-allow-origin" not in response.headers
