"""Competency requirements are validated (issue 17.3): known competency keys only, levels
numbers within the competency's rating scale (the worked example's 360 rates 1 to 5). A bad PUT
answers 422 naming the field and leaves the stored requirements as they were; a training run
never proposes a gap off the scale, even from a requirement stored before the rules."""

from decimal import Decimal

import pytest

from strata_analytics.applied.models import CompetencyRequirement
from strata_contracts.identity import Role

URL = "/api/v1/analytics/competency-requirements"
VALID = {
    "requirements": [
        {"competency_key": "communication", "required_level": 4.5},
        {"competency_key": "interpersonal", "required_level": 4},
    ]
}


class TestRequirementsAreValidated:
    @pytest.mark.parametrize(
        ("requirement", "pointer"),
        [
            ({"competency_key": "communication", "required_level": "40"}, "required_level"),
            ({"competency_key": "communication", "required_level": "4"}, "required_level"),
            ({"competency_key": "communication", "required_level": True}, "required_level"),
            ({"competency_key": "communication", "required_level": 40}, "required_level"),
            ({"competency_key": "communication", "required_level": 0.5}, "required_level"),
            ({"competency_key": "leadersh1p", "required_level": 3}, "competency_key"),
        ],
    )
    async def test_a_bad_put_is_422_and_changes_nothing(
        self, client, example, identity_headers, requirement, pointer
    ):
        await example()
        hr = identity_headers(Role.HR)
        ok = await client.put(URL, json=VALID, headers=hr)
        assert ok.status_code == 200, ok.text
        assert ok.json() == VALID  # numbers in, numbers out
        bad = await client.put(
            URL,
            json={"requirements": [VALID["requirements"][1], requirement]},
            headers=hr,
        )
        assert bad.status_code == 422, bad.text
        pointers = [e["pointer"] for e in bad.json()["errors"]]
        assert any(p.startswith(f"/body/requirements/1/{pointer}") for p in pointers), pointers
        assert (await client.get(URL, headers=hr)).json() == VALID

    async def test_training_never_proposes_a_gap_off_the_scale(
        self, client, world, example, identity_headers, db_session
    ):
        """A requirement of 40 stored before validation (as the issue found it) is ignored
        with a note; the valid one still yields the hand-computed gaps."""
        await example()
        hr = identity_headers(Role.HR)
        assert (
            await client.put(
                URL,
                json={
                    "requirements": [{"competency_key": "interpersonal", "required_level": 4.25}]
                },
                headers=hr,
            )
        ).status_code == 200
        db_session.add(
            CompetencyRequirement(
                tenant_id=world.tenant, competency_key="communication", required_level=Decimal(40)
            )
        )
        await db_session.commit()
        response = await client.post(
            "/api/v1/analytics/recommendation-runs/training",
            json={"cycle_id": str(world.cycle)},
            headers=hr,
        )
        assert response.status_code == 201, response.text
        run = response.json()
        assert sorted(
            (r["employee_name"], r["inputs"]["competency_key"], r["proposed_value"])
            for r in run["recommendations"]
        ) == [("Clara", "interpersonal", "2.2500"), ("Lena", "interpersonal", "0.2500")]
        assert all(Decimal(r["proposed_value"]) <= 4 for r in run["recommendations"])
        assert any(
            "communication = 40" in n and "outside its rating scale 1 to 5" in n
            for n in run["summary"]["notes"]
        )
