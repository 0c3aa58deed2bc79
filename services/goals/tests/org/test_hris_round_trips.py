"""The HRIS bulk upsert talks to the database a fixed number of times, whatever the number
of people: 1,000 cost what 10 cost (issue 13.3)."""

import uuid
from typing import Any

from sqlmodel import func, select

from strata_goals.models import AuditRecord, OutboxEvent
from strata_goals.org.models import Employee, EmployeePlacement
from strata_kit.testing import RoundTrips

UNITS = {
    "items": [
        {"external_id": "acme", "name": "Acme"},
        {"external_id": "ops", "name": "Ops", "parent_external_id": "acme"},
    ]
}


def people(prefix: str, count: int, unit: str = "acme") -> list[dict]:
    """`count` people, each reporting to the one ten before them (a deep line), managers
    listed after their reports so the service has to order them."""
    return [
        {
            "external_id": f"{prefix}{i}",
            "name": f"Person {i}",
            "email": f"{prefix}{i}@acme.test",
            "org_unit_external_id": unit,
            "hire_date": "2025-01-01",
            "manager_external_id": f"{prefix}{i - 10}" if i >= 10 else None,
        }
        for i in range(count - 1, -1, -1)
    ]


async def upsert(api, app, items) -> tuple[dict, RoundTrips]:
    with RoundTrips(app.state.engine) as trips:
        result = await api.call("POST", "/employees/bulk-upsert", {"items": items}, expect=200)
    return result, trips


def writes(trips: RoundTrips) -> list[str]:
    """The writes and transaction markers, by statement and table."""
    return [t.split(" (")[0].split(" SET")[0] for t in trips.log if not t.startswith("SELECT")]


class TestRoundTrips:
    async def test_a_thousand_new_people_cost_what_ten_cost(self, api, app, db_session):
        await api.call("POST", "/org-units/bulk-upsert", UNITS, expect=200)
        ten, few = await upsert(api, app, people("a", 10))
        thousand, many = await upsert(api, app, people("b", 1000))
        assert (ten["created"], thousand["created"]) == (10, 1000)
        assert many.count == few.count, (few.log, many.log)
        # One transaction; one statement each for employees, first placements, audit
        # records and events.
        assert writes(many) == [
            "BEGIN",
            "INSERT INTO employee",
            "INSERT INTO employee_placement",
            "INSERT INTO audit_record",
            "INSERT INTO outbox_event",
            "COMMIT",
        ], many.log
        assert many.count <= 12, many.log
        stored = (
            await db_session.exec(select(Employee).where(Employee.external_id == "b999"))
        ).one()
        assert stored.manager_id == uuid.UUID(thousand["ids"]["b989"])

    async def test_a_thousand_moves_cost_what_ten_cost(self, api, app, db_session):
        await api.call("POST", "/org-units/bulk-upsert", UNITS, expect=200)
        await upsert(api, app, people("a", 10))
        await upsert(api, app, people("b", 1000))
        ten, few = await upsert(api, app, people("a", 10, unit="ops"))
        thousand, many = await upsert(api, app, people("b", 1000, unit="ops"))
        assert (ten["updated"], thousand["updated"]) == (10, 1000)
        assert many.count == few.count, (few.log, many.log)
        assert writes(many) == [
            "BEGIN",
            "INSERT INTO employee",  # ON CONFLICT … DO UPDATE
            "INSERT INTO employee_placement",
            "UPDATE employee_placement",
            "INSERT INTO audit_record",
            "INSERT INTO outbox_event",
            "COMMIT",
        ], many.log
        placements = (await db_session.exec(select(EmployeePlacement))).all()
        assert len(placements) == 2 * 1010
        assert sum(1 for p in placements if p.valid_to is None) == 1010
        audits = await db_session.exec(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.action == "updated")
        )
        assert audits.one() == 1010
        events = await db_session.exec(select(func.count()).select_from(OutboxEvent))
        assert events.one() >= 2 * 1010

    async def test_unchanged_people_write_nothing(self, api, app):
        await api.call("POST", "/org-units/bulk-upsert", UNITS, expect=200)
        await upsert(api, app, people("a", 100))
        again, trips = await upsert(api, app, people("a", 100))
        assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 100)
        assert writes(trips) == ["BEGIN", "COMMIT"], trips.log


class TestPositionRoundTrips:
    async def test_five_hundred_new_positions_cost_what_five_cost(self, api, app, db_session):
        await api.call("POST", "/org-units/bulk-upsert", UNITS, expect=200)

        def posts(prefix: str, count: int) -> dict:
            return {
                "items": [
                    {
                        "external_id": f"{prefix}{i}",
                        "title": f"Post {i}",
                        "org_unit_external_id": "ops",
                    }
                    for i in range(count)
                ]
            }

        with RoundTrips(app.state.engine) as few:
            five = await api.call("POST", "/positions/bulk-upsert", posts("a", 5), expect=200)
        with RoundTrips(app.state.engine) as many:
            more = await api.call("POST", "/positions/bulk-upsert", posts("b", 500), expect=200)
        assert (five["created"], more["created"]) == (5, 500)
        assert many.count == few.count, (few.log, many.log)
        assert writes(many) == [
            "BEGIN",
            "INSERT INTO position",
            "INSERT INTO audit_record",
            "INSERT INTO outbox_event",
            "COMMIT",
        ], many.log
        audited = (
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.entity_type == "position", AuditRecord.action == "created")
        )
        assert (await db_session.exec(audited)).one() == 505
        events = select(OutboxEvent).where(OutboxEvent.subject == f"position/{more['ids']['b7']}")
        event = (await db_session.exec(events)).one()
        assert event.data["position"]["title"] == "Post 7"
        assert event.data["change"] == "created"
        again = await api.call("POST", "/positions/bulk-upsert", posts("b", 500), expect=200)
        assert (again["created"], again["unchanged"]) == (0, 500)
        assert again["ids"] == more["ids"]


class TestBatchesAtTheSameTime:
    """Another request creates one of the batch's new people between the batch's check and
    its write: the batch is refused as a conflict (409, retry), not a 500, and stores
    nothing; the other request's row is kept as it wrote it."""

    async def race(self, api, monkeypatch, batch: list[dict]) -> Any:
        from strata_goals.org import hris

        checked = hris.check_batch
        raced: list[bool] = []

        async def check_then_race(session, data, new_id):
            result = await checked(session, data, new_id)
            if not raced:
                raced.append(True)
                other = [{**people("r", 1)[0], "name": "Written meanwhile"}]
                await api.call("POST", "/employees/bulk-upsert", {"items": other}, expect=200)
            return result

        monkeypatch.setattr(hris, "check_batch", check_then_race)
        return await api.client.post(
            "/api/v1/goals/employees/bulk-upsert", json={"items": batch}, headers=api.headers
        )

    async def stored(self, db_session) -> dict[str, str]:
        rows = (await db_session.exec(select(Employee))).all()
        return {e.external_id: e.name for e in rows}

    async def test_a_batch_of_new_people(self, api, monkeypatch, db_session):
        await api.call("POST", "/org-units/bulk-upsert", UNITS, expect=200)
        response = await self.race(api, monkeypatch, people("r", 3))
        assert response.status_code == 409, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert await self.stored(db_session) == {"r0": "Written meanwhile"}

    async def test_a_batch_that_also_updates(self, api, monkeypatch, db_session):
        await api.call("POST", "/org-units/bulk-upsert", UNITS, expect=200)
        await api.call("POST", "/employees/bulk-upsert", {"items": people("k", 1)}, expect=200)
        batch = [*people("r", 3), {**people("k", 1)[0], "name": "Renamed"}]
        response = await self.race(api, monkeypatch, batch)
        assert response.status_code == 409, response.text
        assert await self.stored(db_session) == {"k0": "Person 0", "r0": "Written meanwhile"}
