"""The correlation id: `X-Request-ID` taken or generated, echoed, and bound into log lines."""

import re

import pytest

from strata_contracts.identity import Role
from strata_kit.logging import get_logger

GENERATED = re.compile(r"^[0-9a-f]{32}$")


async def asgi_get(app, path: str, headers: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    """Call the app as a server would, with raw header bytes; return the response headers."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return dict(sent[0]["headers"])


class TestRequestId:
    @pytest.mark.parametrize(
        "sent",
        [
            pytest.param("x" * 129, id="too-long"),
            pytest.param("two words", id="space"),
            pytest.param("<script>", id="markup"),
            pytest.param("a/b", id="slash"),
            pytest.param("", id="empty"),
        ],
    )
    async def test_a_malformed_id_is_replaced_by_a_generated_one(self, client, sent):
        response = await client.get("/healthz", headers={"X-Request-ID": sent})
        assert GENERATED.match(response.headers["x-request-id"])

    async def test_an_id_ending_in_a_newline_is_replaced(self, app):
        headers = await asgi_get(app, "/healthz", [(b"x-request-id", b"abc\n")])
        assert GENERATED.match(headers[b"x-request-id"].decode())

    async def test_an_absent_id_is_generated_and_differs_per_request(self, client):
        first = (await client.get("/healthz")).headers["x-request-id"]
        second = (await client.get("/healthz")).headers["x-request-id"]
        assert GENERATED.match(first)
        assert GENERATED.match(second)
        assert first != second

    async def test_a_well_formed_id_is_kept_and_echoed(self, client, identity_headers):
        sent = "edge-7f3a.2024:req_01"
        response = await client.get(
            "/api/v1/kittest/nothing-here", headers={**identity_headers(), "X-Request-ID": sent}
        )
        assert response.headers["x-request-id"] == sent
        assert response.json()["request_id"] == sent

    async def test_the_longest_well_formed_id_is_kept(self, client):
        sent = "r" * 128
        response = await client.get("/healthz", headers={"X-Request-ID": sent})
        assert response.headers["x-request-id"] == sent


class TestRequestIdInLogs:
    async def test_every_line_of_a_request_carries_its_id(
        self, client, identity_headers, json_logs
    ):
        logs = json_logs()
        await client.post(
            "/api/v1/kittest/widgets",
            json={"name": "bolt"},
            headers={**identity_headers(Role.HR), "X-Request-ID": "log-me-1"},
        )
        [created] = logs.events("widget.created")
        [request] = logs.events("http.request")
        assert created["request_id"] == "log-me-1"
        assert request["request_id"] == "log-me-1"
        assert (request["method"], request["path"], request["status"]) == (
            "POST",
            "/api/v1/kittest/widgets",
            201,
        )

    async def test_the_id_is_unbound_once_the_request_ends(self, client, json_logs):
        logs = json_logs()
        await client.get("/api/v1/kittest/widgets", headers={"X-Request-ID": "log-me-2"})
        get_logger("kittest").info("after.request")
        [after] = logs.events("after.request")
        assert "request_id" not in after

    async def test_the_generated_id_is_the_one_logged(self, client, json_logs):
        logs = json_logs()
        response = await client.get("/api/v1/kittest/widgets")
        [request] = logs.events("http.request")
        assert request["request_id"] == response.headers["x-request-id"]


def layers(app) -> list[str]:  # type: ignore[no-untyped-def]
    """The middleware classes a request passes through, outermost first, to the router."""
    names = []
    layer = app.build_middleware_stack()
    while layer is not app.router and hasattr(layer, "app"):
        names.append(type(layer).__name__)
        layer = layer.app
    return names


class TestOneRequestLayer:
    """Correlation id, request log, metrics and the answered-error guard are one pure ASGI
    layer: each layer is resumed on every await of a request."""

    def test_the_kit_adds_one_layer_outside_the_framework_and_one_for_identity(self, app):
        assert layers(app) == [
            "RequestContextMiddleware",
            "ServerErrorMiddleware",
            "ExceptionTelemetryMiddleware",
            "AppBodyLimitMiddleware",
            "IdentityMiddleware",
            "ExceptionMiddleware",
            "AsyncExitStackMiddleware",
        ]

    def test_no_layer_is_a_base_http_middleware(self, app):
        from starlette.middleware.base import BaseHTTPMiddleware

        layer = app.build_middleware_stack()
        while layer is not app.router and hasattr(layer, "app"):
            assert not isinstance(layer, BaseHTTPMiddleware)
            layer = layer.app

    async def test_an_unhandled_error_is_timed_as_a_500(self, app, client, identity_headers):
        response = await client.get("/api/v1/kittest/boom", headers=identity_headers())
        assert response.status_code == 500
        metrics = await client.get("/metrics")
        assert 'route="/api/v1/kittest/boom",status="500"' in metrics.text
