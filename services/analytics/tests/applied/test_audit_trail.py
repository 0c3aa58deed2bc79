"""The analytics audit trail over the API (`GET /api/v1/analytics/audit`): calibration
adjustments (reason, before and after) and decisions on recommendations, readable by HR
and admins only, per tenant."""

import uuid

from strata_contracts.identity import Role

from .test_recommendations import merit_run
from .test_worked_example import by_name, import_pay

A = "/api/v1/analytics/audit"
C = "/api/v1/analytics/calibration-sessions"
GUIDELINE = [
    {"band": b, "share": s} for b, s in zip("12345", ("10", "20", "40", "20", "10"), strict=True)
]


async def open_session(client, world, headers) -> dict:  # type: ignore[no-untyped-def]
    response = await client.post(
        C,
        json={"name": "Sales H1", "cycle_id": str(world.cycle), "guideline": GUIDELINE},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


class TestAnalyticsAudit:
    async def test_a_calibration_adjustment_with_reason_before_and_after(
        self, client, world, example, identity_headers
    ):
        people = await example()
        hr = identity_headers(Role.HR, subject="user:hr")
        session = await open_session(client, world, hr)
        reason = "Pipeline inflated by one late deal; panel agreed"
        done = await client.post(
            f"{C}/{session['id']}/adjustments",
            json={"employee_id": str(people["Omar"]), "calibrated_band": "4", "reason": reason},
            headers=hr,
        )
        assert done.status_code == 200, done.text
        listed = await client.get(
            A, params={"entity_type": "calibration_entry", "action": "adjusted"}, headers=hr
        )
        assert listed.status_code == 200, listed.text
        [record] = listed.json()["items"]
        assert (record["reason"], record["actor"]) == (reason, "user:hr")
        assert record["before"]["calibrated_band"] is None
        assert record["after"]["calibrated_band"] == "4"
        mine = await client.get(A, params={"actor": "user:hr"}, headers=hr)
        assert record["id"] in [r["id"] for r in mine.json()["items"]]
        nobody = await client.get(A, params={"actor": "user:someone-else"}, headers=hr)
        assert nobody.json()["items"] == []

    async def test_a_decision_on_a_recommendation(self, client, world, example, identity_headers):
        people = await example()
        hr = identity_headers(Role.HR, subject="user:hr")
        await import_pay(client, people, hr)
        omar = by_name(await merit_run(client, world, hr))["Omar"]
        url = f"/api/v1/analytics/recommendations/{omar['id']}"
        read = await client.get(url, headers=hr)
        decided = await client.post(
            f"{url}/decision",
            json={"status": "overridden", "value": "4200", "reason": "Retention risk"},
            headers={**hr, "If-Match": read.headers["etag"]},
        )
        assert decided.status_code == 200, decided.text
        listed = await client.get(
            A, params={"entity_type": "recommendation", "entity_id": omar["id"]}, headers=hr
        )
        [record] = listed.json()["items"]
        assert record["reason"] == "Retention risk"
        assert record["before"]["status"] == "proposed"
        assert record["after"]["status"] == "overridden"

    async def test_hr_and_admins_only_and_tenants_apart(
        self, client, world, example, identity_headers
    ):
        people = await example()
        hr = identity_headers(Role.HR)
        await open_session(client, world, hr)
        assert (await client.get(A)).status_code == 401
        for caller in (
            identity_headers(Role.EMPLOYEE, employee_id=people["Lena"]),
            identity_headers(Role.MANAGER, employee_id=people["head"]),
        ):
            assert (await client.get(A, headers=caller)).status_code == 403
        records = (await client.get(A, headers=identity_headers(Role.ADMIN))).json()["items"]
        assert records
        theirs = identity_headers(Role.HR, tenant=uuid.uuid4())
        assert (await client.get(A, headers=theirs)).json()["items"] == []
        assert (await client.get(f"{A}/{records[0]['id']}", headers=theirs)).status_code == 404
