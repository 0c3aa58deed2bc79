"""A service killed, restarted, and frozen while clients write through the gateway.

What a client must see: 503 problem details while the service is down (never a 500, never
a hang), 504 problem details while it is frozen, and nothing it was told was stored ever
missing afterwards (rows and their events), with no operator step: the gateway is never
restarted, the service is started again the way a supervisor would.
"""

import asyncio
import threading
from collections.abc import Iterator

import httpx
import pytest

from .load import Load, eventually, run_writes
from .stack import FaultStack, make_stack

pytestmark = pytest.mark.e2e

READ_TIMEOUT_SECONDS = 3


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    running = make_stack(
        tmp_path_factory.mktemp("faults"),
        GATEWAY_READ_TIMEOUT_SECONDS=str(READ_TIMEOUT_SECONDS),
        GATEWAY_RATE_LIMIT_BURST="100000",
        GATEWAY_RATE_LIMIT_PER_MINUTE="1000000",
        GATEWAY_WEBHOOK_DISPATCH="false",
    )
    try:
        running.up()
        yield running
    finally:
        running.down()


@pytest.fixture(scope="module")
def admin(stack: FaultStack) -> dict[str, str]:
    tenant = stack.create_tenant("Faults Ltd")
    return {"Authorization": f"Bearer {tenant['admin_key']['secret']}"}


def employees(unit_id: str, prefix: str, count: int) -> list[dict[str, str]]:
    return [
        {
            "name": f"{prefix} person {i}",
            "email": f"{prefix}{i}@faults.example",
            "org_unit_id": unit_id,
            "external_id": f"{prefix}-{i:04}",
        }
        for i in range(count)
    ]


async def assert_every_acknowledged_write_is_stored(
    http: httpx.AsyncClient, load: Load, prefix: str
) -> None:
    acknowledged = [w for w in load.writes if w.acknowledged]
    for write in acknowledged:
        if write.created is not None:
            stored = await http.get(f"/api/v1/goals/employees/{write.created['id']}")
            assert stored.status_code == 200, stored.text
            assert stored.json()["external_id"] == write.body["external_id"]
        found = await http.get(
            "/api/v1/goals/employees", params={"external_id": write.body["external_id"]}
        )
        assert [e["name"] for e in found.json()["items"]] == [write.body["name"]], write
    # No write was stored twice, and nothing exists that nobody asked for.
    stored_ids: list[str] = []
    cursor = None
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = (await http.get("/api/v1/goals/employees", params=params)).json()
        stored_ids += [
            e["external_id"] for e in page["items"] if e["external_id"].startswith(prefix)
        ]
        cursor = page.get("next_cursor")
        if not page["items"] or cursor is None:
            break
    assert len(stored_ids) == len(set(stored_ids))
    assert {w.body["external_id"] for w in acknowledged} <= set(stored_ids)


class TestServiceKilledUnderLoad:
    async def test_503_while_down_nothing_acknowledged_is_lost_and_it_recovers(self, stack, admin):
        async with httpx.AsyncClient(base_url=stack.url(), headers=admin, timeout=60) as http:
            unit = await http.post("/api/v1/goals/org-units", json={"name": "Kill Co"})
            assert unit.status_code == 201, unit.text
            bodies = employees(unit.json()["id"], "kill", 240)
            killed = threading.Event()

            def kill_midway(load: Load) -> None:
                # SIGKILL once a quarter of the writes are in: requests are in flight.
                if not killed.is_set() and load.acknowledged_count >= 60:
                    killed.set()
                    stack.stop("goals", sig=9)

            writes = asyncio.create_task(
                run_writes(
                    http,
                    "/api/v1/goals/employees",
                    bodies,
                    concurrency=8,
                    max_seconds=400,
                    on_answer=kill_midway,
                )
            )
            await eventually(killed.is_set, "the kill", seconds=300, pause=0.1)
            # While goals is down the gateway answers, and other services still work.
            down = await http.get("/api/v1/goals/employees")
            assert down.status_code == 503
            assert down.headers["content-type"] == "application/problem+json"
            assert down.json()["status"] == 503
            assert (await http.get("/api/v1/reviews/me")).status_code == 200
            await asyncio.sleep(1.0)
            stack.start("goals")  # what a supervisor does; nothing else is touched
            load = await writes

            assert load.statuses[503] > 0, load.statuses
            # A POST in flight when the process dies is 502: it may have been applied, so the
            # gateway does not send it twice (gateway/strata_gateway/proxy.py); the load
            # retries it with the same Idempotency-Key, as docs/integrators.md says.
            assert set(load.statuses) <= {201, 409, 502, 503}, load.statuses
            assert not load.problems_without_problem_json
            assert all(w.acknowledged for w in load.writes), [
                w.answers for w in load.writes if not w.acknowledged
            ]
            await assert_every_acknowledged_write_is_stored(http, load, "kill-")

            # Every stored employee's event reached the hub, across the kill.
            created_ids = {
                e["id"]
                for w in load.writes
                for e in (
                    await http.get(
                        "/api/v1/goals/employees", params={"external_id": w.body["external_id"]}
                    )
                ).json()["items"]
            }

            async def every_event_delivered() -> bool:
                subjects: set[str] = set()
                cursor = None
                while True:
                    params = {"limit": 500, "types": "goals.employee.upserted"}
                    if cursor:
                        params["cursor"] = cursor
                    page = (await http.get("/api/v1/events", params=params)).json()
                    subjects |= {e["subject"] for e in page["items"]}
                    cursor = page.get("next_cursor")
                    if not page["items"]:
                        break
                return {f"employee/{i}" for i in created_ids} <= subjects

            await eventually(every_event_delivered, "goals' outbox to reach the hub")


class TestFrozenService:
    async def test_504_within_the_timeout_not_a_hung_client_then_recovery(self, stack, admin):
        async with httpx.AsyncClient(base_url=stack.url(), headers=admin, timeout=120) as http:
            assert (await http.get("/api/v1/reviews/me")).status_code == 200
            stack.freeze("reviews")
            try:
                answers = await asyncio.gather(
                    *(http.get("/api/v1/reviews/templates") for _ in range(12))
                )
                # The client's own 120 s timeout never fires: the gateway answers first.
                assert {a.status_code for a in answers} == {504}
                assert {a.headers["content-type"] for a in answers} == {"application/problem+json"}
                assert (await http.get("/api/v1/goals/me")).status_code == 200
            finally:
                stack.thaw("reviews")

            async def answers_again() -> bool:
                return (await http.get("/api/v1/reviews/templates")).status_code == 200

            await eventually(answers_again, "reviews to answer after SIGCONT")
