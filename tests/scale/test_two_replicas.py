"""Horizontal scaling, proven on one machine with real processes and one PostgreSQL.

Two replicas of each of the gateway, goals and analytics run as separate processes, each
pair on one PostgreSQL database (fresh, dropped afterwards), the gateways on one Redis:

    client ──▶ gateway-a ──▶ goals-1, analytics-1      goals-1 ──relay──▶ gateway-a (hub)
           └─▶ gateway-b ──▶ goals-2, analytics-2      goals-2 ──relay──▶ gateway-b (hub)
                                                        analytics-1/2 ◀──feed── gateway-a/b

Both goals replicas record events and both relay them (claiming outbox rows with
`FOR UPDATE SKIP LOCKED`); both analytics replicas consume the feed. The test writes through
both gateways at once (two bulk imports of 120 employees, single creations, and updates of
the same employees alternating between replicas), then checks:
- every event recorded reached the hub exactly once (by id), none was sent twice, and both
  relays did part of the work; each employee's events are in the hub in the order they
  happened although the two replicas relayed them;
- analytics applied each event exactly once (its rows, and its cursor's count);
- reads through either gateway (so either goals replica) agree;
- an `Idempotency-Key` used through gateway A replays its first answer through gateway B,
  and creates nothing more;
- a key that used its burst through both gateways is refused by both (Redis-shared limits);
- with Redis killed, both gateways keep serving (fail-open to their own buckets).

Needs PostgreSQL (skips without one, fails when CI=true) and Redis (a private
`redis-server` when the binary is installed, else 127.0.0.1:6379).
"""

import asyncio
import json
import os
import shutil
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest

from strata_kit.testing import POSTGRES_ADMIN_URL

from .cluster import Cluster, RedisServer, redis_answers

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
IN_CI = os.environ.get("CI", "").lower() == "true"
DEADLINE_SECONDS = 180
BURST = 30
BULK = 120
SINGLES = 8
UPDATED = 4
UPDATES = 5


class Timings:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.marks: list[tuple[str, float]] = []

    def mark(self, what: str) -> None:
        self.marks.append((what, time.monotonic() - self.started))

    def report(self) -> str:
        return ", ".join(f"{what} {at:.1f}s" for what, at in self.marks)


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, RedisServer | None]]:
    if shutil.which("redis-server"):
        server = RedisServer(tmp_path_factory.mktemp("redis"))
        try:
            yield server.url, server
        finally:
            server.kill()
        return
    if redis_answers(6379):
        yield "redis://127.0.0.1:6379/0", None
        return
    reason = "no redis-server binary and no Redis on 127.0.0.1:6379"
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_available: bool,
    redis: tuple[str, RedisServer | None],
) -> Iterator[tuple[Cluster, Timings]]:
    if not postgres_available:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}")
    timings = Timings()
    running = Cluster(
        tmp_path_factory.mktemp("scale"), POSTGRES_ADMIN_URL, ("gateway", "goals", "analytics")
    )
    try:
        running.create_databases()
        timings.mark("databases migrated")
        closed = f"http://127.0.0.1:{1}"  # reviews and feedback are not part of this test
        pairs = (("a", "1"), ("b", "2"))
        for gateway, service in pairs:
            running.add(
                f"goals-{service}", "goals", GOALS_GATEWAY_URL=f"http://127.0.0.1:{{{gateway}}}"
            )
            running.add(
                f"analytics-{service}",
                "analytics",
                ANALYTICS_GATEWAY_URL=f"http://127.0.0.1:{{{gateway}}}",
            )
        for gateway, service in pairs:
            running.add(
                f"gateway-{gateway}",
                "gateway",
                GATEWAY_GOALS_URL=running.replicas[f"goals-{service}"].url,
                GATEWAY_ANALYTICS_URL=running.replicas[f"analytics-{service}"].url,
                GATEWAY_REVIEWS_URL=closed,
                GATEWAY_FEEDBACK_URL=closed,
                GATEWAY_RATE_LIMIT_REDIS_URL=redis[0],
                GATEWAY_RATE_LIMIT_BURST=str(BURST),
                GATEWAY_RATE_LIMIT_PER_MINUTE="1",
                GATEWAY_RATE_LIMIT_REDIS_TIMEOUT_SECONDS="5",
            )
        # The services reach "their" gateway (declared above, so its port is known now).
        for gateway, service in pairs:
            port = str(running.replicas[f"gateway-{gateway}"].port)
            for app in ("goals", "analytics"):
                env = running.replicas[f"{app}-{service}"].env
                key = f"{app.upper()}_GATEWAY_URL"
                env[key] = env[key].replace(f"{{{gateway}}}", port)
        names = sorted(running.replicas)
        running.start(*names)
        running.wait_ready(*names)
        timings.mark("six replicas ready")
        yield running, timings
    finally:
        running.down()
        running.drop_databases()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(DEADLINE_SECONDS * 4):
        if await check():
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


async def all_pages(http: httpx.AsyncClient, path: str, key: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 200}
        if cursor:
            params["cursor"] = cursor
        page = await http.get(path, params=params, headers=bearer(key))
        assert page.status_code == 200, page.text
        body = page.json()
        items.extend(body["items"])
        cursor = body.get("next_cursor")
        if not cursor:
            return items


async def test_two_replicas_of_each_application_on_one_postgresql(cluster, redis):
    running, timings = cluster
    tenant = _json(running.cli("tenant", "create", "Scale Ltd"))
    tenant_id = tenant["tenant"]["id"]
    admin = tenant["admin_key"]["secret"]
    a = httpx.AsyncClient(base_url=running.replicas["gateway-a"].url, timeout=60)
    b = httpx.AsyncClient(base_url=running.replicas["gateway-b"].url, timeout=60)
    try:
        # --- keys: each writer has its own bucket ----------------------------------------
        keys = {}
        for name in ("writer-a", "writer-b", "limited"):
            created = await a.post(
                "/api/v1/keys", json={"name": name, "roles": ["admin"]}, headers=bearer(admin)
            )
            assert created.status_code == 201, created.text
            keys[name] = created.json()["secret"]

        # --- a key's burst, spent through both gateways, is spent on both -----------------
        statuses = [
            (
                await (a if i % 2 else b).get("/api/v1/goals/me", headers=bearer(keys["limited"]))
            ).status_code
            for i in range(BURST)
        ]
        assert statuses == [200] * BURST
        for gateway in (a, b):
            refused = await gateway.get("/api/v1/goals/me", headers=bearer(keys["limited"]))
            assert refused.status_code == 429, refused.text
            assert int(refused.headers["retry-after"]) >= 1
        timings.mark("shared rate limit checked")

        # --- writes through both replicas at once ----------------------------------------
        unit = await a.post(
            "/api/v1/goals/org-units", json={"name": "Scale HQ"}, headers=bearer(admin)
        )
        assert unit.status_code == 201, unit.text
        unit_id = unit.json()["id"]

        async def bulk(gateway: httpx.AsyncClient, key: str, tag: str) -> None:
            items = [
                {
                    "external_id": f"{tag}-{i:04}",
                    "name": f"Bulk {tag} {i}",
                    "email": f"{tag.lower()}{i}@scale.example",
                    "org_unit_id": unit_id,
                }
                for i in range(BULK)
            ]
            done = await gateway.post(
                "/api/v1/goals/employees/bulk-upsert", json={"items": items}, headers=bearer(key)
            )
            assert done.status_code == 200, done.text
            assert done.json()["created"] == BULK

        async def single(gateway: httpx.AsyncClient, key: str, tag: str, i: int) -> str:
            done = await gateway.post(
                "/api/v1/goals/employees",
                json={
                    "name": f"Single {tag} {i}",
                    "email": f"single-{tag.lower()}{i}@scale.example",
                    "org_unit_id": unit_id,
                    "external_id": f"S{tag}-{i:03}",
                },
                headers=bearer(key),
            )
            assert done.status_code == 201, done.text
            return str(done.json()["id"])

        created_ids = await asyncio.gather(
            bulk(a, keys["writer-a"], "A"),
            bulk(b, keys["writer-b"], "B"),
            *(single(a, keys["writer-a"], "A", i) for i in range(SINGLES)),
            *(single(b, keys["writer-b"], "B", i) for i in range(SINGLES)),
        )
        singles = [i for i in created_ids if i is not None]  # the bulk imports return None

        # The same employees changed again and again, alternately through each replica:
        # each change is recorded by a different goals process and may be relayed by either.
        async def updates(employee_id: str) -> None:
            for n in range(UPDATES):
                gateway, key = (a, keys["writer-a"]) if n % 2 == 0 else (b, keys["writer-b"])
                done = await gateway.patch(
                    f"/api/v1/goals/employees/{employee_id}",
                    json={"name": f"Renamed {n}"},
                    headers=bearer(key),
                )
                assert done.status_code == 200, done.text

        await asyncio.gather(*(updates(e) for e in singles[:UPDATED]))
        timings.mark("writes done")

        # --- an Idempotency-Key through A, replayed through B ------------------------------
        body = {
            "name": "Once Only",
            "email": "once@scale.example",
            "org_unit_id": unit_id,
            "external_id": "ONCE-1",
        }
        headers = {**bearer(admin), "Idempotency-Key": f"scale-{uuid.uuid4()}"}
        first = await a.post("/api/v1/goals/employees", json=body, headers=headers)
        assert first.status_code == 201, first.text
        # Gateway A stores its answer just after sending it, so B may still see the first
        # request in flight: 409, which the contract says to retry (docs/integrators.md).
        for _ in range(40):
            replay = await b.post("/api/v1/goals/employees", json=body, headers=headers)
            if replay.status_code != 409:
                break
            assert replay.json()["type"].endswith("/idempotency-in-progress")
            await asyncio.sleep(0.25)
        assert replay.status_code == 201, replay.text
        assert replay.headers.get("idempotency-replayed") == "true"
        assert replay.json() == first.json()
        once = await b.get(
            "/api/v1/goals/employees", params={"external_id": "ONCE-1"}, headers=bearer(admin)
        )
        assert [e["id"] for e in once.json()["items"]] == [first.json()["id"]]

        # --- every recorded event reaches the hub, once ----------------------------------
        expected = 1 + 2 * BULK + 2 * SINGLES + UPDATED * UPDATES + 1

        async def all_relayed() -> bool:
            outbox = await running.query(
                "goals", "SELECT count(*) AS n FROM outbox_event WHERE published_at IS NOT NULL"
            )
            return int(outbox[0]["n"]) >= expected

        await eventually(all_relayed, "both relays to publish every outbox row")
        timings.mark("hub has every event")
        outbox = await running.query(
            "goals", "SELECT id, subject, occurred_at, attempts, published_at FROM outbox_event"
        )
        assert len(outbox) == expected
        assert all(row["published_at"] is not None for row in outbox)
        hub = await running.query(
            "gateway",
            "SELECT id, position, subject, source, data FROM event WHERE tenant_id = $1 "
            "ORDER BY position",
            uuid.UUID(tenant_id),
        )
        assert Counter(row["id"] for row in hub).most_common(1)[0][1] == 1
        assert {row["id"] for row in hub} == {row["id"] for row in outbox}

        # Each relay batch is logged by the gateway that received it.
        received = {
            name: running.log_events(name, "events.ingested") for name in ("gateway-a", "gateway-b")
        }
        accepted = {name: sum(r["accepted"] for r in rows) for name, rows in received.items()}
        duplicates = sum(r["duplicates"] for rows in received.values() for r in rows)
        assert sum(accepted.values()) == expected
        assert accepted["gateway-a"] > 0, "goals-1's relay delivered nothing"
        assert accepted["gateway-b"] > 0, "goals-2's relay delivered nothing"
        failed = [
            r
            for name in ("goals-1", "goals-2")
            for r in running.log_events(name, "outbox.delivery_failed")
        ]
        if not failed:
            # No delivery failed, so at-least-once had no reason to repeat anything: a row
            # sent by both relays would show here (SKIP LOCKED is what prevents it).
            assert duplicates == 0
            assert {row["attempts"] for row in outbox} == {1}

        # Per-subject order survives two relays: each employee's changes in the hub's order
        # are the order they happened in.
        occurred = {row["id"]: row["occurred_at"] for row in outbox}
        by_subject: dict[str, list[Any]] = defaultdict(list)
        for row in hub:
            by_subject[row["subject"]].append(occurred[row["id"]])
        for subject, times in by_subject.items():
            assert times == sorted(times), subject
        for employee_id in singles[:UPDATED]:
            names = [
                json.loads(row["data"])["employee"]["name"]
                for row in hub
                if row["subject"] == f"employee/{employee_id}"
            ]
            assert names[1:] == [f"Renamed {n}" for n in range(UPDATES)], names

        # --- analytics applied each event once ---------------------------------------------
        async def applied() -> bool:
            rows = await running.query(
                "analytics",
                "SELECT count(*) AS n FROM ingested_event WHERE tenant_id = $1",
                uuid.UUID(tenant_id),
            )
            return int(rows[0]["n"]) >= expected

        await eventually(applied, "analytics to apply every event")
        timings.mark("analytics applied every event")
        ingested = await running.query(
            "analytics", "SELECT id FROM ingested_event WHERE tenant_id = $1", uuid.UUID(tenant_id)
        )
        assert {row["id"] for row in ingested} == {row["id"] for row in hub}
        cursor = await running.query(
            "analytics", "SELECT name, position, applied FROM consumer_cursor"
        )
        (only,) = cursor
        everything = await running.query(
            "gateway", "SELECT count(*) AS n, max(position) AS p FROM event"
        )
        # Two consumers on one cursor: every event counted once, none applied twice.
        assert only["applied"] == everything[0]["n"]
        assert only["position"] == everything[0]["p"]

        # --- reads through either replica agree ----------------------------------------------
        through_a = await all_pages(a, "/api/v1/goals/employees", admin)
        through_b = await all_pages(b, "/api/v1/goals/employees", admin)
        assert len(through_a) == 2 * BULK + 2 * SINGLES + 1
        assert through_a == through_b
        one = singles[0]
        read_a = await a.get(f"/api/v1/goals/employees/{one}", headers=bearer(admin))
        read_b = await b.get(f"/api/v1/goals/employees/{one}", headers=bearer(admin))
        assert read_a.json() == read_b.json()
        assert read_a.headers["etag"] == read_b.headers["etag"]
        status_a = await a.get("/api/v1/analytics/ingestion/status", headers=bearer(admin))
        status_b = await b.get("/api/v1/analytics/ingestion/status", headers=bearer(admin))
        assert status_a.status_code == 200, status_a.text
        assert status_a.json() == status_b.json()
        timings.mark("reads compared")

        # --- Redis gone: the API stays up ---------------------------------------------------
        _, server = redis
        if server is not None:
            server.kill()
            for gateway in (a, b):
                alive = await gateway.get("/api/v1/goals/me", headers=bearer(admin))
                assert alive.status_code == 200, alive.text
            for name in ("gateway-a", "gateway-b"):
                assert running.log_events(name, "ratelimit.redis_unavailable"), name
            timings.mark("Redis killed, both gateways still serving")
    finally:
        await a.aclose()
        await b.aclose()
        print(f"\nscale timings: {timings.report()}")


def _json(out: str) -> dict[str, Any]:
    return json.loads(out[out.index("{") :])  # type: ignore[no-any-return]
