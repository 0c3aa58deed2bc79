"""Group attributes (HR-only import, all or nothing) and the adverse-impact check: rates,
four-fifths ratios and chi-square from hand-counted tables, small and complementary
suppression that nothing can difference out, raw beside calibrated."""

import uuid

from sqlmodel import select

from strata_analytics.groups.models import GroupAttribute
from strata_analytics.models import AuditRecord, OutboxEvent
from strata_contracts.goals.vocabulary import Perspective
from strata_contracts.identity import Role

G = "/api/v1/analytics/group-attributes"
AI = "/api/v1/analytics/adverse-impact"

# Overall = the plan score (no 360): bands 1 < 0.6 ≤ 2 < 0.8 ≤ 3 < 1.0 ≤ 4 < 1.1 ≤ 5.
SITES = {
    "A": ["1.2", "1.05", "1.0", "0.9", "0.7", "0.5"],  # bands 5 4 4 3 2 1: 3 of 6 favourable
    "B": ["1.0", "0.9", "0.9", "0.7", "0.5"],  # bands 4 3 3 2 1: 1 of 5
    "D": ["1.0", "1.0", "0.9", "0.5"],  # 4 people: large enough, withheld as complement
    "C": ["1.2", "0.5"],  # 2 people: below k = 3
}


def people_with_scores(world, scores: dict[str, list[str]]) -> dict[str, list[uuid.UUID]]:
    out: dict[str, list[uuid.UUID]] = {}
    for site, values in scores.items():
        for n, score in enumerate(values):
            person = world.employee(f"{site} person {n}")
            plan, keys = world.plan(person, [("Output", Perspective.FINANCIAL, "100", None)])
            world.actual(plan, person, keys["Output"], score)
            out.setdefault(site, []).append(person)
    return out


async def populate(client, world, consumer, headers, scores=SITES):  # type: ignore[no-untyped-def]
    world.org_unit("Plant", world.unit)
    people = people_with_scores(world, scores)
    await world.sync(consumer)
    rows = [
        {"employee_id": str(p), "attributes": {"site": site, "gender": "x"}}
        for site, members in people.items()
        for p in members
    ]
    response = await client.put(G, json={"rows": rows}, headers=headers)
    assert response.status_code == 200, response.text
    return people


def chi_square(table: list[list[int]]) -> float:
    rows = [sum(r) for r in table]
    columns = [sum(c) for c in zip(*table, strict=True)]
    n = sum(rows)
    return sum(
        (table[i][j] - rows[i] * columns[j] / n) ** 2 / (rows[i] * columns[j] / n)
        for i in range(len(rows))
        for j in range(len(columns))
        if columns[j]
    )


class TestImport:
    async def test_only_hr_and_admins(self, client, identity_headers):
        body = {"rows": [{"employee_id": str(uuid.uuid4()), "attributes": {"gender": "f"}}]}
        assert (await client.put(G, json=body)).status_code == 401
        for role in (Role.MANAGER, Role.EMPLOYEE, Role.INTEGRATION):
            headers = identity_headers(role, employee_id=uuid.uuid4())
            assert (await client.put(G, json=body, headers=headers)).status_code == 403
            assert (await client.get(G, headers=headers)).status_code == 403
            assert (
                await client.get(AI, params={"attribute": "gender"}, headers=headers)
            ).status_code == 403

    async def test_bad_rows_are_named_and_nothing_is_stored(
        self, client, world, consumer, identity_headers, db_session
    ):
        world.org_unit("Plant", world.unit)
        known = world.employee("Known")
        await world.sync(consumer)
        stranger = uuid.uuid4()
        body = {
            "rows": [
                {"employee_id": str(known), "attributes": {"gender": "female"}},
                {"employee_id": str(stranger), "attributes": {"gender": "male"}},
                {"employee_id": str(known), "attributes": {"site": "A"}},
                {"employee_id": str(uuid.uuid4()), "attributes": {"Bad Name": "x"}},
            ]
        }
        response = await client.put(G, json=body, headers=identity_headers(Role.HR))
        assert response.status_code == 422
        pointers = [e["pointer"] for e in response.json()["errors"]]
        assert "/body/rows/1/employee_id" in pointers
        assert "/body/rows/2/employee_id" in pointers
        assert "/body/rows/3/attributes/Bad Name" in pointers
        assert (await db_session.exec(select(GroupAttribute))).all() == []
        blank = {"rows": [{"employee_id": str(known), "attributes": {"gender": "  "}}]}
        response = await client.put(G, json=blank, headers=identity_headers(Role.HR))
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/rows/0/attributes/gender"
        assert (await db_session.exec(select(GroupAttribute))).all() == []

    async def test_a_row_replaces_the_employees_attributes(
        self, client, world, consumer, identity_headers, db_session
    ):
        world.org_unit("Plant", world.unit)
        ada, bo = world.employee("Ada"), world.employee("Bo")
        await world.sync(consumer)
        hr = identity_headers(Role.HR, subject="user:hr")
        first = {
            "rows": [
                {"employee_id": str(ada), "attributes": {"gender": "female", "site": "A"}},
                {"employee_id": str(bo), "attributes": {"gender": "male"}},
            ]
        }
        done = await client.put(G, json=first, headers=hr)
        assert done.json() == {
            "employees": 2,
            "created": 3,
            "updated": 0,
            "removed": 0,
            "unchanged": 0,
        }
        second = {"rows": [{"employee_id": str(ada), "attributes": {"site": " B "}}]}
        done = await client.put(G, json=second, headers=hr)
        assert done.json() == {
            "employees": 1,
            "created": 0,
            "updated": 1,
            "removed": 1,
            "unchanged": 0,
        }
        listed = (await client.get(G, headers=hr)).json()["items"]
        assert sorted((i["employee_id"], i["attribute"], i["value"]) for i in listed) == sorted(
            [(str(ada), "site", "B"), (str(bo), "gender", "male")]
        )
        only = (await client.get(G, params={"attribute": "gender"}, headers=hr)).json()
        assert [i["value"] for i in only["items"]] == ["male"]
        audits = (
            await db_session.exec(
                select(AuditRecord).where(AuditRecord.entity_type == "group_attributes")
            )
        ).all()
        assert len(audits) == 2
        # The audit says who imported which attributes, never the values.
        assert "female" not in str([a.after for a in audits])

    async def test_never_exported_nor_published(
        self, client, world, consumer, identity_headers, db_session
    ):
        hr = identity_headers(Role.HR)
        await populate(client, world, consumer, hr, {"A": SITES["A"]})
        e = "/api/v1/analytics/exports"
        assert (await client.get(f"{e}/group-attributes", headers=hr)).status_code == 422
        for table in ("results", "employees", "calibration-sessions"):
            for fmt in ("json", "ndjson"):
                response = await client.get(f"{e}/{table}", params={"format": fmt}, headers=hr)
                assert response.status_code == 200
                assert '"site"' not in response.text
                assert '"gender"' not in response.text
        events = (await db_session.exec(select(OutboxEvent))).all()
        assert not any("gender" in str(event.data) for event in events)


class TestAdverseImpact:
    async def test_rates_ratios_and_chi_square(self, client, world, consumer, identity_headers):
        hr = identity_headers(Role.HR)
        await populate(client, world, consumer, hr)
        response = await client.get(
            AI, params={"attribute": "site", "cycle_id": str(world.cycle)}, headers=hr
        )
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["favourable_bands"] == ["4", "5"]
        assert report["min_group_size"] == 3
        assert report["calibrated"] is None
        raw = report["raw"]
        by_group = {g["group"]: g for g in raw["groups"]}
        assert (by_group["A"]["total"], by_group["A"]["favourable"], by_group["A"]["rate"]) == (
            6,
            3,
            0.5,
        )
        assert (by_group["B"]["total"], by_group["B"]["favourable"], by_group["B"]["rate"]) == (
            5,
            1,
            0.2,
        )
        assert raw["reference_group"] == "A"
        assert (by_group["A"]["impact_ratio"], by_group["A"]["adverse"]) == (1.0, False)
        assert (by_group["B"]["impact_ratio"], by_group["B"]["adverse"]) == (0.4, True)
        assert [c["count"] for c in by_group["A"]["distribution"]] == [1, 1, 1, 2, 1]
        assert [c["count"] for c in by_group["B"]["distribution"]] == [1, 1, 2, 1, 0]
        table = [[1, 1, 1, 2, 1], [1, 1, 2, 1, 0]]
        assert abs(raw["chi_square"]["statistic"] - chi_square(table)) < 1e-9  # unrounded
        assert raw["chi_square"]["df"] == 4
        assert raw["chi_square"]["small_expected"] is True

    async def test_small_groups_and_their_complement_are_withheld(
        self, client, world, consumer, identity_headers
    ):
        hr = identity_headers(Role.HR)
        await populate(client, world, consumer, hr)
        report = (
            await client.get(
                AI, params={"attribute": "site", "cycle_id": str(world.cycle)}, headers=hr
            )
        ).json()
        by_group = {g["group"]: g for g in report["raw"]["groups"]}
        assert (by_group["C"]["status"], by_group["C"]["reason"]) == ("suppressed", "small_group")
        # D is large enough but the smallest shown group: withheld so C cannot be derived.
        assert (by_group["D"]["status"], by_group["D"]["reason"]) == ("suppressed", "complementary")
        for group in ("C", "D"):
            assert all(
                by_group[group][k] is None
                for k in ("total", "favourable", "rate", "impact_ratio", "distribution")
            )
        assert "total" not in report
        assert "total" not in report["raw"]

    async def test_a_suppressed_groups_members_cannot_be_recovered(
        self, client, world, consumer, identity_headers, tenant_id
    ):
        """Change every band of the suppressed groups: the report is byte-identical."""
        hr = identity_headers(Role.HR)
        await populate(client, world, consumer, hr)
        params = {"attribute": "site", "cycle_id": str(world.cycle)}
        before = (await client.get(AI, params=params, headers=hr)).content

        other = {**SITES, "C": ["0.5", "1.2"], "D": ["0.5", "0.5", "1.2", "1.2"]}
        world.cycle = uuid.uuid4()
        await populate(client, world, consumer, hr, other)
        after = (
            await client.get(AI, params={**params, "cycle_id": str(world.cycle)}, headers=hr)
        ).content
        assert after.replace(str(world.cycle).encode(), b"") == before.replace(
            params["cycle_id"].encode(), b""
        )

    async def test_raw_beside_calibrated(self, client, world, consumer, identity_headers):
        hr = identity_headers(Role.HR)
        people = await populate(client, world, consumer, hr, {"A": SITES["A"], "B": SITES["B"]})
        guideline = [{"band": b, "share": "20"} for b in "12345"]
        session = (
            await client.post(
                "/api/v1/analytics/calibration-sessions",
                json={"name": "Plant", "cycle_id": str(world.cycle), "guideline": guideline},
                headers=hr,
            )
        ).json()
        lifted = people["B"][1]  # 0.9, band 3
        adjusted = await client.post(
            f"/api/v1/analytics/calibration-sessions/{session['id']}/adjustments",
            json={"employee_id": str(lifted), "calibrated_band": "4", "reason": "Panel agreed"},
            headers=hr,
        )
        assert adjusted.status_code == 200, adjusted.text
        for params in (
            {"cycle_id": str(world.cycle)},
            {"calibration_session_id": session["id"]},
        ):
            report = (
                await client.get(AI, params={"attribute": "site", **params}, headers=hr)
            ).json()
            raw = {g["group"]: g for g in report["raw"]["groups"]}
            calibrated = {g["group"]: g for g in report["calibrated"]["groups"]}
            assert (raw["B"]["favourable"], raw["B"]["adverse"]) == (1, True)
            assert (calibrated["B"]["favourable"], calibrated["B"]["rate"]) == (2, 0.4)
            # 0.4 / 0.5 = 0.8 exactly: not below four-fifths.
            assert (calibrated["B"]["impact_ratio"], calibrated["B"]["adverse"]) == (0.8, False)

    async def test_favourable_bands_and_the_threshold_are_checked(
        self, client, world, consumer, identity_headers
    ):
        hr = identity_headers(Role.HR)
        await populate(client, world, consumer, hr, {"A": SITES["A"], "B": SITES["B"]})
        base = {"attribute": "site", "cycle_id": str(world.cycle)}
        only_top = (await client.get(AI, params={**base, "favourable": ["5"]}, headers=hr)).json()
        rates = {g["group"]: g["rate"] for g in only_top["raw"]["groups"]}
        assert rates == {"A": 1 / 6, "B": 0.0}  # unrounded on the wire
        bad = await client.get(AI, params={**base, "favourable": ["4", "9"]}, headers=hr)
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["pointer"] == "/query/favourable/1"
        low = await client.get(AI, params={**base, "min_group_size": 2}, headers=hr)
        assert low.status_code == 422
        assert low.json()["errors"][0]["pointer"] == "/query/min_group_size"
        both = await client.get(
            AI, params={**base, "calibration_session_id": str(uuid.uuid4())}, headers=hr
        )
        assert both.status_code == 422
        missing = await client.get(
            AI,
            params={"attribute": "site", "calibration_session_id": str(uuid.uuid4())},
            headers=hr,
        )
        assert missing.status_code == 404
        larger = (await client.get(AI, params={**base, "min_group_size": 6}, headers=hr)).json()
        # B (5) is below 6; A alone would then give B away as "everyone minus A".
        assert {g["group"]: g["reason"] for g in larger["raw"]["groups"]} == {
            "A": "complementary",
            "B": "small_group",
        }
        assert larger["raw"]["reference_group"] is None

    async def test_another_tenants_attributes_are_not_used(
        self, client, world, consumer, identity_headers
    ):
        hr = identity_headers(Role.HR)
        await populate(client, world, consumer, hr, {"A": SITES["A"], "B": SITES["B"]})
        other = identity_headers(Role.HR, tenant=uuid.uuid4())
        report = (
            await client.get(
                AI, params={"attribute": "site", "cycle_id": str(world.cycle)}, headers=other
            )
        ).json()
        assert report["raw"]["groups"] == []
        assert (await client.get(G, headers=other)).json()["items"] == []


class TestTypedClient:
    async def test_the_contract_client_round_trips(self, client, world, consumer, identity_headers):
        from strata_contracts.analytics.client import AnalyticsClient
        from strata_contracts.analytics.groups import GroupAttributeImport, GroupAttributeRow
        from strata_contracts.identity import IDENTITY_HEADER

        hr = identity_headers(Role.HR)
        people = await populate(client, world, consumer, hr, {"A": SITES["A"], "B": SITES["B"]})
        analytics = AnalyticsClient(client, identity_token=hr[IDENTITY_HEADER])
        done = await analytics.import_group_attributes(
            GroupAttributeImport(
                rows=[GroupAttributeRow(employee_id=people["A"][0], attributes={"site": "A"})]
            )
        )
        assert (done.employees, done.removed, done.unchanged) == (1, 1, 1)  # gender dropped
        listed = await analytics.list_group_attributes(attribute="gender")
        assert people["A"][0] not in {row.employee_id for row in listed.items}
        report = await analytics.adverse_impact(
            "site", cycle_id=world.cycle, favourable=["3", "4", "5"]
        )
        assert report.favourable_bands == ["3", "4", "5"]
        rates = {g.group: g.favourable for g in report.raw.groups}
        assert rates == {"A": 4, "B": 3}
        html = await analytics.distribution_report(cycle_id=world.cycle)
        assert html.startswith("<!DOCTYPE html>")


class TestAdverseImpactNamesItsCalibration:
    async def test_by_cycle_after_finalisation_names_the_session(
        self, client, world, consumer, identity_headers
    ):
        """Issue 20.4: queried by cycle_id, a report with a calibrated block names the
        calibration session it reflects (it answered null)."""
        hr = identity_headers(Role.HR)
        people = await populate(client, world, consumer, hr, {"A": SITES["A"], "B": SITES["B"]})
        guideline = [{"band": b, "share": "20"} for b in "12345"]
        session = (
            await client.post(
                "/api/v1/analytics/calibration-sessions",
                json={"name": "Plant", "cycle_id": str(world.cycle), "guideline": guideline},
                headers=hr,
            )
        ).json()
        base = f"/api/v1/analytics/calibration-sessions/{session['id']}"
        adjusted = await client.post(
            f"{base}/adjustments",
            json={"employee_id": str(people["B"][1]), "calibrated_band": "4", "reason": "Panel"},
            headers=hr,
        )
        assert adjusted.status_code == 200, adjusted.text
        assert (await client.post(f"{base}/finalise", headers=hr)).status_code == 200
        report = (
            await client.get(
                AI, params={"attribute": "site", "cycle_id": str(world.cycle)}, headers=hr
            )
        ).json()
        assert report["calibrated"] is not None
        assert report["calibration_session_id"] == session["id"]
        assert report["calibration_session_ids"] == [session["id"]]
        by_session = (
            await client.get(
                AI,
                params={"attribute": "site", "calibration_session_id": session["id"]},
                headers=hr,
            )
        ).json()
        assert by_session["calibration_session_ids"] == [session["id"]]
        plain = (
            await client.get(
                AI, params={"attribute": "site", "cycle_id": str(uuid.uuid4())}, headers=hr
            )
        ).json()
        assert (plain["calibrated"], plain["calibration_session_id"]) == (None, None)
