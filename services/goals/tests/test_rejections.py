"""Acceptance: bad input answers 4xx problem details naming the problem, and stores nothing.
(A manager outside the organisation: tests/org/test_org.py, TestEmployees.)"""

import uuid

from sqlmodel import select

from strata_contracts.identity import Role
from strata_goals.cycles.models import Cycle, CyclePhaseChange
from strata_goals.plans.models import PlanSignature
from strata_goals.strategy.models import Indicator

P = "/api/v1/goals"


def pointers(response):
    return [e["pointer"] for e in response.json()["errors"]]


class TestWeightsThatDoNotTotal100:
    async def test_post_weights_are_refused_and_unchanged(self, api, client, worked_example):
        x = worked_example
        before = await api.call("GET", f"/positions/{x['rep_post']}/weights")
        response = await client.put(
            f"{P}/positions/{x['rep_post']}/weights",
            json={
                "items": [
                    {"indicator_id": x["contracts"], "weight": "40"},
                    {"indicator_id": x["pipeline"], "weight": "25"},
                    {"indicator_id": x["crm"], "weight": "15"},
                    {"indicator_id": x["complaints"], "weight": "10"},
                ]
            },
            headers=api.headers,
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert pointers(response) == ["/body/items"]
        assert "90" in response.json()["errors"][0]["detail"]
        assert await api.call("GET", f"/positions/{x['rep_post']}/weights") == before

    async def test_plan_weights_are_refused_and_no_version_stored(
        self, api, client, worked_example
    ):
        x = worked_example
        cycle = await api.call(
            "POST", "/cycles", {"name": "April", "cadence": "monthly", "starts_on": "2026-04-01"}
        )
        plan = await api.call(
            "POST", "/plans", {"employee_id": x["operator"], "cycle_id": cycle["id"]}
        )
        weights = {
            "base_version": 1,
            "items": [{"key": item["key"], "weight": "30"} for item in plan["current"]["items"]],
        }
        response = await client.put(
            f"{P}/plans/{plan['id']}/weights", json=weights, headers=api.headers
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/items"]
        stored = await api.call("GET", f"/plans/{plan['id']}")
        assert stored["current_version"] == 1

    async def test_a_draft_whose_weights_miss_100_cannot_be_signed(
        self, api, client, identity_headers, db_session
    ):
        unit = await api.org_unit()
        post = await api.position(unit["id"])
        for name, weight in (("Output", "40"), ("Quality", "40"), ("Tidiness", "10")):
            await api.call(
                "POST",
                "/indicators",
                {
                    "name": name,
                    "level": "post",
                    "position_id": post["id"],
                    "perspective": "internal_process",
                    "direction": "higher_is_better",
                    "threshold": "1",
                    "target": "2",
                    "weight": weight,
                },
            )
        person = await api.employee(unit["id"], position_id=post["id"])
        cycle = await api.call(
            "POST", "/cycles", {"name": "May", "cadence": "monthly", "starts_on": "2026-05-01"}
        )
        plan = await api.call(
            "POST", "/plans", {"employee_id": person["id"], "cycle_id": cycle["id"]}
        )
        as_person = identity_headers(Role.EMPLOYEE, employee_id=uuid.UUID(person["id"]))
        response = await client.post(
            f"{P}/plans/{plan['id']}/signatures", json={"version": 1}, headers=as_person
        )
        assert response.status_code == 422
        assert "/body/items" in pointers(response)
        assert "90" in response.json()["detail"]
        signatures = select(PlanSignature).where(PlanSignature.plan_id == uuid.UUID(plan["id"]))
        assert (await db_session.exec(signatures)).all() == []


class TestThresholdAboveTarget:
    async def test_a_higher_is_better_indicator_is_refused_naming_the_threshold(
        self, api, client, db_session
    ):
        root = await api.org_unit()
        response = await client.post(
            f"{P}/indicators",
            json={
                "name": "Revenue",
                "level": "department",
                "org_unit_id": root["id"],
                "perspective": "financial",
                "direction": "higher_is_better",
                "threshold": "120",
                "target": "100",
            },
            headers=api.headers,
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert "/body/threshold" in pointers(response)
        assert (await db_session.exec(select(Indicator))).all() == []


class TestPhaseSkipped:
    async def test_planning_to_assessment_is_refused_naming_the_phase(
        self, api, client, db_session
    ):
        cycle = await api.call(
            "POST", "/cycles", {"name": "Q1", "cadence": "quarterly", "starts_on": "2026-01-01"}
        )
        response = await client.post(
            f"{P}/cycles/{cycle['id']}/transitions",
            json={"to_phase": "assessment"},
            headers=api.headers,
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/to_phase"]
        assert "skips coaching" in response.json()["detail"]
        stored = (await db_session.exec(select(Cycle))).one()
        assert stored.phase == "planning"
        assert (await db_session.exec(select(CyclePhaseChange))).all() == []
