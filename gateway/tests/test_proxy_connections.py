"""The gateway's pooled connections to a service (the real aiohttp transport, a real
socket): a connection the service closed is retried once for an idempotent request, never
for a POST that may have reached the service."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from strata_kit.http import create_upstream_client

from .conftest import bearer


class ClosingUpstream:
    """Answers the first request on each connection (keep-alive), then reads the next one
    and closes the connection without answering: a pooled connection that turns out dead."""

    def __init__(self) -> None:
        self.requests: list[tuple[int, str]] = []  # (connection number, request line)
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        try:
            for position in range(2):
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if length:
                    await reader.readexactly(length)
                self.requests.append((number, head.split(b"\r\n", 1)[0].decode()))
                if position == 1:
                    break  # the second request on this connection: close without answering
                body = b'{"ok":true}'
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    b"content-length: %d\r\n\r\n%s" % (len(body), body)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])


@pytest.fixture
async def closing(app) -> AsyncIterator[ClosingUpstream]:
    upstream = ClosingUpstream()
    upstream.server = await asyncio.start_server(upstream.handle, "127.0.0.1", 0)
    client = create_upstream_client(f"http://127.0.0.1:{upstream.port}")
    app.state.upstreams["goals"] = client
    yield upstream
    await client.aclose()
    upstream.server.close()
    await upstream.server.wait_closed()


@pytest.fixture
async def admin(make_tenant):
    created = await make_tenant()
    return bearer(created.admin_key.secret)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_an_idempotent_request_is_retried_once_on_a_dead_pooled_connection(
    client, closing, admin, method
):
    assert (
        await client.request(method, "/api/v1/goals/things/1", headers=admin)
    ).status_code == 200
    again = await client.request(method, "/api/v1/goals/things/1", headers=admin)
    assert again.status_code == 200, again.text
    # The pooled connection received it and died; a new connection answered it.
    assert [number for number, _ in closing.requests] == [1, 1, 2]


@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_a_request_that_may_have_been_applied_is_never_sent_twice(
    client, closing, admin, method
):
    first = await client.request(method, "/api/v1/goals/things", headers=admin, json={})
    assert first.status_code == 200
    second = await client.request(method, "/api/v1/goals/things", headers=admin, json={})
    assert second.status_code == 502, second.text
    assert second.headers["content-type"] == "application/problem+json"
    assert "may or may not" in second.json()["detail"]
    assert [number for number, _ in closing.requests] == [1, 1]  # sent once, not retried
    third = await client.request(method, "/api/v1/goals/things", headers=admin, json={})
    assert third.status_code == 200  # the next one gets a new connection
