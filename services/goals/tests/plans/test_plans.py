"""Plans and agreements: versions from both sides, signatures, frozen weights, check-ins,
actuals (single and bulk) and overdue check-ins."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlmodel import select

from strata_contracts.identity import Role
from strata_goals.models import AuditRecord, OutboxEvent
from strata_goals.plans.models import Actual, PlanVersion

P = "/api/v1/goals"


def pointers(response):
    return [e["pointer"] for e in response.json()["errors"]]


async def april(api):
    return await api.call(
        "POST", "/cycles", {"name": "April", "cadence": "monthly", "starts_on": "2026-04-01"}
    )


async def transition(api, cycle_id, phase, **extra):
    return await api.call(
        "POST", f"/cycles/{cycle_id}/transitions", {"to_phase": phase, **extra}, expect=200
    )


def rep_items(x, **weights):
    default = {"contracts": "40", "pipeline": "25", "crm": "15", "complaints": "20"}
    return [
        {"indicator_id": x[name], "weight": weights.get(name, weight)}
        for name, weight in default.items()
    ]


class TestProposals:
    async def test_a_colleague_cannot_open_someone_elses_plan(self, api, client, worked_example):
        x = worked_example
        cycle = await april(api)
        response = await client.post(
            f"{P}/plans",
            json={"employee_id": x["operator"], "cycle_id": cycle["id"]},
            headers=x["as_rep"],
        )
        assert response.status_code == 403

    async def test_the_employee_proposes_and_the_manager_revises(self, api, client, worked_example):
        x = worked_example
        cycle = await april(api)
        proposal = await api.call(
            "POST",
            "/plans",
            {
                "employee_id": x["rep"],
                "cycle_id": cycle["id"],
                "items": [
                    *rep_items(x, contracts="35", complaints="25")[:3],
                    {"indicator_id": x["complaints"], "weight": "25", "target": "3"},
                ],
                "note": "Complaints depend on the product team too.",
            },
            headers=x["as_rep"],
        )
        assert proposal["current"]["author"] == "user:ana"
        complaints = next(
            i for i in proposal["current"]["items"] if i["indicator_id"] == x["complaints"]
        )
        assert Decimal(complaints["target"]) == 3
        # Parameters not proposed come from the cascade indicator.
        assert Decimal(complaints["threshold"]) == 5
        revised_items = [
            {"key": item["key"], "weight": weight}
            for item, weight in zip(
                proposal["current"]["items"], ["40", "25", "15", "20"], strict=True
            )
        ]
        revised_items[3]["target"] = "2"
        revised = await api.call(
            "POST",
            f"/plans/{proposal['id']}/versions",
            {"base_version": 1, "items": revised_items, "note": "Back to the post's targets."},
            headers=x["as_director"],
        )
        assert (revised["current_version"], revised["status"]) == (2, "draft")
        assert [i["key"] for i in revised["current"]["items"]] == [
            i["key"] for i in proposal["current"]["items"]
        ]
        versions = await api.call("GET", f"/plans/{proposal['id']}/versions")
        assert [(v["number"], v["author"]) for v in versions] == [(1, "user:ana"), (2, "user:dir")]

    async def test_a_stale_base_version_is_a_conflict(
        self, api, client, worked_example, db_session
    ):
        x = worked_example
        cycle = await april(api)
        plan = await api.call("POST", "/plans", {"employee_id": x["rep"], "cycle_id": cycle["id"]})
        items = [{"key": i["key"], "weight": i["weight"]} for i in plan["current"]["items"]]
        await api.call("POST", f"/plans/{plan['id']}/versions", {"base_version": 1, "items": items})
        response = await client.post(
            f"{P}/plans/{plan['id']}/versions",
            json={"base_version": 1, "items": items},
            headers=x["as_rep"],
        )
        assert response.status_code == 409
        assert response.json()["current_version"] == 2
        stored = select(PlanVersion).where(PlanVersion.plan_id == uuid.UUID(plan["id"]))
        assert len((await db_session.exec(stored)).all()) == 2

    async def test_an_indicator_proposed_by_the_employee_needs_a_name_and_perspective(
        self, api, client, worked_example
    ):
        x = worked_example
        cycle = await april(api)
        response = await client.post(
            f"{P}/plans",
            json={
                "employee_id": x["rep"],
                "cycle_id": cycle["id"],
                "items": [
                    *rep_items(x, complaints="10"),
                    {"weight": "10", "direction": "higher_is_better"},
                ],
            },
            headers=x["as_rep"],
        )
        assert response.status_code == 422
        assert sorted(pointers(response)) == ["/body/items/4/name", "/body/items/4/perspective"]

    async def test_an_indicator_twice_is_refused(self, api, client, worked_example):
        x = worked_example
        cycle = await april(api)
        items = rep_items(x, complaints="10")
        items.append({"indicator_id": x["complaints"], "weight": "10"})
        response = await client.post(
            f"{P}/plans",
            json={"employee_id": x["rep"], "cycle_id": cycle["id"], "items": items},
            headers=api.headers,
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/items/4/indicator_id"]


class TestSignatures:
    async def test_a_colleague_cannot_sign(self, api, client, identity_headers, worked_example):
        x = worked_example
        cycle = await april(api)
        plan = await api.call("POST", "/plans", {"employee_id": x["rep"], "cycle_id": cycle["id"]})
        as_ceo = identity_headers(Role.MANAGER, employee_id=uuid.UUID(x["ceo"]))
        response = await client.post(
            f"{P}/plans/{plan['id']}/signatures", json={"version": 1}, headers=as_ceo
        )
        assert response.status_code == 403

    async def test_both_signatures_make_the_agreement(self, api, client, worked_example):
        x = worked_example
        agreement = await api.call("GET", f"/plans/{x['plan']}/agreement", headers=x["as_rep"])
        assert agreement["version"] == 1
        assert agreement["employee_signature"]["signer"] == "user:ana"
        assert agreement["manager_signature"]["signer"] == "user:dir"
        assert agreement["manager_signature"]["signer_employee_id"] == x["director"]
        assert agreement["superseded"] is False
        assert len(agreement["items"]) == 4

    async def test_a_changed_plan_needs_both_signatures_again(self, api, client, worked_example):
        x = worked_example
        cycle = await april(api)
        plan = await api.call("POST", "/plans", {"employee_id": x["rep"], "cycle_id": cycle["id"]})
        for headers in (x["as_rep"], x["as_director"]):
            await api.call(
                "POST", f"/plans/{plan['id']}/signatures", {"version": 1}, headers=headers
            )
        items = [{"key": i["key"], "weight": i["weight"]} for i in plan["current"]["items"]]
        items[0]["target"] = "11"
        changed = await api.call(
            "POST",
            f"/plans/{plan['id']}/versions",
            {"base_version": 1, "items": items},
            headers=x["as_director"],
        )
        assert (changed["status"], changed["agreed_version"]) == ("draft", 1)
        agreement = await api.call("GET", f"/plans/{plan['id']}/agreement")
        assert (agreement["version"], agreement["superseded"]) == (1, True)
        old = await client.post(
            f"{P}/plans/{plan['id']}/signatures", json={"version": 1}, headers=x["as_rep"]
        )
        assert old.status_code == 409
        await api.call(
            "POST", f"/plans/{plan['id']}/signatures", {"version": 2}, headers=x["as_rep"]
        )
        twice = await client.post(
            f"{P}/plans/{plan['id']}/signatures", json={"version": 2}, headers=x["as_rep"]
        )
        assert twice.status_code == 409
        signed = await api.call(
            "POST", f"/plans/{plan['id']}/signatures", {"version": 2}, headers=x["as_director"]
        )
        assert (signed["status"], signed["agreed_version"]) == ("signed", 2)

    async def test_signing_is_audited_and_published(self, api, db_session, worked_example):
        x = worked_example
        audit = (
            await db_session.exec(
                select(AuditRecord).where(
                    AuditRecord.entity_id == uuid.UUID(x["plan"]), AuditRecord.action == "signed"
                )
            )
        ).all()
        assert [(a.actor, a.after["signed_as"]) for a in audit] == [
            ("user:ana", "employee"),
            ("user:dir", "manager"),
        ]
        [event] = (
            await db_session.exec(
                select(OutboxEvent).where(OutboxEvent.type == "goals.plan.signed")
            )
        ).all()
        assert event.subject == f"plan/{x['plan']}"
        assert (event.data["version"], event.data["manager_signed_by"]) == (1, "user:dir")
        # The signed items travel with the event: consumers weigh scores by them.
        signed = {i["key"]: i["weight"] for i in event.data["items"]}
        plan = await api.call("GET", f"/plans/{x['plan']}")
        assert signed == {i["key"]: i["weight"] for i in plan["current"]["items"]}


class TestFrozenWeights:
    async def reweight(self, client, x, headers, **extra):
        plan = (await client.get(f"{P}/plans/{x['plan']}", headers=headers)).json()
        weights = ["35", "30", "15", "20"]
        body = {
            "base_version": plan["current_version"],
            "items": [
                {"key": i["key"], "weight": w}
                for i, w in zip(plan["current"]["items"], weights, strict=True)
            ],
            **extra,
        }
        return await client.put(f"{P}/plans/{x['plan']}/weights", json=body, headers=headers)

    async def test_after_planning_the_manager_cannot_change_weights(self, client, worked_example):
        x = worked_example
        response = await self.reweight(client, x, x["as_director"])
        assert response.status_code == 403
        assert "frozen" in response.json()["detail"]

    async def test_hr_needs_a_reason(self, api, client, worked_example):
        x = worked_example
        response = await self.reweight(client, x, api.headers)
        assert response.status_code == 422
        assert pointers(response) == ["/body/reason"]

    async def test_hr_changes_them_with_a_reason_audited(
        self, api, client, worked_example, db_session
    ):
        x = worked_example
        reason = "Pipeline target reset after the March price change"
        response = await self.reweight(client, x, api.headers, reason=reason)
        assert response.status_code == 200
        body = response.json()
        assert (body["current_version"], body["status"], body["agreed_version"]) == (2, "draft", 1)
        [record] = (
            await db_session.exec(
                select(AuditRecord).where(AuditRecord.action == "weights_changed")
            )
        ).all()
        assert record.reason == reason
        assert record.actor == "hr-user"
        assert record.before["current_version"] == 1
        # The score still rests on the agreement both signed.
        score = await api.call("GET", f"/plans/{x['plan']}/score")
        assert (score["version"], score["agreed"]) == (1, True)

    async def test_the_same_weights_need_no_exception(self, api, client, worked_example):
        x = worked_example
        plan = await api.call("GET", f"/plans/{x['plan']}")
        items = [
            {"key": i["key"], "weight": i["weight"], **({"target": "12"} if n == 0 else {})}
            for n, i in enumerate(plan["current"]["items"])
        ]
        response = await client.post(
            f"{P}/plans/{x['plan']}/versions",
            json={"base_version": 1, "items": items},
            headers=x["as_director"],
        )
        assert response.status_code == 201


class TestCheckIns:
    async def test_a_check_in_while_planning_is_refused(self, api, client, worked_example):
        x = worked_example
        cycle = await april(api)
        plan = await api.call("POST", "/plans", {"employee_id": x["rep"], "cycle_id": cycle["id"]})
        response = await client.post(
            f"{P}/plans/{plan['id']}/check-ins", json={"summary": "hi"}, headers=x["as_director"]
        )
        assert response.status_code == 409

    async def test_a_check_in_dated_outside_the_cycle_is_refused(
        self, api, client, worked_example, db_session
    ):
        """The March cycle runs 1 to 31 March: a check-in of 28 February or of 1 April
        (or undated, today being later) is refused naming `held_on`."""
        x = worked_example
        before = await api.call("GET", f"/plans/{x['plan']}/check-ins")
        for body in ({"held_on": "2026-02-28"}, {"held_on": "2026-04-01"}, {}):
            response = await client.post(
                f"{P}/plans/{x['plan']}/check-ins",
                json={"summary": "Early start", **body},
                headers=x["as_director"],
            )
            assert response.status_code == 422, body
            assert pointers(response) == ["/body/held_on"]
            assert "outside the cycle" in response.json()["errors"][0]["detail"]
        after = await api.call("GET", f"/plans/{x['plan']}/check-ins")
        assert after["items"] == before["items"]
        inside = await client.post(
            f"{P}/plans/{x['plan']}/check-ins",
            json={"summary": "Last day", "held_on": "2026-03-31"},
            headers=x["as_director"],
        )
        assert inside.status_code == 201, inside.text

    async def test_guidance_is_the_supervisors(self, client, worked_example):
        x = worked_example
        response = await client.post(
            f"{P}/plans/{x['plan']}/check-ins",
            json={"guidance": "Do better", "held_on": "2026-03-20"},
            headers=x["as_rep"],
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/guidance"]

    async def test_progress_names_plan_items(self, client, worked_example):
        x = worked_example
        response = await client.post(
            f"{P}/plans/{x['plan']}/check-ins",
            json={"progress": [{"key": str(uuid.uuid4()), "value": "3"}], "held_on": "2026-03-20"},
            headers=x["as_rep"],
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/progress/0/key"]

    async def test_check_ins_are_listed(self, api, worked_example):
        x = worked_example
        page = await api.call("GET", f"/plans/{x['plan']}/check-ins", headers=x["as_rep"])
        [check_in] = page["items"]
        assert check_in["guidance"] == "Ask both for a pilot order this month."
        assert check_in["author_employee_id"] == x["director"]


class TestOverdueCheckIns:
    async def test_an_employee_cannot_see_the_view(self, client, worked_example):
        response = await client.get(f"{P}/check-ins/overdue", headers=worked_example["as_rep"])
        assert response.status_code == 403

    async def test_a_manager_sees_their_line_only(
        self, api, client, identity_headers, worked_example
    ):
        x = worked_example
        # The March check-in was on 15 March: by now it is well over 14 days old.
        overdue = await api.call("GET", "/check-ins/overdue", headers=x["as_director"])
        assert [(o["employee_id"], o["last_check_in_on"]) for o in overdue] == [
            (x["rep"], "2026-03-15")
        ]
        as_plant = identity_headers(Role.MANAGER, employee_id=uuid.UUID(x["plant"]))
        assert await api.call("GET", "/check-ins/overdue", headers=as_plant) == []
        everyone = await api.call("GET", "/check-ins/overdue")
        assert [o["plan_id"] for o in everyone] == [x["plan"]]

    async def test_a_recent_check_in_is_not_overdue(self, api, worked_example):
        """A check-in of today, in a cycle that runs this month (check-ins are dated
        inside their cycle)."""
        x = worked_example
        this_month = datetime.now(UTC).date().replace(day=1)
        cycle = await api.call(
            "POST",
            "/cycles",
            {"name": "This month", "cadence": "monthly", "starts_on": this_month.isoformat()},
        )
        plan = await api.call("POST", "/plans", {"employee_id": x["rep"], "cycle_id": cycle["id"]})
        for signer in (x["as_rep"], x["as_director"]):
            await api.call(
                "POST", f"/plans/{plan['id']}/signatures", {"version": 1}, headers=signer
            )
        await transition(api, cycle["id"], "coaching")
        await api.call(
            "POST",
            f"/plans/{plan['id']}/check-ins",
            {"summary": "On track"},
            headers=x["as_director"],
        )
        mine = {"cycle_id": cycle["id"]}
        assert (
            await api.call("GET", "/check-ins/overdue", params=mine, headers=x["as_director"]) == []
        )
        stale = await api.call(
            "GET", "/check-ins/overdue", params={**mine, "days": 1}, headers=x["as_director"]
        )
        assert stale == []


class TestActuals:
    async def test_the_employee_does_not_report_their_own_results(self, client, worked_example):
        x = worked_example
        response = await client.post(
            f"{P}/plans/{x['plan']}/actuals",
            json={"key": x["keys"][x["contracts"]], "value": "20", "source": "me"},
            headers=x["as_rep"],
        )
        assert response.status_code == 403

    async def test_the_latest_actual_counts_and_history_is_kept(self, api, worked_example):
        x = worked_example
        key = x["keys"][x["contracts"]]
        await api.call(
            "POST",
            f"/plans/{x['plan']}/actuals",
            {"key": key, "value": "14", "source": "CRM export", "note": "two late signatures"},
        )
        page = await api.call("GET", f"/plans/{x['plan']}/actuals", params={"key": key})
        assert [Decimal(a["value"]) for a in page["items"]] == [12, 14]
        score = await api.call("GET", f"/plans/{x['plan']}/score")
        contracts = next(i for i in score["score"]["items"] if i["key"] == key)
        assert Decimal(contracts["score"]) == Decimal("1.2")  # at the stretch: the cap

    async def test_score_items_name_the_real_indicator_and_the_item_key(self, api, worked_example):
        """Joining scores to indicators must match: `indicator_id` is the indicator's id,
        as in the explanation, and the plan item key has its own field."""
        x = worked_example
        score = await api.call("GET", f"/plans/{x['plan']}/score")
        items = score["score"]["items"]
        by_indicator = {i["indicator_id"]: i for i in items}
        names = ("contracts", "pipeline", "crm", "complaints")
        assert set(by_indicator) == {x[n] for n in names}
        assert {i["key"] for i in items} == {x["keys"][x[n]] for n in names}
        assert all(by_indicator[x[n]]["key"] == x["keys"][x[n]] for n in names)
        plan = await api.call("GET", f"/plans/{x['plan']}")
        explanation = await api.call(
            "GET", f"/employees/{x['rep']}/cycles/{plan['cycle_id']}/explanation"
        )
        assert {i["indicator_id"] for i in explanation["plan_score"]["items"]} == set(by_indicator)
        assert {i["indicator_id"] for i in explanation["items"]} == set(by_indicator)

    async def test_a_qualitative_indicator_needs_a_level_of_its_rubric(
        self, api, client, worked_example, db_session
    ):
        x = worked_example
        key = x["keys"][x["crm"]]
        no_level = await client.post(
            f"{P}/plans/{x['plan']}/actuals",
            json={"key": key, "value": "3", "source": "review"},
            headers=api.headers,
        )
        assert no_level.status_code == 422
        assert pointers(no_level) == ["/body/level"]
        unknown = await client.post(
            f"{P}/plans/{x['plan']}/actuals",
            json={"key": key, "level": 9, "source": "review"},
            headers=api.headers,
        )
        assert unknown.status_code == 422
        assert pointers(unknown) == ["/body/level"]
        assert len((await db_session.exec(select(Actual))).all()) == 4

    async def test_recording_is_audited_and_published_with_the_score(
        self, api, db_session, worked_example
    ):
        x = worked_example
        events = (
            await db_session.exec(
                select(OutboxEvent).where(OutboxEvent.type == "goals.actual.recorded")
            )
        ).all()
        by_indicator = {e.data["indicator_id"]: e.data for e in events}
        assert Decimal(by_indicator[x["contracts"]]["score"]) == Decimal("1.1")
        assert by_indicator[x["contracts"]]["source"] == "CRM export"
        audit = (
            await db_session.exec(select(AuditRecord).where(AuditRecord.entity_type == "actual"))
        ).all()
        assert len(audit) == 4
        assert {a.actor for a in audit} == {"user:dir"}

    async def test_no_actuals_while_planning(self, api, client, worked_example):
        x = worked_example
        cycle = await april(api)
        plan = await api.call("POST", "/plans", {"employee_id": x["rep"], "cycle_id": cycle["id"]})
        response = await client.post(
            f"{P}/plans/{plan['id']}/actuals",
            json={"key": plan["current"]["items"][0]["key"], "value": "3", "source": "x"},
            headers=api.headers,
        )
        assert response.status_code == 409


class TestBulkActuals:
    async def test_an_employee_cannot_load_actuals(self, client, worked_example):
        x = worked_example
        response = await client.post(
            f"{P}/actuals/bulk",
            json={
                "cycle_id": x["cycle"],
                "source": "ERP",
                "items": [{"employee_id": x["rep"], "indicator_id": x["contracts"], "value": "1"}],
            },
            headers=x["as_rep"],
        )
        assert response.status_code == 403

    async def test_the_integration_loads_actuals_by_codes(
        self, api, identity_headers, worked_example
    ):
        x = worked_example
        hris = api.__class__(api.client, identity_headers(Role.INTEGRATION, subject="key:erp"))
        await api.call("PATCH", f"/employees/{x['rep']}", {"external_id": "E-100"}, expect=200)
        result = await hris.call(
            "POST",
            "/actuals/bulk",
            {
                "cycle_id": x["cycle"],
                "source": "ERP nightly",
                "items": [
                    {
                        "employee_external_id": "E-100",
                        "indicator_code": "R-PIPELINE",
                        "value": "600000",
                    },
                    {"employee_id": x["rep"], "indicator_code": "R-COMPLAINTS", "value": "1"},
                ],
            },
        )
        assert result["recorded"] == 2
        score = await api.call("GET", f"/plans/{x['plan']}/score")
        items = {i["name"]: Decimal(i["score"]) for i in score["score"]["items"]}
        assert items["Pipeline value"] == Decimal("1.2")  # 600 000 / 500 000 = 1.2, the cap
        # Complaints 1, between target 2 (1) and stretch 0 (1.2): 1 + 0.2 * (2 - 1) / 2 = 1.1
        assert items["Customer complaints"] == Decimal("1.1")

    async def test_bad_items_are_named_and_nothing_is_stored(
        self, api, client, worked_example, db_session
    ):
        x = worked_example
        response = await client.post(
            f"{P}/actuals/bulk",
            json={
                "cycle_id": x["cycle"],
                "source": "ERP",
                "items": [
                    {"employee_id": x["rep"], "indicator_code": "R-PIPELINE", "value": "1"},
                    {"employee_id": x["operator"], "indicator_code": "L-UNITS", "value": "450"},
                    {"employee_id": x["rep"], "indicator_code": "L-UNITS", "value": "450"},
                    {"employee_external_id": "nobody", "indicator_code": "R-CRM", "level": 3},
                    {"employee_id": x["rep"], "indicator_code": "R-PIPELINE", "value": "2"},
                ],
            },
            headers=api.headers,
        )
        assert response.status_code == 422
        assert pointers(response) == [
            "/body/items/1/employee_id",  # the operator has no plan in this cycle
            "/body/items/2/indicator_code",  # not in the rep's plan
            "/body/items/3/employee_external_id",
            "/body/items/4/indicator_code",  # twice for one employee
        ]
        assert len((await db_session.exec(select(Actual))).all()) == 4
