"""PostgreSQL restarted while clients write through the gateway, every application on it.

The stack runs on databases created for this test (fresh names, dropped after). Mid-load the
server is restarted with `pg_ctlcluster ... restart`: every pooled connection dies, and for
a moment no new one can be made. Clients must get 503 problem details (retryable), never a
500; every write they were told was stored must still be there; and the stack must work
again by itself: pools reconnect, relays resume, the gateway still authenticates.

Marked `disruptive` (see `conftest.py`): it runs only when `CI=true` or
`STRATA_TEST_DISRUPTIVE=1`, after the parallel part of `make test`.
"""

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .load import Load, eventually, run_writes
from .stack import FaultStack, make_stack, postgres_databases
from .test_service_faults import assert_every_acknowledged_write_is_stored, employees

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.disruptive]


def _cluster_version() -> str:
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    return versions[-1]


def _postgres_answers() -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", 5432)) == 0


def restart_postgres() -> None:
    subprocess.run(
        [
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            _cluster_version(),
            "main",
            "restart",
            "-m",
            "fast",
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    if not Path("/etc/postgresql").is_dir() or not _postgres_answers():
        pytest.fail("the PostgreSQL restart test needs a local cluster on 127.0.0.1:5432")
    with postgres_databases() as urls:
        running = make_stack(
            tmp_path_factory.mktemp("pgrestart"),
            GATEWAY_RATE_LIMIT_BURST="100000",
            GATEWAY_RATE_LIMIT_PER_MINUTE="1000000",
            GATEWAY_WEBHOOK_DISPATCH="false",
            # A new key must be looked up during the outage and after it, not served
            # from the cache the whole time.
            GATEWAY_API_KEY_CACHE_SECONDS="0",
            **urls,
        )
        try:
            running.up()
            yield running
        finally:
            running.down()


async def test_postgres_restart_under_load(stack):
    tenant = stack.create_tenant("Restart Ltd")
    admin = {"Authorization": f"Bearer {tenant['admin_key']['secret']}"}
    async with httpx.AsyncClient(base_url=stack.url(), headers=admin, timeout=60) as http:
        unit = await http.post("/api/v1/goals/org-units", json={"name": "Restart Co"})
        assert unit.status_code == 201, unit.text
        restarted = threading.Event()
        restart_done = threading.Event()

        def restart_midway(load: Load) -> None:
            if not restarted.is_set() and load.acknowledged_count >= 60:
                restarted.set()
                threading.Thread(
                    target=lambda: (restart_postgres(), restart_done.set()), daemon=True
                ).start()

        load = await run_writes(
            http,
            "/api/v1/goals/employees",
            employees(unit.json()["id"], "pg", 240),
            concurrency=8,
            max_seconds=400,
            on_answer=restart_midway,
        )
        await eventually(restart_done.is_set, "pg_ctlcluster restart to return")

        assert restarted.is_set()
        # 503 while the database is away; "409 in progress" when the gateway could not
        # record the outcome of an attempt (retried until its claim lapses); never a 500.
        assert set(load.statuses) <= {201, 409, 503, "409 in progress"}, load.statuses
        assert load.statuses[503] > 0, load.statuses
        assert not load.problems_without_problem_json
        assert all(w.acknowledged for w in load.writes), [
            w.answers for w in load.writes if not w.acknowledged
        ]
        await assert_every_acknowledged_write_is_stored(http, load, "pg-")

        # Recovered without a hand: every service reads its database again, the gateway
        # authenticates from its own (no key cache), and a write's event reaches the hub.
        for service in ("goals", "reviews", "feedback", "analytics"):
            answered = await eventually(
                lambda s=service: _ready(stack, s), f"{service} to be ready again"
            )
            assert answered
        started = time.monotonic()
        late = await http.post(
            "/api/v1/goals/employees",
            json=employees(unit.json()["id"], "late", 1)[0],
            headers={"Idempotency-Key": f"late-{started}"},
        )
        assert late.status_code == 201, late.text
        late_id = late.json()["id"]

        async def late_event_delivered() -> bool:
            page = (
                await http.get(
                    "/api/v1/events", params={"types": "goals.employee.upserted", "limit": 500}
                )
            ).json()
            seen = {e["subject"] for e in page["items"]}
            cursor = page.get("next_cursor")
            while page["items"] and cursor:
                page = (
                    await http.get(
                        "/api/v1/events",
                        params={"types": "goals.employee.upserted", "limit": 500, "cursor": cursor},
                    )
                ).json()
                seen |= {e["subject"] for e in page["items"]}
                cursor = page.get("next_cursor")
            return f"employee/{late_id}" in seen

        await eventually(late_event_delivered, "the relay to deliver after the restart")


def _ready(stack: FaultStack, service: str) -> bool:
    try:
        return httpx.get(f"{stack.url(service)}/readyz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False
