"""An upheld appeal changes the world (issue 17.2), on analytics' side: goals publishes the
corrected actual (`goals.actual.recorded` with `corrects_actual_id`), and the result follows
even though a finalised calibration locked it, the calibration entry takes the new raw values,
every run built on it is stale and proposed again, with events and audit.

Omar (worked example) has band 5, overall 1.1003. His appeal corrects "Signed contracts" from
score 1.2 to 0.5: plan score (0.5·40 + 1.2·25 + 1.0·15 + 1.2·20) / 100 = 0.89, overall
0.7·0.89 + 0.3·0.9375 = 0.90425 → 0.9043, band 3. His merit (compa-ratio 1.0909, in range):
band 5 6.5 % = 3,900.00 before, band 3 3 % = 1,800.00 after (budget 10,000: no scaling)."""

import uuid

from sqlmodel import select

from strata_analytics.models import AuditRecord, OutboxEvent
from strata_contracts.identity import Role

from .test_worked_example import by_name, import_pay

A = "/api/v1/analytics"
GUIDELINE = [
    {"band": b, "share": s} for b, s in (("1", 10), ("2", 20), ("3", 40), ("4", 20), ("5", 10))
]


class TestAnUpheldAppealFlowsDownstream:
    async def test_result_calibration_and_recommendations_follow(
        self, client, world, example, consumer, identity_headers, db_session
    ):
        people = await example()
        hr = identity_headers(Role.HR)
        await import_pay(client, people, hr)
        omar = people["Omar"]
        merit = (
            await client.post(
                f"{A}/recommendation-runs/merit",
                json={"cycle_id": str(world.cycle), "currency": "EUR", "budget_amount": "10000"},
                headers=hr,
            )
        ).json()
        assert by_name(merit)["Omar"]["proposed_value"] == "3900.0000"
        promotion = (
            await client.post(
                f"{A}/recommendation-runs/promotion",
                json={"cycle_ids": [str(world.cycle)], "min_band": "4", "consecutive_cycles": 1},
                headers=hr,
            )
        ).json()
        assert [r["employee_name"] for r in promotion["recommendations"]] == ["Omar"]
        session = (
            await client.post(
                f"{A}/calibration-sessions",
                json={"name": "Sales", "cycle_id": str(world.cycle), "guideline": GUIDELINE},
                headers=hr,
            )
        ).json()
        finalised = await client.post(
            f"{A}/calibration-sessions/{session['id']}/finalise", headers=hr
        )
        assert finalised.status_code == 200
        explanation = (
            await client.get(f"{A}/results/{omar}/{world.cycle}/explanation", headers=hr)
        ).json()
        assert explanation["result"]["locked"] is True
        plan_id = uuid.UUID(explanation["plan"]["plan_id"])
        contracts = next(i for i in explanation["plan"]["items"] if i["name"] == "Signed contracts")

        appeal, request = uuid.uuid4(), uuid.uuid4()
        world.actual(
            plan_id,
            omar,
            uuid.UUID(contracts["key"]),
            "0.5",
            corrects=uuid.uuid4(),
            appeal_id=appeal,
            change_request_id=request,
            reason="Appeal upheld: two contracts were booked twice",
        )
        await world.sync(consumer)

        result = (await client.get(f"{A}/results/{omar}/{world.cycle}", headers=hr)).json()
        assert (result["plan_score"], result["overall"], result["band"]) == (
            "0.8900",
            "0.9043",
            "3",
        )
        assert (result["final_overall"], result["final_band"], result["locked"]) == (
            "0.9043",
            "3",
            True,
        )
        entry = next(
            e
            for e in (
                await client.get(f"{A}/calibration-sessions/{session['id']}", headers=hr)
            ).json()["entries"]
            if e["employee_id"] == str(omar)
        )
        assert (entry["raw_overall"], entry["raw_band"], entry["final_band"]) == (
            "0.9043",
            "3",
            "3",
        )

        for old in (merit, promotion):
            stale = (await client.get(f"{A}/recommendation-runs/{old['id']}", headers=hr)).json()
            assert stale["stale_reason"]
            assert str(appeal) in stale["stale_reason"]
            assert stale["superseded_by"] is not None
            assert all(r["stale"] for r in stale["recommendations"])
            fresh = (
                await client.get(f"{A}/recommendation-runs/{stale['superseded_by']}", headers=hr)
            ).json()
            assert fresh["rerun_of"] == old["id"]
            assert fresh["parameters"] == old["parameters"]
            if old is merit:
                new_merit = by_name(fresh)
                assert new_merit["Omar"]["proposed_value"] == "1800.0000"
                assert new_merit["Omar"]["inputs"]["band"] == "3"
                assert new_merit["Lena"]["proposed_value"] == "1920.0000"
                old_omar = by_name(stale)["Omar"]
                assert old_omar["superseded_by"] == new_merit["Omar"]["id"]
                decided = await client.post(
                    f"{A}/recommendations/{old_omar['id']}/decision",
                    json={"status": "accepted"},
                    headers={**hr, "If-Match": f'"{old_omar["version"]}"'},
                )
                assert decided.status_code == 409, decided.text
                assert decided.json()["type"].endswith("recommendation-stale")
            else:
                assert fresh["recommendations"] == []  # band 3 < 4: no longer a candidate

        events = (await db_session.exec(select(OutboxEvent))).all()
        [amended] = [e for e in events if e.type == "analytics.result.amended"]
        assert (
            amended.data["appeal_id"],
            amended.data["change_request_id"],
            amended.data["before_band"],
            amended.data["final_band"],
        ) == (str(appeal), str(request), "5", "3")
        assert set(amended.data["stale_run_ids"]) == {merit["id"], promotion["id"]}
        stale_events = [e for e in events if e.type == "analytics.recommendation.stale"]
        assert len(stale_events) == len(merit["recommendations"]) + 1
        audit = (await db_session.exec(select(AuditRecord))).all()
        [amended_audit] = [a for a in audit if a.action == "amended"]
        assert amended_audit.before["overall"] != amended_audit.after["overall"]
        assert "Appeal upheld" in (amended_audit.reason or "")
        assert len([a for a in audit if a.action == "reproposed"]) == 2


class TestAnAppealDecidesTheRating:
    async def test_the_band_is_set_locked_and_what_builds_on_it_follows(
        self, client, world, example, consumer, identity_headers, db_session
    ):
        """Omar's appeal... the other way: HR's panel decides band 4 (he had 5). Without an
        overall the raw 1.1003 is clamped into band 4 (1.0 to below 1.1): 1.0999. His merit,
        band 4 in range, is 5 % of 60,000 = 3,000.00."""
        people = await example()
        hr = identity_headers(Role.HR)
        await import_pay(client, people, hr)
        omar = people["Omar"]
        merit = (
            await client.post(
                f"{A}/recommendation-runs/merit",
                json={"cycle_id": str(world.cycle), "currency": "EUR", "budget_amount": "10000"},
                headers=hr,
            )
        ).json()
        result = (await client.get(f"{A}/results/{omar}/{world.cycle}", headers=hr)).json()
        url = f"{A}/results/{result['id']}/amendments"
        appeal = uuid.uuid4()
        body = {"band": "4", "reason": "Appeal decided by the panel", "appeal_id": str(appeal)}
        manager = identity_headers(Role.MANAGER, employee_id=people["head"])
        assert (await client.post(url, json=body, headers=manager)).status_code == 403
        assert (
            await client.post(f"{A}/results/{uuid.uuid4()}/amendments", json=body, headers=hr)
        ).status_code == 404
        bad = await client.post(url, json={**body, "band": "9"}, headers=hr)
        assert [e["pointer"] for e in bad.json()["errors"]] == ["/body/band"]
        outside = await client.post(url, json={**body, "overall": "0.5"}, headers=hr)
        assert [e["pointer"] for e in outside.json()["errors"]] == ["/body/overall"]
        done = await client.post(url, json=body, headers=hr)
        assert done.status_code == 200, done.text
        amended = done.json()
        assert (amended["band"], amended["final_band"], amended["final_overall"]) == (
            "5",
            "4",
            "1.0999",
        )
        assert amended["locked"] is True
        await world.sync(consumer)  # the re-proposal job
        stale = (await client.get(f"{A}/recommendation-runs/{merit['id']}", headers=hr)).json()
        assert stale["superseded_by"] is not None
        fresh = (
            await client.get(f"{A}/recommendation-runs/{stale['superseded_by']}", headers=hr)
        ).json()
        assert by_name(fresh)["Omar"]["proposed_value"] == "3000.0000"
        assert by_name(fresh)["Omar"]["inputs"]["band_source"] == "calibrated"
        [event] = (
            await db_session.exec(
                select(OutboxEvent).where(OutboxEvent.type == "analytics.result.amended")
            )
        ).all()
        assert (event.data["final_band"], event.data["appeal_id"]) == ("4", str(appeal))


class TestAnAdjustedCalibrationKeepsItsBand:
    async def test_the_new_raw_is_kept_beside_hrs_band(
        self, client, world, example, consumer, identity_headers
    ):
        """Omar was calibrated from 5 to band 4 (overall clamped to 1.0999); his appeal then
        corrects the actual: raw 0.9043 (band 3). The entry keeps HR's band 4 and its reason,
        its overall clamped into band 4 from the new raw: the floor 1.0000."""
        people = await example()
        hr = identity_headers(Role.HR)
        omar = people["Omar"]
        session = (
            await client.post(
                f"{A}/calibration-sessions",
                json={"name": "Sales", "cycle_id": str(world.cycle), "guideline": GUIDELINE},
                headers=hr,
            )
        ).json()
        base = f"{A}/calibration-sessions/{session['id']}"
        adjusted = await client.post(
            f"{base}/adjustments",
            json={"employee_id": str(omar), "calibrated_band": "4", "reason": "Panel view"},
            headers=hr,
        )
        assert adjusted.status_code == 200, adjusted.text
        assert (await client.post(f"{base}/finalise", headers=hr)).status_code == 200
        explanation = (
            await client.get(f"{A}/results/{omar}/{world.cycle}/explanation", headers=hr)
        ).json()
        contracts = next(i for i in explanation["plan"]["items"] if i["name"] == "Signed contracts")
        world.actual(
            uuid.UUID(explanation["plan"]["plan_id"]),
            omar,
            uuid.UUID(contracts["key"]),
            "0.5",
            corrects=uuid.uuid4(),
            appeal_id=uuid.uuid4(),
            reason="Appeal upheld",
        )
        await world.sync(consumer)
        result = (await client.get(f"{A}/results/{omar}/{world.cycle}", headers=hr)).json()
        assert (result["overall"], result["band"]) == ("0.9043", "3")
        assert (result["final_band"], result["final_overall"]) == ("4", "1.0000")
        entry = next(
            e
            for e in (await client.get(base, headers=hr)).json()["entries"]
            if e["employee_id"] == str(omar)
        )
        assert (
            entry["raw_overall"],
            entry["raw_band"],
            entry["calibrated_band"],
            entry["calibrated_overall"],
            entry["reason"],
        ) == ("0.9043", "3", "4", "1.0000", "Panel view")
