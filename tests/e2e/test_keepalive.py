"""After an error answer the next request on the same connection succeeds: client to
gateway, client to service, and gateway to service (its pooled connection is kept).

An unhandled exception used to make uvicorn close the connection once the 500 had gone
out (Starlette re-raises after answering): the client's next request on its keep-alive
connection failed, and the gateway's next request on that pooled connection answered
503 to whoever sent it. Connections are checked by their sockets, not by timing."""

import base64
import http.client
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from strata_contracts.identity import IdentityClaims, Role
from strata_kit.identity import mint_identity_token

from .stack import SERVICES, Stack

pytestmark = pytest.mark.e2e

DEEP_CURSOR = base64.urlsafe_b64encode(("[" * 5000 + "]" * 5000).encode()).decode()
LISTS = {
    "goals": "/api/v1/goals/employees",
    "reviews": "/api/v1/reviews/campaigns",
    "feedback": "/api/v1/feedback/interviews",
    "analytics": "/api/v1/analytics/jobs",
}


def upstream_sockets(pid: int, port: int) -> set[int]:
    """Local ports of `pid`'s established TCP connections to 127.0.0.1:`port`."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
        if state == "01" and inode in inodes and int(remote.split(":")[1], 16) == port:
            found.add(int(local.split(":")[1], 16))
    return found


class Connection:
    """One keep-alive connection; a request on it never silently reconnects."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = headers
        self.http.connect()
        self.socket = self.http.sock

    def send(
        self, method: str, path: str, body: bytes | None = None, **headers: str
    ) -> tuple[int, bytes, str]:
        self.http.request(method, path, body=body, headers={**self.headers, **headers})
        response = self.http.getresponse()
        content = response.read()
        assert self.http.sock is self.socket, "the connection was replaced"
        return response.status, content, response.getheader("content-type") or ""

    def close(self) -> None:
        self.http.close()


def bad_requests(service: str) -> list[tuple[str, str, bytes | None, dict[str, str]]]:
    json_type = {"Content-Type": "application/json"}
    return [
        ("GET", f"{LISTS[service]}?cursor={DEEP_CURSOR}", None, {}),
        ("GET", f"{LISTS[service]}?cursor=!!not-a-cursor", None, {}),
        ("GET", f"/api/v1/{service}/no-such-thing", None, {}),
        ("POST", LISTS[service], b"{not json", json_type),
        ("PATCH", f"/api/v1/{service}/me", b"{}", json_type),
    ]


@pytest.fixture(scope="module")
def admin(stack: Stack) -> dict[str, str]:
    created = stack.create_tenant("Keep-alive Ltd")
    return {"Authorization": f"Bearer {created['admin_key']['secret']}"}


@pytest.mark.parametrize("service", SERVICES)
def test_error_answers_keep_the_client_and_pooled_connections(stack, admin, service):
    gateway = stack.processes["gateway"].pid
    client = Connection(stack.ports["gateway"], admin)
    try:
        assert client.send("GET", LISTS[service])[0] == 200  # the pool has its connection
        pooled = upstream_sockets(gateway, stack.ports[service])
        assert pooled
        for method, path, body, headers in bad_requests(service):
            status, content, media = client.send(method, path, body, **headers)
            assert status >= 400, (method, path, status)
            assert media == "application/problem+json", (path, status, content[:200])
            status, content, _ = client.send("GET", LISTS[service])
            assert status == 200, (path, content[:300])
            assert upstream_sockets(gateway, stack.ports[service]) == pooled, path
    finally:
        client.close()


@pytest.mark.parametrize("service", SERVICES)
def test_error_answers_keep_a_direct_connection_to_the_service(stack, service):
    claims = IdentityClaims(subject="ops", tenant_id=None, roles=frozenset({Role.ADMIN}))
    token = mint_identity_token(claims, stack.secret)
    from strata_contracts.identity import IDENTITY_HEADER

    client = Connection(stack.ports[service], {IDENTITY_HEADER: token})
    try:
        for method, path, body, headers in bad_requests(service):
            status, _, _ = client.send(method, path, body, **headers)
            assert status >= 400, (method, path, status)
            assert client.send("GET", "/readyz")[0] == 200, path
    finally:
        client.close()


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A gateway whose goals upstream is a kit service with a route that always raises."""
    running = Stack(tmp_path_factory.mktemp("faulty"))
    script = Path(__file__).with_name("faulty_service.py")
    log = open(running.root / "goals.log", "ab")  # noqa: SIM115
    running.logs["goals"] = log
    try:
        running.cli("migrate")
        running.start("gateway")
        running.processes["goals"] = subprocess.Popen(
            [sys.executable, str(script), "serve"], env=running.env, stdout=log, stderr=log
        )
        running.wait_ready("gateway", "goals")
        yield running
    finally:
        running.down()


def test_an_unhandled_error_keeps_the_connection_to_the_service(faulty):
    claims = IdentityClaims(subject="ops", tenant_id=None, roles=frozenset({Role.ADMIN}))
    from strata_contracts.identity import IDENTITY_HEADER

    client = Connection(
        faulty.ports["goals"], {IDENTITY_HEADER: mint_identity_token(claims, faulty.secret)}
    )
    try:
        for _ in range(3):
            status, content, media = client.send("GET", "/api/v1/goals/boom")
            assert status == 500
            assert media == "application/problem+json"
            assert json.loads(content)["request_id"]
            assert client.send("GET", "/api/v1/goals/fine")[0] == 200
            assert client.send("POST", "/api/v1/goals/fine", b"")[0] == 201
    finally:
        client.close()
    assert "http.unhandled_error" in faulty.log_text("goals")  # still logged, once per error


def test_an_unhandled_error_behind_the_gateway_keeps_both_connections(faulty):
    created = faulty.create_tenant("Faulty Ltd")
    client = Connection(
        faulty.ports["gateway"], {"Authorization": f"Bearer {created['admin_key']['secret']}"}
    )
    gateway = faulty.processes["gateway"].pid
    try:
        assert client.send("GET", "/api/v1/goals/fine")[0] == 200
        pooled = upstream_sockets(gateway, faulty.ports["goals"])
        assert len(pooled) == 1
        for _ in range(3):
            assert client.send("GET", "/api/v1/goals/boom")[0] == 500
            # A POST is never retried by the gateway: it needs the pooled connection alive.
            status, content, _ = client.send("POST", "/api/v1/goals/fine", b"")
            assert status == 201, content[:300]
            assert upstream_sockets(gateway, faulty.ports["goals"]) == pooled
    finally:
        client.close()
