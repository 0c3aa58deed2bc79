"""The pre-read: plan and results from goals, the 360 summary from reviews, the last
improvement plan and anytime notes; missing parts named, never a 500."""

import uuid

import httpx

from strata_contracts.identity import Role

BASE = "/api/v1/feedback/interviews"


async def prepared(flow, gateway, people, as_, client, cycle_id, *, previous=True):
    """A scheduled cycle interview for Anna, with a plan, a 360, a previous plan and notes."""
    gateway.plan(cycle_id, people.anna)
    gateway.results(people.anna, cycle_id)
    previous_action = None
    if previous:
        earlier = await flow.held(people.anna, days=-40)
        previous_action = await flow.action(earlier, due=-5)
        await flow.post(f"/interviews/{earlier['id']}/acknowledge", {}, as_(people.anna))
    await client.post(
        "/api/v1/feedback/notes",
        json={"recipient_id": str(people.anna), "kind": "praise", "body": "Saved the Acme deal."},
        headers=as_(people.ben),
    )
    interview = await flow.schedule(people.anna, cycle_id=cycle_id, days=2)
    return interview, previous_action


class TestPreread:
    async def test_another_employee_cannot_read_it(
        self, client, flow, gateway, people, as_, cycle_id
    ):
        interview, _ = await prepared(flow, gateway, people, as_, client, cycle_id)
        response = await client.get(f"{BASE}/{interview['id']}/pre-read", headers=as_(people.ben))
        assert response.status_code == 404
        other = as_(people.hr, Role.HR, tenant=uuid.uuid4())
        assert (
            await client.get(f"{BASE}/{interview['id']}/pre-read", headers=other)
        ).status_code == 404

    async def test_both_parties_get_the_whole_packet(
        self, client, flow, gateway, people, as_, cycle_id
    ):
        interview, previous_action = await prepared(flow, gateway, people, as_, client, cycle_id)
        for headers in (as_(people.anna), flow.manager()):
            response = await client.get(f"{BASE}/{interview['id']}/pre-read", headers=headers)
            assert response.status_code == 200, response.text
            packet = response.json()
            assert packet["complete"] is True
            assert packet["missing"] == []
            assert packet["plan"]["cycle_id"] == str(cycle_id)
            assert packet["plan"]["plan_score"]["percent"] == "97.78"
            assert packet["reviews"]["of_this_cycle"] is True
            assert packet["reviews"]["results"]["competencies"][0]["key"] == "communication"
            previous = packet["previous_improvement_plan"]
            assert previous["status"] == "open"
            assert [a["id"] for a in previous["actions"]] == [previous_action["id"]]
            assert previous["actions"][0]["overdue"] is True
            assert [n["body"] for n in packet["notes"]] == ["Saved the Acme deal."]
        calls = [
            r for r in gateway.requests if "explanation" in r.url.path or "results" in r.url.path
        ]
        assert all(r.headers["X-Strata-Identity"] for r in calls)

    async def test_with_reviews_stopped_it_names_what_is_missing_and_returns_the_rest(
        self, client, flow, gateway, people, as_, cycle_id
    ):
        interview, _ = await prepared(flow, gateway, people, as_, client, cycle_id)
        gateway.reviews_down = True
        response = await client.get(f"{BASE}/{interview['id']}/pre-read", headers=flow.manager())
        assert response.status_code == 200
        packet = response.json()
        assert packet["complete"] is False
        assert packet["missing"] == [
            {
                "part": "reviews",
                "reason": "unavailable",
                "status": 503,
                "detail": "The reviews service could not be reached.",
            }
        ]
        assert packet["reviews"] is None
        assert packet["plan"]["plan_score"]["total"] == "0.9778"
        assert packet["previous_improvement_plan"]["status"] == "open"
        assert packet["notes"]

    async def test_a_slow_service_is_a_timeout_not_a_hang(
        self, client, flow, gateway, people, as_, cycle_id, app
    ):
        interview, _ = await prepared(flow, gateway, people, as_, client, cycle_id, previous=False)
        app.state.settings.preread_part_timeout_seconds = 0.05
        gateway.reviews_hang = True
        response = await client.get(f"{BASE}/{interview['id']}/pre-read", headers=as_(people.anna))
        assert response.status_code == 200
        [missing] = response.json()["missing"]
        assert (missing["part"], missing["reason"], missing["status"]) == (
            "reviews",
            "timeout",
            504,
        )
        assert response.json()["plan"] is not None

    async def test_goals_down_and_no_360_are_both_named(
        self, client, flow, gateway, people, as_, cycle_id
    ):
        interview = await flow.schedule(people.anna, cycle_id=cycle_id)
        gateway.goals_down = True
        response = await client.get(f"{BASE}/{interview['id']}/pre-read", headers=as_(people.anna))
        assert response.status_code == 200
        missing = {m["part"]: m for m in response.json()["missing"]}
        assert (missing["plan"]["reason"], missing["plan"]["status"]) == ("unavailable", 503)
        assert (missing["reviews"]["reason"], missing["reviews"]["status"]) == ("not_found", None)
        assert response.json()["previous_interview"] is None

    async def test_no_plan_yet_is_not_found(self, client, flow, gateway, people, as_, cycle_id):
        interview = await flow.schedule(people.anna, cycle_id=cycle_id)
        response = await client.get(f"{BASE}/{interview['id']}/pre-read", headers=as_(people.anna))
        plan = next(m for m in response.json()["missing"] if m["part"] == "plan")
        assert (plan["reason"], plan["status"]) == ("not_found", 404)

    async def test_an_ad_hoc_interview_has_no_plan_to_read(
        self, client, flow, gateway, people, as_
    ):
        gateway.results(people.anna, uuid.uuid4())
        interview = await flow.schedule(people.anna)
        response = await client.get(f"{BASE}/{interview['id']}/pre-read", headers=as_(people.anna))
        packet = response.json()
        assert [(m["part"], m["reason"]) for m in packet["missing"]] == [("plan", "not_applicable")]
        assert packet["reviews"]["of_this_cycle"] is False
        assert not any("explanation" in r.url.path for r in gateway.requests)

    async def test_a_malformed_answer_is_invalid_response(
        self, client, flow, gateway, people, as_, cycle_id
    ):
        interview = await flow.schedule(people.anna, cycle_id=cycle_id)
        gateway.plans[(cycle_id, people.anna)] = gateway.plan(cycle_id, people.anna)
        original = gateway._goals

        def broken(parts, request):
            if parts[-1] == "explanation":
                return httpx.Response(200, json={"employee_id": "nope"})
            return original(parts, request)

        gateway._goals = broken
        response = await client.get(f"{BASE}/{interview['id']}/pre-read", headers=as_(people.anna))
        plan = next(m for m in response.json()["missing"] if m["part"] == "plan")
        assert (plan["reason"], plan["status"]) == ("invalid_response", 502)

    async def test_notes_hidden_by_the_setting_are_named(
        self, client, flow, gateway, people, as_, cycle_id, hr
    ):
        interview, _ = await prepared(flow, gateway, people, as_, client, cycle_id, previous=False)
        await client.patch(
            "/api/v1/feedback/settings", json={"notes_visible_to_manager": False}, headers=hr
        )
        manager = (
            await client.get(f"{BASE}/{interview['id']}/pre-read", headers=flow.manager())
        ).json()
        assert manager["notes"] is None
        assert [(m["part"], m["reason"]) for m in manager["missing"]] == [("notes", "hidden")]
        employee = (
            await client.get(f"{BASE}/{interview['id']}/pre-read", headers=as_(people.anna))
        ).json()
        assert employee["complete"] is True
        assert len(employee["notes"]) == 1
