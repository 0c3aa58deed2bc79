"""A band-only adjustment carries a consistent overall (issue 20.3): the raw overall clamped
into the calibrated band (below it: the band's floor; above it: its highest 4-place score), in
the session, the result and the finalised event; an explicit overall outside the band is 422.

Default bands: 3 from 0.8, 4 from 1.0, 5 from 1.1. Lena's raw overall is 0.9093 (band 3),
Omar's 1.1003 (band 5), Tom's 0.9531 (band 3)."""

from sqlmodel import select

from strata_analytics.models import OutboxEvent
from strata_contracts.identity import Role

from .test_calibration import C, open_session


class TestBandOnlyAdjustment:
    async def test_the_overall_follows_the_band(
        self, client, world, example, identity_headers, db_session
    ):
        people = await example()
        hr = identity_headers(Role.HR)
        session = await open_session(client, world, hr)
        url = f"{C}/{session['id']}/adjustments"

        async def adjust(name: str, band: str, overall: str | None = None):  # type: ignore[no-untyped-def]
            body = {"employee_id": str(people[name]), "calibrated_band": band, "reason": "Panel"}
            if overall is not None:
                body["calibrated_overall"] = overall
            return await client.post(url, json=body, headers=hr)

        outside = await adjust("Tom", "4", "0.9")
        assert outside.status_code == 422, outside.text
        assert [e["pointer"] for e in outside.json()["errors"]] == ["/body/calibrated_overall"]
        assert "1.0 to below 1.1" in outside.json()["errors"][0]["detail"]
        assert (await adjust("Lena", "4")).status_code == 200  # 0.9093 → floor 1.0
        assert (await adjust("Omar", "4")).status_code == 200  # 1.1003 → 1.0999
        assert (await adjust("Tom", "4", "1.05")).status_code == 200  # given, in the band
        read = (await client.get(f"{C}/{session['id']}", headers=hr)).json()
        entries = {e["employee_name"]: e for e in read["entries"]}
        assert {n: (e["calibrated_band"], e["calibrated_overall"]) for n, e in entries.items()} == {
            "Lena": ("4", "1.0000"),
            "Omar": ("4", "1.0999"),
            "Tom": ("4", "1.0500"),
            "Clara": (None, None),
        }
        results = "/api/v1/analytics/results"
        lena = (await client.get(f"{results}/{people['Lena']}/{world.cycle}", headers=hr)).json()
        assert (lena["overall"], lena["band"]) == ("0.9093", "3")  # the raw is kept
        assert (lena["final_overall"], lena["final_band"]) == ("1.0000", "4")
        assert (await client.post(f"{C}/{session['id']}/finalise", headers=hr)).status_code == 200
        [event] = (
            await db_session.exec(
                select(OutboxEvent).where(OutboxEvent.type == "analytics.calibration.finalised")
            )
        ).all()
        finals = {
            r["employee_id"]: (r["final_band"], r["final_overall"]) for r in event.data["results"]
        }
        assert finals[str(people["Lena"])] == ("4", "1.0000")
        assert finals[str(people["Omar"])] == ("4", "1.0999")
        assert finals[str(people["Clara"])][0] == "1"
