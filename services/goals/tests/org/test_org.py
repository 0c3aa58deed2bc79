"""The organisation: units, positions, employees, reporting lines, history, HRIS upserts."""

import uuid

from sqlmodel import select

from strata_contracts.identity import Role
from strata_goals.models import AuditRecord, OutboxEvent
from strata_goals.org.models import Employee, EmployeePlacement, OrgUnit

P = "/api/v1/goals"


def pointers(response):
    return [e["pointer"] for e in response.json()["errors"]]


class TestOrgUnits:
    async def test_an_employee_cannot_create_units(self, client, identity_headers):
        response = await client.post(
            f"{P}/org-units", json={"name": "X"}, headers=identity_headers(Role.EMPLOYEE)
        )
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"

    async def test_enterprise_then_nested_departments(self, api):
        root = await api.org_unit(name="Acme", code="ACME")
        sales = await api.org_unit(name="Sales", parent_id=root["id"])
        team = await api.org_unit(name="Inside sales", parent_id=sales["id"])
        assert root["level"] == "enterprise"
        assert (sales["level"], team["parent_id"]) == ("department", sales["id"])
        children = await api.call("GET", "/org-units", params={"parent_id": root["id"]})
        assert [u["id"] for u in children["items"]] == [sales["id"]]

    async def test_a_second_enterprise_is_refused_naming_parent_id(self, api, client, db_session):
        await api.org_unit(name="Acme")
        response = await client.post(f"{P}/org-units", json={"name": "Other"}, headers=api.headers)
        assert response.status_code == 422
        assert pointers(response) == ["/body/parent_id"]
        assert len((await db_session.exec(select(OrgUnit))).all()) == 1

    async def test_a_unit_cannot_move_below_itself(self, api, client):
        root = await api.org_unit()
        a = await api.org_unit(parent_id=root["id"])
        b = await api.org_unit(parent_id=a["id"])
        response = await client.patch(
            f"{P}/org-units/{a['id']}", json={"parent_id": b["id"]}, headers=api.headers
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/parent_id"]

    async def test_a_duplicate_code_is_a_conflict(self, api, client):
        root = await api.org_unit(code="HQ")
        response = await client.post(
            f"{P}/org-units",
            json={"name": "Again", "code": "HQ", "parent_id": root["id"]},
            headers=api.headers,
        )
        assert response.status_code == 409
        assert pointers(response) == ["/body/code"]

    async def test_another_tenants_unit_is_not_found(self, api, client, identity_headers):
        root = await api.org_unit()
        other = identity_headers(Role.HR, tenant=uuid.uuid4())
        assert (await client.get(f"{P}/org-units/{root['id']}", headers=other)).status_code == 404
        response = await client.post(
            f"{P}/org-units", json={"name": "X", "parent_id": root["id"]}, headers=other
        )
        assert response.status_code == 422


class TestEmployees:
    async def test_an_employee_cannot_create_employees(self, client, identity_headers):
        response = await client.post(
            f"{P}/employees",
            json={"name": "X", "email": "x@example.com", "org_unit_id": str(uuid.uuid4())},
            headers=identity_headers(Role.EMPLOYEE),
        )
        assert response.status_code == 403

    async def test_a_manager_outside_the_org_is_refused_and_nothing_stored(
        self, api, client, identity_headers, db_session
    ):
        other_tenant = uuid.uuid4()
        other = api.__class__(client, identity_headers(Role.HR, tenant=other_tenant))
        foreign_unit = await other.org_unit()
        foreign_manager = await other.employee(foreign_unit["id"])
        unit = await api.org_unit()
        response = await client.post(
            f"{P}/employees",
            json={
                "name": "Ann",
                "email": "ann@example.com",
                "org_unit_id": unit["id"],
                "manager_id": foreign_manager["id"],
            },
            headers=api.headers,
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert pointers(response) == ["/body/manager_id"]
        assert "not an employee of this organisation" in response.json()["errors"][0]["detail"]
        assert (await db_session.exec(select(Employee))).all() == []

    async def test_a_position_of_another_unit_is_refused(self, api, client):
        root = await api.org_unit()
        other_unit = await api.org_unit(parent_id=root["id"])
        post = await api.position(other_unit["id"])
        response = await client.post(
            f"{P}/employees",
            json={
                "name": "Ann",
                "email": "ann@example.com",
                "org_unit_id": root["id"],
                "position_id": post["id"],
            },
            headers=api.headers,
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/position_id"]

    async def test_the_reporting_line_cannot_loop(self, api, client):
        unit = await api.org_unit()
        boss = await api.employee(unit["id"])
        lead = await api.employee(unit["id"], manager_id=boss["id"])
        rep = await api.employee(unit["id"], manager_id=lead["id"])
        response = await client.patch(
            f"{P}/employees/{boss['id']}", json={"manager_id": rep["id"]}, headers=api.headers
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/manager_id"]

    async def test_reporting_lines_direct_and_indirect(self, api):
        unit = await api.org_unit()
        boss = await api.employee(unit["id"])
        lead = await api.employee(unit["id"], manager_id=boss["id"])
        rep = await api.employee(unit["id"], manager_id=lead["id"])
        everyone = await api.call("GET", f"/employees/{boss['id']}/reports")
        assert {e["id"] for e in everyone["items"]} == {lead["id"], rep["id"]}
        direct = await api.call("GET", f"/employees/{boss['id']}/reports", params={"direct": True})
        assert [e["id"] for e in direct["items"]] == [lead["id"]]
        chain = await api.call("GET", f"/employees/{rep['id']}/managers")
        assert [e["id"] for e in chain] == [lead["id"], boss["id"]]
        listed = await api.call("GET", "/employees", params={"manager_id": lead["id"]})
        assert [e["id"] for e in listed["items"]] == [rep["id"]]

    async def test_moving_keeps_the_history(self, api, db_session):
        root = await api.org_unit()
        sales = await api.org_unit(parent_id=root["id"])
        rep_post = await api.position(sales["id"])
        boss = await api.employee(root["id"])
        ann = await api.employee(root["id"], hire_date="2025-01-06")
        moved = await api.call(
            "PATCH",
            f"/employees/{ann['id']}",
            {
                "org_unit_id": sales["id"],
                "position_id": rep_post["id"],
                "manager_id": boss["id"],
                "effective_on": "2026-03-01",
            },
        )
        assert (moved["org_unit_id"], moved["manager_id"]) == (sales["id"], boss["id"])
        history = await api.call("GET", f"/employees/{ann['id']}/history")
        assert [(h["org_unit_id"], h["valid_from"], h["valid_to"]) for h in history] == [
            (root["id"], "2025-01-06", "2026-02-28"),
            (sales["id"], "2026-03-01", None),
        ]
        audit = (
            await db_session.exec(
                select(AuditRecord).where(AuditRecord.entity_id == uuid.UUID(ann["id"]))
            )
        ).all()
        assert [a.action for a in audit] == ["created", "updated"]
        assert audit[1].before["org_unit_id"] == root["id"]
        assert audit[1].after["org_unit_id"] == sales["id"]

    async def test_a_move_before_the_current_placement_is_refused(self, api, client):
        root = await api.org_unit()
        other = await api.org_unit(parent_id=root["id"])
        ann = await api.employee(root["id"], hire_date="2026-01-01")
        response = await client.patch(
            f"{P}/employees/{ann['id']}",
            json={"org_unit_id": other["id"], "effective_on": "2025-12-01"},
            headers=api.headers,
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/effective_on"]

    async def test_required_fields_cannot_be_cleared(self, api, client):
        unit = await api.org_unit()
        ann = await api.employee(unit["id"])
        response = await client.patch(
            f"{P}/employees/{ann['id']}", json={"name": None}, headers=api.headers
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/name"]

    async def test_changes_are_published(self, api, db_session):
        unit = await api.org_unit()
        ann = await api.employee(unit["id"])
        events = (
            await db_session.exec(
                select(OutboxEvent).where(OutboxEvent.type == "goals.employee.upserted")
            )
        ).all()
        assert [(e.subject, e.data["change"]) for e in events] == [
            (f"employee/{ann['id']}", "created")
        ]


class TestBulkUpsert:
    async def test_the_integration_upserts_a_whole_org_in_three_calls(self, api, identity_headers):
        hris = api.__class__(api.client, identity_headers(Role.INTEGRATION, subject="key:hris"))
        units = await hris.call(
            "POST",
            "/org-units/bulk-upsert",
            {
                "items": [
                    {"external_id": "sales", "name": "Sales", "parent_external_id": "acme"},
                    {"external_id": "acme", "name": "Acme"},
                ]
            },
            expect=200,
        )
        assert (units["created"], units["updated"]) == (2, 0)
        posts = await hris.call(
            "POST",
            "/positions/bulk-upsert",
            {"items": [{"external_id": "rep", "title": "Rep", "org_unit_external_id": "sales"}]},
            expect=200,
        )
        people = [
            # The report comes before the manager: the batch is ordered by the service.
            {
                "external_id": "e3",
                "name": "Rep",
                "email": "rep@acme.test",
                "org_unit_external_id": "sales",
                "position_external_id": "rep",
                "manager_external_id": "e2",
            },
            {
                "external_id": "e2",
                "name": "Lead",
                "email": "lead@acme.test",
                "org_unit_external_id": "sales",
                "manager_external_id": "e1",
            },
            {
                "external_id": "e1",
                "name": "Boss",
                "email": "boss@acme.test",
                "org_unit_external_id": "acme",
            },
        ]
        first = await hris.call("POST", "/employees/bulk-upsert", {"items": people}, expect=200)
        assert (first["created"], first["updated"], first["unchanged"]) == (3, 0, 0)
        rep = await hris.call("GET", f"/employees/{first['ids']['e3']}")
        assert rep["manager_id"] == first["ids"]["e2"]
        assert rep["position_id"] == posts["ids"]["rep"]
        again = await hris.call("POST", "/employees/bulk-upsert", {"items": people}, expect=200)
        assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
        assert again["ids"] == first["ids"]

    async def test_a_moved_employee_keeps_history_through_the_hris(self, api):
        units = await api.call(
            "POST",
            "/org-units/bulk-upsert",
            {
                "items": [
                    {"external_id": "acme", "name": "Acme"},
                    {"external_id": "ops", "name": "Ops", "parent_external_id": "acme"},
                ]
            },
            expect=200,
        )
        person = {"external_id": "e1", "name": "Ann", "email": "ann@acme.test"}
        await api.call(
            "POST",
            "/employees/bulk-upsert",
            {"items": [{**person, "org_unit_external_id": "acme", "hire_date": "2024-05-01"}]},
            expect=200,
        )
        result = await api.call(
            "POST",
            "/employees/bulk-upsert",
            {"items": [{**person, "org_unit_external_id": "ops", "hire_date": "2024-05-01"}]},
            expect=200,
        )
        assert result["updated"] == 1
        history = await api.call("GET", f"/employees/{result['ids']['e1']}/history")
        assert [h["org_unit_id"] for h in history] == [units["ids"]["acme"], units["ids"]["ops"]]
        assert history[0]["valid_to"] is not None
        assert history[1]["valid_to"] is None

    async def test_bad_references_name_each_item_and_store_nothing(self, api, client, db_session):
        await api.org_unit(external_id="acme")
        response = await client.post(
            f"{P}/employees/bulk-upsert",
            json={
                "items": [
                    {
                        "external_id": "e1",
                        "name": "A",
                        "email": "a@acme.test",
                        "org_unit_external_id": "acme",
                    },
                    {
                        "external_id": "e2",
                        "name": "B",
                        "email": "b@acme.test",
                        "org_unit_external_id": "nowhere",
                        "manager_external_id": "ghost",
                    },
                ]
            },
            headers=api.headers,
        )
        assert response.status_code == 422
        assert sorted(pointers(response)) == [
            "/body/items/1/manager_external_id",
            "/body/items/1/org_unit_external_id",
        ]
        assert (await db_session.exec(select(Employee))).all() == []

    async def test_a_loop_through_stored_employees_is_refused(self, api, client, db_session):
        unit = await api.org_unit(external_id="acme")
        base = {"org_unit_external_id": "acme"}
        await api.call(
            "POST",
            "/employees/bulk-upsert",
            {
                "items": [
                    {"external_id": "a", "name": "A", "email": "a@x.test", **base},
                    {
                        "external_id": "b",
                        "name": "B",
                        "email": "b@x.test",
                        "manager_external_id": "a",
                        **base,
                    },
                ]
            },
            expect=200,
        )
        # a under b, while b (stored, not in this batch) is under a.
        response = await client.post(
            f"{P}/employees/bulk-upsert",
            json={
                "items": [
                    {
                        "external_id": "a",
                        "name": "A",
                        "email": "a@x.test",
                        "manager_external_id": "b",
                        **base,
                    }
                ]
            },
            headers=api.headers,
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/items/0/manager_external_id"]
        a = (await db_session.exec(select(Employee).where(Employee.external_id == "a"))).one()
        assert a.manager_id is None
        assert unit["id"]

    async def test_a_thousand_employees_in_a_few_statements(
        self, api, count_statements, db_session
    ):
        await api.call(
            "POST",
            "/org-units/bulk-upsert",
            {
                "items": [
                    {"external_id": "acme", "name": "Acme"},
                    {"external_id": "ops", "name": "Ops", "parent_external_id": "acme"},
                ]
            },
            expect=200,
        )
        items = [
            {
                "external_id": f"e{i}",
                "name": f"Person {i}",
                "email": f"p{i}@acme.test",
                "org_unit_external_id": "acme",
                "hire_date": "2025-01-01",
                # a ten-level-deep line: each person reports to the one ten before them
                "manager_external_id": f"e{i - 10}" if i >= 10 else None,
            }
            for i in range(999, -1, -1)
        ]
        statements = count_statements()
        result = await api.call("POST", "/employees/bulk-upsert", {"items": items}, expect=200)
        assert result["created"] == 1000
        # Set-based: employees, placements, audit records and events go in a few bulk
        # INSERTs, not one round trip per person.
        assert statements() < 20
        stored = {e.id: e for e in (await db_session.exec(select(Employee))).all()}
        assert len(stored) == 1000
        assert stored[uuid.UUID(result["ids"]["e999"])].manager_id == uuid.UUID(
            result["ids"]["e989"]
        )

        statements = count_statements()
        moved = [{**item, "org_unit_external_id": "ops"} for item in items]
        result = await api.call("POST", "/employees/bulk-upsert", {"items": moved}, expect=200)
        assert result["updated"] == 1000
        assert statements() < 20
        placements = (await db_session.exec(select(EmployeePlacement))).all()
        assert len(placements) == 2000
        assert sum(1 for p in placements if p.valid_to is None) == 1000


class TestAuditQuery:
    async def test_an_employee_cannot_read_the_audit_trail(self, client, identity_headers):
        response = await client.get(f"{P}/audit", headers=identity_headers(Role.EMPLOYEE))
        assert response.status_code == 403

    async def test_hr_reads_changes_by_entity(self, api):
        unit = await api.org_unit()
        await api.call("PATCH", f"/org-units/{unit['id']}", {"name": "Renamed"})
        page = await api.call("GET", "/audit", params={"entity_id": unit["id"]})
        assert [(r["action"], r["actor"]) for r in page["items"]] == [
            ("created", "hr-user"),
            ("updated", "hr-user"),
        ]
        assert page["items"][1]["before"]["name"] == "Unit 1"
        assert page["items"][1]["after"]["name"] == "Renamed"


class TestBulkCodes:
    async def test_codes_stay_unique_across_the_batch_and_the_tenant(self, api, client, db_session):
        root = await api.org_unit(external_id="acme")
        await api.position(root["id"], code="REP", external_id="p1")
        response = await client.post(
            f"{P}/positions/bulk-upsert",
            json={
                "items": [
                    {
                        "external_id": "p2",
                        "title": "B",
                        "org_unit_external_id": "acme",
                        "code": "REP",
                    },
                    {
                        "external_id": "p3",
                        "title": "C",
                        "org_unit_external_id": "acme",
                        "code": "OPS",
                    },
                    {
                        "external_id": "p4",
                        "title": "D",
                        "org_unit_external_id": "acme",
                        "code": "OPS",
                    },
                    # Its own code, re-sent: fine.
                    {
                        "external_id": "p1",
                        "title": "A",
                        "org_unit_external_id": "acme",
                        "code": "REP",
                    },
                ]
            },
            headers=api.headers,
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/items/0/code", "/body/items/2/code"]
