"""Acceptance: who may read a plan. An employee their own, a manager their reporting line,
HR the tenant; another tenant's ids answer 404."""

import uuid

from strata_contracts.identity import Role

P = "/api/v1/goals"


async def make_plan(api, employee_id, _cycle_id):
    """A plan in the next cycle, in planning (the worked example's cycle is in coaching):
    made on first use, then shared, since monthly cycles of one tenant may not overlap."""
    cycles = await api.call("GET", "/cycles", params={"limit": 100})
    [cycle] = [c for c in cycles["items"] if c["name"] == "Next"] or [
        await api.call(
            "POST", "/cycles", {"name": "Next", "cadence": "monthly", "starts_on": "2026-04-01"}
        )
    ]
    return await api.call("POST", "/plans", {"employee_id": employee_id, "cycle_id": cycle["id"]})


class TestPlanVisibility:
    async def test_an_employee_cannot_read_another_employees_plan(
        self, api, client, identity_headers, worked_example
    ):
        x = worked_example
        operator_plan = await make_plan(api, x["operator"], x["cycle"])
        as_rep = x["as_rep"]
        response = await client.get(f"{P}/plans/{operator_plan['id']}", headers=as_rep)
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        for path in (
            f"/employees/{x['operator']}/cycles/{operator_plan['cycle_id']}/plan",
            f"/employees/{x['operator']}/cycles/{operator_plan['cycle_id']}/score",
            f"/employees/{x['operator']}/cycles/{operator_plan['cycle_id']}/explanation",
            f"/plans/{operator_plan['id']}/versions",
            f"/plans/{operator_plan['id']}/actuals",
        ):
            assert (await client.get(P + path, headers=as_rep)).status_code == 403, path
        own = await client.get(f"{P}/plans/{x['plan']}", headers=as_rep)
        assert own.status_code == 200
        listed = await client.get(f"{P}/plans", headers=as_rep)
        assert [p["id"] for p in listed.json()["items"]] == [x["plan"]]

    async def test_a_manager_reads_only_their_reporting_line(
        self, api, client, identity_headers, worked_example
    ):
        x = worked_example
        operator_plan = await make_plan(api, x["operator"], x["cycle"])
        director_plan = await make_plan(api, x["director"], x["cycle"])
        as_director = x["as_director"]
        # Their report's plan, and their own.
        assert (await client.get(f"{P}/plans/{x['plan']}", headers=as_director)).status_code == 200
        own = await client.get(f"{P}/plans/{director_plan['id']}", headers=as_director)
        assert own.status_code == 200
        # The production operator is in another manager's line.
        other = await client.get(f"{P}/plans/{operator_plan['id']}", headers=as_director)
        assert other.status_code == 403
        listed = await client.get(f"{P}/plans", headers=as_director)
        assert {p["id"] for p in listed.json()["items"]} == {x["plan"], director_plan["id"]}
        # The chief executive sees the whole line below, indirect reports included.
        as_ceo = identity_headers(Role.MANAGER, employee_id=uuid.UUID(x["ceo"]))
        everyone = await client.get(f"{P}/plans", headers=as_ceo)
        assert {p["id"] for p in everyone.json()["items"]} == {
            x["plan"],
            director_plan["id"],
            operator_plan["id"],
        }

    async def test_hr_reads_the_tenant(self, api, client, identity_headers, worked_example):
        x = worked_example
        operator_plan = await make_plan(api, x["operator"], x["cycle"])
        listed = await api.call("GET", "/plans")
        assert {p["id"] for p in listed["items"]} == {x["plan"], operator_plan["id"]}
        as_hris = identity_headers(Role.INTEGRATION)
        read = await client.get(f"{P}/plans/{operator_plan['id']}", headers=as_hris)
        assert read.status_code == 200

    async def test_another_tenants_ids_answer_404(self, client, identity_headers, worked_example):
        x = worked_example
        stranger = identity_headers(Role.HR, tenant=uuid.uuid4())
        for path in (
            f"/plans/{x['plan']}",
            f"/plans/{x['plan']}/agreement",
            f"/cycles/{x['cycle']}",
            f"/employees/{x['rep']}",
            f"/indicators/{x['contracts']}",
            f"/objectives/{x['o_revenue']}",
            f"/employees/{x['rep']}/cycles/{x['cycle']}/plan",
        ):
            response = await client.get(P + path, headers=stranger)
            assert response.status_code == 404, path
        listed = await client.get(f"{P}/plans", headers=stranger)
        assert listed.json()["items"] == []
