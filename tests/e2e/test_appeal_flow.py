"""An upheld appeal changes the world, on real processes (issue 17.2): HR corrects a KPI
actual in goals through the gateway (as feedback does when it resolves an appeal upheld with
that amendment), goals' outbox relays `goals.actual.recorded` to the hub, analytics consumes it:
the overall result follows, the merit run built on it turns stale and a job proposes it again,
and `analytics.result.amended` reaches the hub's public feed.

The tenant is goals' demo (this month's cycle in coaching, signed plans, some actuals)."""

import asyncio
import subprocess
import sys
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e
DEADLINE_SECONDS = 90


async def eventually(check, what: str) -> Any:  # type: ignore[no-untyped-def]
    for _ in range(DEADLINE_SECONDS * 4):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_corrected_actual_flows_to_the_result_and_the_recommendations(stack):
    tenant = stack.create_tenant("Appeal Ltd")
    tenant_id = tenant["tenant"]["id"]
    subprocess.run(  # noqa: ASYNC221 - setup before any request, nothing else runs
        [sys.executable, "-m", "strata_goals", "load-demo", "--tenant-id", tenant_id],
        env=stack.env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    headers = {"Authorization": f"Bearer {tenant['admin_key']['secret']}"}
    async with httpx.AsyncClient(base_url=stack.url(), headers=headers, timeout=30) as http:

        async def scored_plans() -> list[dict[str, Any]]:
            """This month's results analytics holds with a plan score, by goals' plans."""
            page = (await http.get("/api/v1/analytics/results", params={"limit": 200})).json()
            return [r for r in page.get("items", []) if r["plan_score"] is not None]

        async def open_quantitative() -> tuple[dict[str, Any], dict[str, Any]] | None:
            """One person whose plan, in an open cycle, has a quantitative actual in force
            that can move the score. Analytics projects the closed month and this month as
            their events arrive, so the wait is for this one, not for any result."""
            for result in await scored_plans():
                plan = (await http.get(f"/api/v1/goals/plans/{result['plan_id']}")).json()
                cycle = (await http.get(f"/api/v1/goals/cycles/{plan['cycle_id']}")).json()
                if cycle["phase"] not in ("coaching", "assessment", "feedback"):
                    continue
                actuals = (
                    await http.get(f"/api/v1/goals/plans/{result['plan_id']}/actuals")
                ).json()["items"]
                in_force: dict[str, dict[str, Any]] = {}
                for actual in actuals:  # oldest first: the last one per item counts
                    in_force[actual["key"]] = actual
                quantitative = [a for a in in_force.values() if a["value"] is not None]
                if quantitative:
                    return result, quantitative[0]
            return None

        chosen = await eventually(
            open_quantitative, "a projected result in an open cycle with a quantitative actual"
        )
        assert chosen is not None, "the demo has no quantitative actual in an open cycle"
        result, actual = chosen
        employee, cycle_id = result["employee_id"], result["cycle_id"]

        pay = await http.put(
            "/api/v1/analytics/compensation",
            json={
                "rows": [
                    {
                        "employee_id": employee,
                        "base_salary": "50000.00",
                        "currency": "EUR",
                        "range_midpoint": "50000.00",
                    }
                ]
            },
        )
        assert pay.status_code == 200, pay.text
        run = await http.post(
            "/api/v1/analytics/recommendation-runs/bonus",
            json={
                "cycle_id": cycle_id,
                "currency": "EUR",
                "pool_amount": "1000.00",
                "employee_ids": [employee],
                "multipliers": [{"band": b, "multiplier": "1"} for b in "12345"],
                "include_incomplete": True,
                "include_incomplete_reason": "the demo's 360 has not closed yet",
            },
        )
        assert run.status_code == 201, run.text
        run_id = run.json()["id"]

        new_value = str(Decimal(actual["value"]) * 10 + 1)
        appeal = str(uuid.uuid4())
        corrected = await http.post(
            f"/api/v1/goals/actuals/{actual['id']}/corrections",
            json={
                "value": new_value,
                "before": actual["value"],
                "reason": "Appeal upheld: the figure was misread",
                "appeal_id": appeal,
            },
        )
        assert corrected.status_code == 201, corrected.text

        async def result_moved() -> dict[str, Any] | None:
            now = (await http.get(f"/api/v1/analytics/results/{employee}/{cycle_id}")).json()
            return now if now["plan_score"] != result["plan_score"] else None

        moved = await eventually(result_moved, "analytics to follow the corrected actual")
        assert moved["overall"] != result["overall"]

        async def reproposed() -> dict[str, Any] | None:
            old = (await http.get(f"/api/v1/analytics/recommendation-runs/{run_id}")).json()
            return old if old["superseded_by"] else None

        old = await eventually(reproposed, "the stale run to be proposed again")
        assert appeal in old["stale_reason"]
        assert all(r["stale"] for r in old["recommendations"])
        fresh = (
            await http.get(f"/api/v1/analytics/recommendation-runs/{old['superseded_by']}")
        ).json()
        assert fresh["rerun_of"] == run_id

        async def published() -> list[dict[str, Any]]:
            page = (
                await http.get(
                    "/api/v1/events", params={"types": "analytics.result.amended", "limit": 50}
                )
            ).json()
            return [e for e in page.get("items", []) if e["type"] == "analytics.result.amended"]

        [event] = await eventually(published, "analytics.result.amended on the hub")
        assert (event["data"]["employee_id"], event["data"]["appeal_id"]) == (employee, appeal)
        assert event["data"]["stale_run_ids"] == [run_id]
