"""SCIM /Bulk on the set-based path (issue 13.4): the Users a request creates are written
together, in a number of round trips that does not grow with them; an operation that fails
is answered and stores nothing, and whoever it was to manage fails with it."""

import uuid

import pytest
from sqlmodel import func, select

from strata_goals.models import AuditRecord, OutboxEvent
from strata_goals.org.models import Employee, EmployeePlacement
from strata_goals.scim.models import ScimResource
from strata_kit.testing import RoundTrips

from .conftest import user_body

pytestmark = pytest.mark.asyncio

BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def team(prefix: str, size: int, department: str = "Sales") -> list[dict]:
    """A lead and `size - 1` reports, the reports first (they name the lead by bulkId)."""
    reports = [
        {
            "method": "POST",
            "path": "/Users",
            "bulkId": f"{prefix}{i}",
            "data": user_body(
                f"{prefix}{i}",
                title="Rep",
                department=department,
                manager=f"bulkId:{prefix}0",
                employeeNumber=f"{prefix}{i}",
            ),
        }
        for i in range(1, size)
    ]
    lead = {
        "method": "POST",
        "path": "/Users",
        "bulkId": f"{prefix}0",
        "data": user_body(f"{prefix}0", title="Lead", department=department),
    }
    return [*reports, lead]


async def count(db_session, model) -> int:
    return (await db_session.exec(select(func.count()).select_from(model))).one()


class TestBulkCreatesTogether:
    async def test_two_hundred_users_cost_what_twenty_cost(self, scim, app, company, db_session):
        # The departments and titles exist once the first request made them.
        await scim.ok("POST", "/Bulk", {"schemas": [BULK], "Operations": team("w", 2)})
        with RoundTrips(app.state.engine) as few:
            small = await scim.ok("POST", "/Bulk", {"schemas": [BULK], "Operations": team("a", 20)})
        with RoundTrips(app.state.engine) as many:
            large = await scim.ok(
                "POST", "/Bulk", {"schemas": [BULK], "Operations": team("b", 200)}
            )
        assert {o["status"] for o in small["Operations"] + large["Operations"]} == {"201"}
        assert many.count == few.count, (few.log, many.log)
        assert many.count <= 25, many.log
        assert await count(db_session, Employee) == 222
        assert await count(db_session, EmployeePlacement) == 222
        assert await count(db_session, ScimResource) >= 222
        audited = (
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.entity_type == "employee")
        )
        assert (await db_session.exec(audited)).one() == 222
        events = (
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.type == "goals.employee.upserted")
        )
        assert (await db_session.exec(events)).one() == 222
        lead = next(o for o in large["Operations"] if o["bulkId"] == "b0")
        report = next(o for o in large["Operations"] if o["bulkId"] == "b7")
        read = await scim.ok("GET", report["location"].split("/scim/v2", 1)[1])
        assert (
            read["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["value"]
            == lead["location"].rsplit("/", 1)[-1]
        )
        assert read["title"] == "Rep"
        assert read["meta"]["version"] == report["version"]

    async def test_the_reports_of_a_failed_manager_fail_and_store_nothing(
        self, scim, company, db_session
    ):
        operations = team("c", 4)
        operations[-1]["data"]["password"] = "secret"  # refused: Strata stores no passwords
        operations.append(
            {"method": "POST", "path": "/Users", "bulkId": "alone", "data": user_body("alone")}
        )
        answer = await scim.ok("POST", "/Bulk", {"schemas": [BULK], "Operations": operations})
        statuses = {o["bulkId"]: o["status"] for o in answer["Operations"]}
        assert statuses == {"c1": "409", "c2": "409", "c3": "409", "c0": "400", "alone": "201"}
        names = (await db_session.exec(select(Employee.name))).all()
        assert await count(db_session, Employee) == 1, names
        assert await count(db_session, ScimResource) == 1

    async def test_a_user_name_twice_in_one_request_is_created_once(
        self, scim, company, db_session
    ):
        twice = [
            {"method": "POST", "path": "/Users", "bulkId": f"t{i}", "data": user_body("same")}
            for i in range(2)
        ]
        answer = await scim.ok("POST", "/Bulk", {"schemas": [BULK], "Operations": twice})
        assert [o["status"] for o in answer["Operations"]] == ["201", "409"]
        assert answer["Operations"][1]["response"]["scimType"] == "uniqueness"
        assert await count(db_session, Employee) == 1

    async def test_a_user_of_a_kept_employee_is_relinked_not_duplicated(
        self, scim, api, company, db_session
    ):
        kept = await api.call(
            "POST",
            "/employees",
            {"name": "Kept", "org_unit_id": company["id"], "external_id": "HR-1"},
            expect=201,
        )
        ops = [
            {
                "method": "POST",
                "path": "/Users",
                "bulkId": "k",
                "data": user_body("k", externalId="HR-1"),
            },
            {"method": "POST", "path": "/Users", "bulkId": "n", "data": user_body("n")},
        ]
        answer = await scim.ok("POST", "/Bulk", {"schemas": [BULK], "Operations": ops})
        assert [o["status"] for o in answer["Operations"]] == ["201", "201"]
        relinked = answer["Operations"][0]["location"].split("/scim/v2", 1)[1]
        user = await scim.ok("GET", relinked)
        assert user["externalId"] == "HR-1"
        row = (
            await db_session.exec(select(ScimResource).where(ScimResource.external_id == "HR-1"))
        ).one()
        assert row.target_id == uuid.UUID(kept["id"])
        assert await count(db_session, Employee) == 2
