"""Strategy: objectives, indicators at each level and what they may serve, parameter checks,
the audit of changes, templates and their bulk assignment."""

import uuid
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import select

from strata_contracts.identity import Role
from strata_goals.models import AuditRecord, OutboxEvent
from strata_goals.plans.models import Plan, PlanItem, PlanVersion
from strata_goals.strategy.models import Indicator

P = "/api/v1/goals"


def pointers(response):
    return [e["pointer"] for e in response.json()["errors"]]


def quantitative(**fields):
    return {
        "perspective": "financial",
        "direction": "higher_is_better",
        "threshold": "80",
        "target": "100",
        **fields,
    }


class TestIndicators:
    async def test_an_employee_cannot_define_strategy(self, client, identity_headers):
        headers = identity_headers(Role.EMPLOYEE)
        objective = await client.post(
            f"{P}/objectives", json={"title": "X", "perspective": "financial"}, headers=headers
        )
        assert objective.status_code == 403
        indicator = await client.post(
            f"{P}/indicators", json={"name": "X", "level": "department"}, headers=headers
        )
        assert indicator.status_code == 403

    async def test_a_post_indicator_serves_a_department_indicator_only(
        self, api, client, worked_example
    ):
        x = worked_example
        response = await client.post(
            f"{P}/indicators",
            json=quantitative(
                name="Upsell",
                level="post",
                position_id=x["rep_post"],
                links=[{"objective_id": x["o_revenue"]}, {"indicator_id": x["pipeline"]}],
            ),
            headers=api.headers,
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/links/0/objective_id", "/body/links/1/indicator_id"]

    async def test_unknown_parents_are_named(self, api, client, worked_example):
        x = worked_example
        response = await client.post(
            f"{P}/indicators",
            json=quantitative(
                name="Margin",
                level="department",
                org_unit_id=x["sales"],
                links=[{"objective_id": str(uuid.uuid4())}],
            ),
            headers=api.headers,
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/links/0/objective_id"]

    async def test_each_level_belongs_where_it_should(self, api, client, worked_example):
        x = worked_example
        no_position = await client.post(
            f"{P}/indicators", json=quantitative(name="A", level="post"), headers=api.headers
        )
        assert pointers(no_position) == ["/body/position_id"]
        weighted_department = await client.post(
            f"{P}/indicators",
            json=quantitative(name="B", level="department", org_unit_id=x["sales"], weight="10"),
            headers=api.headers,
        )
        assert pointers(weighted_department) == ["/body/weight"]

    async def test_a_rubric_needs_levels(self, api, client, worked_example):
        x = worked_example
        response = await client.post(
            f"{P}/indicators",
            json={
                "name": "Teamwork",
                "level": "post",
                "position_id": x["rep_post"],
                "perspective": "learning_growth",
                "kind": "qualitative",
                "rubric": [{"level": 1, "score": "1", "description": "Works with others"}],
            },
            headers=api.headers,
        )
        assert response.status_code == 422
        assert "/body/rubric" in pointers(response)

    async def test_a_bad_change_is_refused_and_nothing_changes(
        self, api, client, worked_example, db_session
    ):
        x = worked_example
        response = await client.patch(
            f"{P}/indicators/{x['contracts']}", json={"threshold": "11"}, headers=api.headers
        )
        assert response.status_code == 422
        assert "/body/threshold" in pointers(response)
        stored = await db_session.get(
            Indicator, (db_session.info["tenant_id"], uuid.UUID(x["contracts"]))
        )
        assert stored.threshold == 6

    async def test_changes_are_audited_and_published(self, api, worked_example, db_session):
        x = worked_example
        changed = await api.call(
            "PATCH", f"/indicators/{x['contracts']}", {"target": "11", "stretch": "15"}
        )
        assert Decimal(changed["target"]) == 11
        assert len(changed["links"]) == 1
        audit = select(AuditRecord).where(AuditRecord.entity_id == uuid.UUID(x["contracts"]))
        records = (await db_session.exec(audit)).all()
        assert [r.action for r in records] == ["created", "updated"]
        assert (Decimal(records[1].before["target"]), Decimal(records[1].after["target"])) == (
            10,
            11,
        )
        events = select(OutboxEvent).where(OutboxEvent.subject == f"indicator/{x['contracts']}")
        assert [e.data["change"] for e in (await db_session.exec(events)).all()] == [
            "created",
            "updated",
        ]

    async def test_links_are_replaced_with_their_weights(self, api, worked_example, db_session):
        x = worked_example
        changed = await api.call(
            "PUT",
            f"/indicators/{x['safety']}/links",
            {"links": [{"indicator_id": x["on_time"], "contribution_weight": "25"}]},
        )
        assert [
            (link["parent_indicator_id"], Decimal(link["contribution_weight"]))
            for link in changed["links"]
        ] == [(x["on_time"], 25)]
        coverage = await api.call("GET", "/coverage")
        assert coverage["indicators_without_parent"] == []
        audit = select(AuditRecord).where(AuditRecord.action == "links_replaced")
        [record] = (await db_session.exec(audit)).all()
        assert (record.before, record.after["links"][0]["contribution_weight"]) == (
            {"links": []},
            "25",
        )

    async def test_indicators_are_listed_with_their_links(self, api, worked_example):
        x = worked_example
        page = await api.call("GET", "/indicators", params={"position_id": x["rep_post"]})
        assert [i["code"] for i in page["items"]] == [
            "R-CONTRACTS",
            "R-PIPELINE",
            "R-CRM",
            "R-COMPLAINTS",
        ]
        assert all(len(i["links"]) == 1 for i in page["items"])
        first = await api.call("GET", "/indicators", params={"limit": 2})
        second = await api.call(
            "GET", "/indicators", params={"limit": 2, "cursor": first["next_cursor"]}
        )
        assert {i["id"] for i in first["items"]}.isdisjoint(i["id"] for i in second["items"])


class TestTemplates:
    async def template(self, api, **fields):
        return await api.call(
            "POST",
            "/indicator-templates",
            {
                "code": "T-ATTEND",
                "name": "Attendance rate",
                "perspective": "learning_growth",
                "direction": "higher_is_better",
                "unit": "%",
                "threshold": "90",
                "target": "97",
                "default_weight": "10",
                **fields,
            },
        )

    async def test_an_employee_cannot_assign(self, api, client, identity_headers):
        template = await self.template(api)
        response = await client.post(
            f"{P}/indicator-templates/{template['id']}/assign",
            json={"position_id": str(uuid.uuid4())},
            headers=identity_headers(Role.EMPLOYEE),
        )
        assert response.status_code == 403

    async def test_a_bad_template_is_refused(self, api, client):
        response = await client.post(
            f"{P}/indicator-templates",
            json={
                "name": "X",
                "perspective": "customer",
                "direction": "higher_is_better",
                "threshold": "5",
                "target": "3",
            },
            headers=api.headers,
        )
        assert response.status_code == 422
        assert "/body/threshold" in pointers(response)

    async def test_one_call_puts_it_in_500_plans(self, api, count_statements, db_session):
        units = await api.call(
            "POST",
            "/org-units/bulk-upsert",
            {
                "items": [
                    {"external_id": "co", "name": "Company"},
                    {"external_id": "ops", "name": "Operations", "parent_external_id": "co"},
                    {"external_id": "ops-a", "name": "Shift A", "parent_external_id": "ops"},
                ]
            },
            expect=200,
        )
        await api.call(
            "POST",
            "/positions/bulk-upsert",
            {
                "items": [
                    {"external_id": "op", "title": "Operator", "org_unit_external_id": "ops-a"},
                    {"external_id": "tech", "title": "Technician", "org_unit_external_id": "ops"},
                ]
            },
            expect=200,
        )
        people = [
            {
                "external_id": f"e{i}",
                "name": f"Worker {i}",
                "email": f"w{i}@example.com",
                "org_unit_external_id": "ops-a" if i % 2 else "ops",
                "position_external_id": "op" if i % 2 else "tech",
            }
            for i in range(500)
        ]
        await api.call("POST", "/employees/bulk-upsert", {"items": people}, expect=200)
        cycle = await api.call(
            "POST", "/cycles", {"name": "Q2", "cadence": "quarterly", "starts_on": "2026-04-01"}
        )
        template = await self.template(api)
        statements = count_statements()
        result = await api.call(
            "POST",
            f"/indicator-templates/{template['id']}/assign",
            {"org_unit_id": units["ids"]["ops"], "cycle_id": cycle["id"], "target": "98"},
            expect=200,
        )
        assert statements() < 40  # set-based: not one round trip per employee
        assert (result["positions"], result["indicators_created"], result["employees"]) == (
            2,
            2,
            500,
        )
        assert (result["plans_created"], result["plan_items_added"]) == (500, 500)
        assert result["plans_skipped"] == []

        async def count(model):
            return (await db_session.exec(select(func.count()).select_from(model))).one()

        assert (await count(Plan), await count(PlanVersion), await count(PlanItem)) == (
            500,
            500,
            500,
        )
        indicator = await api.call("GET", f"/indicators/{result['indicator_ids'][0]}")
        assert (indicator["level"], indicator["template_id"]) == ("post", template["id"])
        assert (Decimal(indicator["target"]), Decimal(indicator["weight"])) == (98, 10)

        again = await api.call(
            "POST",
            f"/indicator-templates/{template['id']}/assign",
            {"org_unit_id": units["ids"]["ops"], "cycle_id": cycle["id"]},
            expect=200,
        )
        assert (again["indicators_created"], again["indicators_existing"]) == (0, 2)
        assert again["plan_items_added"] == 0
        assert {s["reason"] for s in again["plans_skipped"]} == {"already in the plan"}

    async def test_drafts_get_the_item_and_signed_plans_are_left_alone(self, api, worked_example):
        x = worked_example
        cycle = await api.call(
            "POST", "/cycles", {"name": "April", "cadence": "monthly", "starts_on": "2026-04-01"}
        )
        draft = await api.call(
            "POST", "/plans", {"employee_id": x["operator"], "cycle_id": cycle["id"]}
        )
        signed = await api.call(
            "POST", "/plans", {"employee_id": x["rep"], "cycle_id": cycle["id"]}
        )
        for headers in (x["as_rep"], x["as_director"]):
            await api.call(
                "POST", f"/plans/{signed['id']}/signatures", {"version": 1}, headers=headers
            )
        template = await self.template(api)
        for post in (x["operator_post"], x["rep_post"]):
            await api.call(
                "POST",
                f"/indicator-templates/{template['id']}/assign",
                {"position_id": post, "cycle_id": cycle["id"], "parent_indicator_id": x["on_time"]},
                expect=200,
            )
        operator_plan = await api.call("GET", f"/plans/{draft['id']}")
        assert [i["name"] for i in operator_plan["current"]["items"]][-1] == "Attendance rate"
        rep_plan = await api.call("GET", f"/plans/{signed['id']}")
        assert "Attendance rate" not in [i["name"] for i in rep_plan["current"]["items"]]
        assert rep_plan["status"] == "signed"

    async def test_plans_only_change_while_planning(self, api, client, worked_example):
        x = worked_example
        template = await self.template(api)
        response = await client.post(
            f"{P}/indicator-templates/{template['id']}/assign",
            json={"position_id": x["rep_post"], "cycle_id": x["cycle"]},
            headers=api.headers,
        )
        assert response.status_code == 409
