"""Calibration sessions: guideline checked, adjustments need a reason and are audited with
raw kept, finalisation locks the results and publishes an event."""

import uuid

from sqlmodel import select

from strata_analytics.models import AuditRecord, OutboxEvent
from strata_contracts.identity import Role

C = "/api/v1/analytics/calibration-sessions"
GUIDELINE = [
    {"band": "1", "share": "10"},
    {"band": "2", "share": "20"},
    {"band": "3", "share": "40"},
    {"band": "4", "share": "20"},
    {"band": "5", "share": "10"},
]


async def open_session(client, world, headers) -> dict:
    response = await client.post(
        C,
        json={"name": "Sales H1", "cycle_id": str(world.cycle), "guideline": GUIDELINE},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


class TestSession:
    async def test_hr_only_and_a_bad_guideline_is_named(self, client, world, identity_headers):
        body = {"name": "x", "cycle_id": str(world.cycle), "guideline": GUIDELINE}
        assert (await client.post(C, json=body)).status_code == 401
        manager = identity_headers(Role.MANAGER, employee_id=uuid.uuid4())
        assert (await client.post(C, json=body, headers=manager)).status_code == 403
        bad = {**body, "guideline": [{"band": "9", "share": "50"}, {"band": "1", "share": "40"}]}
        response = await client.post(C, json=bad, headers=identity_headers(Role.HR))
        assert response.status_code == 422
        assert {e["pointer"] for e in response.json()["errors"]} == {
            "/body/guideline/0/band",
            "/body/guideline",
        }

    async def test_distribution_against_the_guideline(
        self, client, world, example, identity_headers
    ):
        await example()
        session = await open_session(client, world, identity_headers(Role.HR))
        assert len(session["entries"]) == 4
        by_band = {
            d["band"]: (d["raw"], d["calibrated"], d["expected"]) for d in session["distribution"]
        }
        # Lena 3, Omar 5, Clara 1, Tom 3; four people: expected 0.4, 0.8, 1.6, 0.8, 0.4.
        assert by_band == {
            "1": (1, 1, 0.4),
            "2": (0, 0, 0.8),
            "3": (2, 2, 1.6),
            "4": (0, 0, 0.8),
            "5": (1, 1, 0.4),
        }
        assert session["small_expected"] is True


class TestAdjustAndFinalise:
    async def test_an_adjustment_needs_a_reason_and_keeps_the_raw(
        self, client, world, example, identity_headers, db_session
    ):
        people = await example()
        hr = identity_headers(Role.HR, subject="user:hr")
        session = await open_session(client, world, hr)
        url = f"{C}/{session['id']}/adjustments"
        body = {"employee_id": str(people["Omar"]), "calibrated_band": "4"}
        missing = await client.post(url, json=body, headers=hr)
        assert missing.status_code == 422
        assert missing.json()["errors"][0]["pointer"] == "/body/reason"
        unknown = await client.post(
            url, json={**body, "calibrated_band": "9", "reason": "x" * 5}, headers=hr
        )
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["pointer"] == "/body/calibrated_band"
        stranger = await client.post(
            url,
            json={**body, "employee_id": str(uuid.uuid4()), "reason": "peer review"},
            headers=hr,
        )
        assert stranger.status_code == 404
        reason = "Pipeline inflated by one late deal; panel agreed"
        done = await client.post(url, json={**body, "reason": reason}, headers=hr)
        assert done.status_code == 200, done.text
        omar = (
            await client.get(
                f"/api/v1/analytics/results/{people['Omar']}/{world.cycle}", headers=hr
            )
        ).json()
        assert (omar["band"], omar["calibrated_band"], omar["final_band"]) == ("5", "4", "4")
        assert omar["overall"] == "1.1003"  # the raw is kept
        audit = (
            await db_session.exec(select(AuditRecord).where(AuditRecord.action == "adjusted"))
        ).one()
        assert (audit.reason, audit.actor, audit.before["calibrated_band"]) == (
            reason,
            "user:hr",
            None,
        )
        explanation = (
            await client.get(
                f"/api/v1/analytics/results/{people['Omar']}/{world.cycle}/explanation", headers=hr
            )
        ).json()
        assert explanation["steps"][-1]["result"] == "4"

    async def test_finalising_locks_results_and_publishes(
        self, client, world, example, consumer, identity_headers, db_session
    ):
        people = await example()
        hr = identity_headers(Role.HR)
        session = await open_session(client, world, hr)
        await client.post(
            f"{C}/{session['id']}/adjustments",
            json={"employee_id": str(people["Lena"]), "calibrated_band": "4", "reason": "Panel"},
            headers=hr,
        )
        final = await client.post(f"{C}/{session['id']}/finalise", headers=hr)
        assert final.status_code == 200
        assert final.json()["status"] == "finalised"
        again = await client.post(f"{C}/{session['id']}/finalise", headers=hr)
        assert again.status_code == 409
        late = await client.post(
            f"{C}/{session['id']}/adjustments",
            json={"employee_id": str(people["Tom"]), "calibrated_band": "4", "reason": "Late"},
            headers=hr,
        )
        assert late.status_code == 409
        # A late actual no longer moves Tom's locked result.
        plan = (
            await client.get(
                f"/api/v1/analytics/results/{people['Tom']}/{world.cycle}/explanation", headers=hr
            )
        ).json()["plan"]
        complaints = next(i for i in plan["items"] if i["score"] is None)
        world.actual(uuid.UUID(plan["plan_id"]), people["Tom"], uuid.UUID(complaints["key"]), "0")
        await world.sync(consumer)
        tom = (
            await client.get(f"/api/v1/analytics/results/{people['Tom']}/{world.cycle}", headers=hr)
        ).json()
        assert (tom["overall"], tom["locked"]) == ("0.9531", True)
        [event] = (
            await db_session.exec(
                select(OutboxEvent).where(OutboxEvent.type == "analytics.calibration.finalised")
            )
        ).all()
        lena = next(r for r in event.data["results"] if r["employee_id"] == str(people["Lena"]))
        assert (lena["raw_band"], lena["final_band"], lena["adjusted"]) == ("3", "4", True)
