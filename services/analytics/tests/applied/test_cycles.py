"""Results applied across cycles: the promotion N-cycle rule and training effectiveness,
through the API on plan-only results (one indicator weighted 100 %, so overall = its score),
hand-computed."""

import math
import uuid
from decimal import Decimal

import pytest

from strata_contracts.goals.vocabulary import Perspective
from strata_contracts.identity import Role

ITEM = [("Output", Perspective.FINANCIAL, "100", None)]


def results(world, scores: dict[uuid.UUID, list[str | None]], cycles: list[uuid.UUID]) -> None:  # type: ignore[no-untyped-def]
    """Sign a one-indicator plan per employee per cycle and record its score."""
    for employee, per_cycle in scores.items():
        for cycle, score in zip(cycles, per_cycle, strict=True):
            if score is None:
                continue
            plan, keys = world.plan(employee, ITEM, cycle=cycle)
            world.actual(plan, employee, keys["Output"], score, cycle=cycle)


class TestPromotionStreak:
    async def test_band_4_or_above_in_n_consecutive_cycles(
        self, client, world, consumer, identity_headers
    ):
        """Default bands: 4 from 1.0, 5 from 1.1, 2 from 0.6.

        | person | C1 | C2 | C3 | streak (band >= 4) | N = 3 | N = 2 |
        | --- | --- | --- | --- | --- | --- | --- |
        | Ana | 1.0 (4) | 1.05 (4) | 1.2 (5) | 3 | yes | yes |
        | Ben | 1.0 (4) | 0.7 (2) | 1.0 (4) | 1 (C2 breaks it) | no | no |
        | Cem | none | 1.0 (4) | 1.0 (4) | 2 (no C1 result) | no | yes |
        """
        world.org_unit("Production", world.unit)
        people = {name: world.employee(name) for name in ("Ana", "Ben", "Cem")}
        cycles = [uuid.uuid4(), uuid.uuid4(), uuid.uuid4()]
        results(
            world,
            {
                people["Ana"]: ["1.0", "1.05", "1.2"],
                people["Ben"]: ["1.0", "0.7", "1.0"],
                people["Cem"]: [None, "1.0", "1.0"],
            },
            cycles,
        )
        await world.sync(consumer)
        hr = identity_headers(Role.HR)

        async def run(n: int):  # type: ignore[no-untyped-def]
            response = await client.post(
                "/api/v1/analytics/recommendation-runs/promotion",
                json={
                    "cycle_ids": [str(c) for c in cycles],
                    "min_band": "4",
                    "consecutive_cycles": n,
                    "include_incomplete": True,
                    "include_incomplete_reason": "plan-only results: no 360 in these cycles",
                },
                headers=hr,
            )
            assert response.status_code == 201, response.text
            return response.json()

        three = await run(3)
        assert [r["employee_name"] for r in three["recommendations"]] == ["Ana"]
        found = {
            e["employee_name"]: (e["candidate"], e["evidence"][0]["found"])
            for e in three["summary"]["evaluations"]
        }
        assert found == {
            "Ana": (True, "3 consecutive cycle(s) ending with the current one"),
            "Ben": (False, "1 consecutive cycle(s) ending with the current one"),
            "Cem": (False, "2 consecutive cycle(s) ending with the current one"),
        }
        ben = next(e for e in three["summary"]["evaluations"] if e["employee_name"] == "Ben")
        assert [(c["band"], c["meets"]) for c in ben["evidence"][0]["detail"]["cycles"]] == [
            ("4", True),
            ("2", False),
            ("4", True),
        ]
        two = await run(2)
        assert sorted(r["employee_name"] for r in two["recommendations"]) == ["Ana", "Cem"]
        assert two["cycle_id"] == str(cycles[-1])


class TestTrainingEffectiveness:
    async def test_trained_against_untrained_peers_and_suppression(
        self, client, world, consumer, identity_headers
    ):
        """Overall results before (C1) and after (C2):

        trained  T1 0.6 → 0.8, T2 0.7 → 0.8, T3 0.8 → 1.0: changes 0.2, 0.1, 0.2
        untrained U1 0.7 → 0.7, U2 0.7 → 0.8, U3 0.9 → 0.9: changes 0, 0.1, 0
        enrolled, not completed: P 0.5 → 0.9 (in neither group)

        trained: mean change 1/6, SD sqrt(((1/30)² + (1/15)² + (1/30)²) / 2) = sqrt(1/300),
        d_z = (1/6) / sqrt(1/300) = sqrt(300) / 6 = 2.8868.
        untrained: mean change 1/30, SD sqrt(1/300). DiD = 1/6 - 1/30 = 2/15.
        pooled SD = sqrt(1/300); d = (2/15) sqrt(300) = 2.3094; J = 1 - 3 / (4 * 6 - 9) = 0.8;
        g = 1.8475. No campaign in the cycles: k = 3 (the default), both groups shown.
        """
        world.org_unit("Production", world.unit)
        names = ["T1", "T2", "T3", "U1", "U2", "U3", "P"]
        people = {n: world.employee(n) for n in names}
        before, after = uuid.uuid4(), uuid.uuid4()
        results(
            world,
            {
                people["T1"]: ["0.6", "0.8"],
                people["T2"]: ["0.7", "0.8"],
                people["T3"]: ["0.8", "1.0"],
                people["U1"]: ["0.7", "0.7"],
                people["U2"]: ["0.7", "0.8"],
                people["U3"]: ["0.9", "0.9"],
                people["P"]: ["0.5", "0.9"],
            },
            [before, after],
        )
        await world.sync(consumer)
        hr = identity_headers(Role.HR)
        programme = (
            await client.post(
                "/api/v1/analytics/training-programmes",
                json={"name": "Lean basics"},
                headers=hr,
            )
        ).json()
        base = f"/api/v1/analytics/training-programmes/{programme['id']}"
        enrol = [
            {"employee_id": str(people[n]), "completed_on": "2026-03-01"}
            for n in ("T1", "T2", "T3")
        ] + [{"employee_id": str(people["P"]), "completed_on": None}]
        put = await client.put(f"{base}/enrolments", json={"enrolments": enrol}, headers=hr)
        assert put.status_code == 200, put.text
        read = (await client.get(base, headers=hr)).json()
        assert (read["enrolments"], read["completed"]) == (4, 3)
        params = {"before_cycle_id": str(before), "after_cycle_id": str(after)}
        lena = identity_headers(Role.EMPLOYEE, employee_id=people["T1"])
        assert (
            await client.get(f"{base}/effectiveness", params=params, headers=lena)
        ).status_code == 403
        response = await client.get(f"{base}/effectiveness", params=params, headers=hr)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["anonymity_threshold"] == 3
        assert body["measure"] == "overall"
        trained, untrained = body["trained"], body["untrained"]
        assert (trained["n"], untrained["n"]) == (3, 3)
        assert dec(trained["mean_before"]) == pytest.approx(0.7, abs=5e-5)
        assert dec(trained["mean_after"]) == pytest.approx(2.6 / 3, abs=5e-5)
        assert dec(trained["mean_change"]) == pytest.approx(1 / 6, abs=5e-5)
        assert dec(trained["sd_change"]) == pytest.approx(math.sqrt(1 / 300), abs=5e-5)
        assert dec(untrained["mean_change"]) == pytest.approx(1 / 30, abs=5e-5)
        assert dec(body["cohens_d_paired"]) == pytest.approx(math.sqrt(300) / 6, abs=5e-5)
        assert dec(body["difference_in_differences"]) == pytest.approx(2 / 15, abs=5e-5)
        assert dec(body["hedges_g"]) == pytest.approx(2 / 15 * math.sqrt(300) * 0.8, abs=5e-5)
        assert body["notes"] == ["1 enrolment(s) not completed: in neither group."]

        # T3 not completed after all: two trained people are below k = 3, nothing about
        # them is published (not even their count's mean), nor any comparison.
        await client.put(
            f"{base}/enrolments",
            json={"enrolments": [{"employee_id": str(people["T3"]), "completed_on": None}]},
            headers=hr,
        )
        small = (await client.get(f"{base}/effectiveness", params=params, headers=hr)).json()
        assert small["trained"] == {
            "n": 2,
            "suppressed": True,
            "mean_before": None,
            "mean_after": None,
            "mean_change": None,
            "sd_change": None,
        }
        assert (small["cohens_d_paired"], small["difference_in_differences"]) == (None, None)
        assert small["hedges_g"] is None
        assert small["untrained"]["n"] == 3
        assert small["untrained"]["suppressed"] is False

    async def test_inputs_are_checked(self, client, world, identity_headers):
        hr = identity_headers(Role.HR)
        created = await client.post(
            "/api/v1/analytics/training-programmes", json={"name": "  "}, headers=hr
        )
        assert [e["pointer"] for e in created.json()["errors"]] == ["/body/name"]
        programme = (
            await client.post(
                "/api/v1/analytics/training-programmes", json={"name": "X"}, headers=hr
            )
        ).json()
        base = f"/api/v1/analytics/training-programmes/{programme['id']}"
        unknown = str(uuid.uuid4())
        bad = await client.put(
            f"{base}/enrolments",
            json={"enrolments": [{"employee_id": unknown}, {"employee_id": unknown}]},
            headers=hr,
        )
        assert [e["pointer"] for e in bad.json()["errors"]] == [
            "/body/enrolments/0/employee_id",
            "/body/enrolments/1/employee_id",
            "/body/enrolments/1/employee_id",
        ]
        assert (await client.get(f"{base}/enrolments", headers=hr)).json()["items"] == []
        same = str(uuid.uuid4())
        twice = await client.get(
            f"{base}/effectiveness",
            params={"before_cycle_id": same, "after_cycle_id": same},
            headers=hr,
        )
        assert [e["pointer"] for e in twice.json()["errors"]] == ["/query/after_cycle_id"]
        missing = await client.get(f"{base}/effectiveness", headers=hr)
        assert [e["pointer"] for e in missing.json()["errors"]] == [
            "/query/before_cycle_id",
            "/query/after_cycle_id",
        ]
        theirs = identity_headers(Role.HR, tenant=uuid.uuid4())
        assert (await client.get(base, headers=theirs)).status_code == 404
        # another tenant's programme is 404 before any query check
        assert (await client.get(f"{base}/effectiveness", headers=theirs)).status_code == 404


class TestEffectivenessOnACompetency:
    async def test_competency_means_and_the_campaigns_threshold(
        self, client, world, consumer, identity_headers
    ):
        """Communication means from the supervisor's ratings (the supervisor group always
        counts), before in a campaign with k = 3, after in one with k = 4: the threshold is 4.

        trained   T1 3 → 4, T2 3 → 5, T3 2 → 3, T4 4 → 4: changes 1, 2, 1, 0 (mean 1, SD
        sqrt(2/3)); d_z = 1 / sqrt(2/3) = 1.2247
        untrained U1 3 → 3, U2 4 → 4, U3 3 → 4, U4 2 → 2: changes 0, 0, 1, 0 (mean 0.25, SD 0.5)
        DiD = 0.75; pooled SD = sqrt((3 * 2/3 + 3 * 0.25) / 6); J = 1 - 3 / (4 * 8 - 9)
        """
        from strata_contracts.reviews.vocabulary import Relationship

        world.org_unit("Production", world.unit)
        before_after = {
            "T1": (3, 4),
            "T2": (3, 5),
            "T3": (2, 3),
            "T4": (4, 4),
            "U1": (3, 3),
            "U2": (4, 4),
            "U3": (3, 4),
            "U4": (2, 2),
        }
        people = {n: world.employee(n) for n in before_after}
        before, after = uuid.uuid4(), uuid.uuid4()
        for index, (cycle, k) in enumerate(((before, 3), (after, 4))):
            world.campaign(
                {
                    people[n]: [(Relationship.SUPERVISOR, "boss", [v[index], v[index], 3])]
                    for n, v in before_after.items()
                },
                k=k,
                cycle=cycle,
            )
        await world.sync(consumer)
        hr = identity_headers(Role.HR)
        programme = (
            await client.post(
                "/api/v1/analytics/training-programmes",
                json={"name": "Speaking up", "competency_key": "communication"},
                headers=hr,
            )
        ).json()
        base = f"/api/v1/analytics/training-programmes/{programme['id']}"
        trained = ["T1", "T2", "T3", "T4"]
        await client.put(
            f"{base}/enrolments",
            json={
                "enrolments": [
                    {"employee_id": str(people[n]), "completed_on": "2026-03-01"} for n in trained
                ]
            },
            headers=hr,
        )
        params = {
            "before_cycle_id": str(before),
            "after_cycle_id": str(after),
            "competency_key": "communication",
        }
        body = (await client.get(f"{base}/effectiveness", params=params, headers=hr)).json()
        assert (body["measure"], body["anonymity_threshold"]) == ("competency:communication", 4)
        assert (body["trained"]["n"], body["untrained"]["n"]) == (4, 4)
        assert dec(body["trained"]["mean_change"]) == pytest.approx(1.0, abs=5e-5)
        assert dec(body["untrained"]["sd_change"]) == pytest.approx(0.5, abs=5e-5)
        assert dec(body["cohens_d_paired"]) == pytest.approx(1 / math.sqrt(2 / 3), abs=5e-5)
        assert dec(body["difference_in_differences"]) == pytest.approx(0.75, abs=5e-5)
        pooled = math.sqrt((3 * 2 / 3 + 3 * 0.25) / 6)
        assert dec(body["hedges_g"]) == pytest.approx(0.75 / pooled * (1 - 3 / 23), abs=5e-5)
        # three completed: enough for the reviews default (3) but not for this cycle's k = 4
        await client.put(
            f"{base}/enrolments",
            json={"enrolments": [{"employee_id": str(people["T4"]), "completed_on": None}]},
            headers=hr,
        )
        small = (await client.get(f"{base}/effectiveness", params=params, headers=hr)).json()
        assert (small["trained"]["n"], small["trained"]["suppressed"]) == (3, True)
        assert small["trained"]["mean_change"] is None
        assert small["cohens_d_paired"] is None


def dec(value: object) -> float:
    """A figure as analytics publishes it: a decimal string with four places."""
    assert isinstance(value, str), f"{value!r} is not a decimal string"
    assert len(value.rsplit(".", 1)[-1]) == 4, value
    return float(Decimal(value))
