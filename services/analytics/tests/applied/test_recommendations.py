"""Results applied through the API: who may read pay and recommendations, other tenants,
bad input (422 naming the field, nothing stored), and decisions (If-Match, override rules,
audit, exactly one outbox event)."""

import uuid

from sqlmodel import select

from strata_analytics.applied.models import Compensation, MeritMatrix, Recommendation
from strata_analytics.models import AuditRecord, OutboxEvent
from strata_contracts.identity import Role

from .test_worked_example import by_name, import_pay

MERIT = "/api/v1/analytics/recommendation-runs/merit"


async def merit_run(client, world, hr):  # type: ignore[no-untyped-def]
    response = await client.post(
        MERIT,
        json={"cycle_id": str(world.cycle), "currency": "EUR", "budget_amount": "10000"},
        headers=hr,
    )
    assert response.status_code == 201, response.text
    return response.json()


class TestAccess:
    async def test_only_hr_and_admins_read_pay_and_recommendations(
        self, client, world, example, identity_headers
    ):
        people = await example()
        hr = identity_headers(Role.HR)
        await import_pay(client, people, hr)
        run = await merit_run(client, world, hr)
        omar = by_name(run)["Omar"]
        urls = [
            "/api/v1/analytics/compensation",
            f"/api/v1/analytics/compensation/{people['Omar']}",
            "/api/v1/analytics/recommendations",
            f"/api/v1/analytics/recommendations/{omar['id']}",
            f"/api/v1/analytics/recommendation-runs/{run['id']}",
            "/api/v1/analytics/merit-matrix",
        ]
        for url in urls:
            assert (await client.get(url)).status_code == 401
        lena = identity_headers(Role.EMPLOYEE, employee_id=people["Lena"])
        manager = identity_headers(Role.MANAGER, employee_id=people["head"])
        for caller in (lena, manager):
            for url in urls:
                response = await client.get(url, headers=caller)
                assert response.status_code == 403, url
                assert "60000" not in response.text
            decided = await client.post(
                f"/api/v1/analytics/recommendations/{omar['id']}/decision",
                json={"status": "accepted"},
                headers=caller,
            )
            assert decided.status_code == 403
            assert (
                await client.put(
                    "/api/v1/analytics/compensation",
                    json={
                        "rows": [
                            {
                                "employee_id": str(people["Lena"]),
                                "base_salary": "1",
                                "currency": "EUR",
                                "range_midpoint": "1",
                            }
                        ]
                    },
                    headers=caller,
                )
            ).status_code == 403
        admin = identity_headers(Role.ADMIN)
        for url in urls:
            assert (await client.get(url, headers=admin)).status_code == 200, url
        pay = (await client.get(urls[1], headers=hr)).json()
        assert (pay["base_salary"], pay["compa_ratio"]) == ("60000.00", "1.0909")

    async def test_another_tenant_gets_404_and_nothing(
        self, client, world, example, identity_headers, db_session
    ):
        people = await example()
        hr = identity_headers(Role.HR)
        await import_pay(client, people, hr)
        run = await merit_run(client, world, hr)
        omar = by_name(run)["Omar"]
        theirs = identity_headers(Role.HR, tenant=uuid.uuid4())
        for url in (
            f"/api/v1/analytics/compensation/{people['Omar']}",
            f"/api/v1/analytics/recommendations/{omar['id']}",
            f"/api/v1/analytics/recommendation-runs/{run['id']}",
        ):
            assert (await client.get(url, headers=theirs)).status_code == 404, url
        decided = await client.post(
            f"/api/v1/analytics/recommendations/{omar['id']}/decision",
            json={"status": "accepted"},
            headers=theirs,
        )
        assert decided.status_code == 404
        assert (await client.get("/api/v1/analytics/recommendations", headers=theirs)).json()[
            "items"
        ] == []
        assert (await client.get("/api/v1/analytics/compensation", headers=theirs)).json()[
            "items"
        ] == []
        row = (
            await db_session.exec(
                select(Recommendation).where(Recommendation.id == uuid.UUID(omar["id"]))
            )
        ).one()
        assert row.status == "proposed"


class TestInput:
    async def test_a_bad_row_stores_nothing_and_names_row_and_field(
        self, client, example, identity_headers, db_session
    ):
        people = await example()
        hr = identity_headers(Role.HR)

        def row(name, salary="50000", midpoint="50000", currency="EUR"):  # type: ignore[no-untyped-def]
            return {
                "employee_id": str(people[name]) if name in people else name,
                "base_salary": salary,
                "currency": currency,
                "range_midpoint": midpoint,
            }

        url = "/api/v1/analytics/compensation"
        typed = await client.put(
            url,
            json={"rows": [row("Lena"), row("Omar", salary="-5"), row("Tom", currency="eur")]},
            headers=hr,
        )
        assert typed.status_code == 422
        assert typed.headers["content-type"] == "application/problem+json"
        assert {e["pointer"] for e in typed.json()["errors"]} == {
            "/body/rows/1/base_salary",
            "/body/rows/2/currency",
        }
        ruled = await client.put(
            url,
            json={"rows": [row("Lena"), row(str(uuid.uuid4())), row("Lena")]},
            headers=hr,
        )
        assert ruled.status_code == 422
        assert [(e["pointer"], e["detail"]) for e in ruled.json()["errors"]] == [
            ("/body/rows/1/employee_id", "no such employee"),
            ("/body/rows/2/employee_id", "listed twice (first at row 0)"),
        ]
        assert (await db_session.exec(select(Compensation))).all() == []
        assert (await client.get(url, headers=hr)).json()["items"] == []
        ok = await client.put(url, json={"rows": [row("Lena")]}, headers=hr)
        assert ok.status_code == 200
        changed = await client.put(url, json={"rows": [row("Lena", salary="52000")]}, headers=hr)
        assert (changed.json()["created"], changed.json()["updated"]) == (0, 1)
        audit = (
            await db_session.exec(
                select(AuditRecord).where(AuditRecord.entity_type == "compensation")
            )
        ).all()
        assert sorted(a.action for a in audit) == ["imported", "updated"]

    async def test_merit_matrix_is_validated(self, client, identity_headers, db_session):
        hr = identity_headers(Role.HR)
        url = "/api/v1/analytics/merit-matrix"
        built_in = (await client.get(url, headers=hr)).json()
        assert built_in["built_in"] is True
        bad = await client.put(
            url,
            json={
                "compa_ratio_bands": [
                    {"code": "low", "below": "1.1"},
                    {"code": "high", "below": "0.9"},
                ],
                "rows": [
                    {"band": "1", "increases": ["0", "0"]},
                    {"band": "2", "increases": ["1"]},
                    {"band": "9", "increases": ["1", "1"]},
                ],
            },
            headers=hr,
        )
        assert bad.status_code == 422
        assert {e["pointer"] for e in bad.json()["errors"]} == {
            "/body/compa_ratio_bands/1/below",
            "/body/rows/1/increases",
            "/body/rows/2/band",
            "/body/rows",
        }
        assert (await db_session.exec(select(MeritMatrix))).all() == []
        good = {
            "compa_ratio_bands": [{"code": "low", "below": "1"}, {"code": "high"}],
            "rows": [{"band": b, "increases": [str(int(b) + 1), b]} for b in "12345"],
        }
        saved = await client.put(url, json=good, headers=hr)
        assert saved.status_code == 200, saved.text
        assert saved.json()["built_in"] is False
        assert (await client.get(url, headers=hr)).json()["rows"][4] == {
            "band": "5",
            "increases": ["6", "5"],
        }

    async def test_run_parameters_are_checked(self, client, world, example, identity_headers):
        await example()
        hr = identity_headers(Role.HR)
        both = await client.post(
            MERIT,
            json={
                "cycle_id": str(world.cycle),
                "currency": "EUR",
                "budget_amount": "1",
                "budget_percent": "1",
            },
            headers=hr,
        )
        assert [e["pointer"] for e in both.json()["errors"]] == ["/body/budget_amount"]
        nobody = await client.post(
            MERIT,
            json={"cycle_id": str(world.cycle), "currency": "EUR", "budget_amount": "1"},
            headers=hr,
        )
        assert nobody.status_code == 422  # no one has compensation yet
        assert [e["pointer"] for e in nobody.json()["errors"]] == ["/body/cycle_id"]
        promotion = await client.post(
            "/api/v1/analytics/recommendation-runs/promotion",
            json={"cycle_ids": [str(world.cycle)], "min_band": "X", "consecutive_cycles": 2},
            headers=hr,
        )
        assert {e["pointer"] for e in promotion.json()["errors"]} == {
            "/body/min_band",
            "/body/consecutive_cycles",
        }
        listed = (await client.get("/api/v1/analytics/recommendation-runs", headers=hr)).json()
        assert listed["items"] == []


class TestDecisions:
    async def _omar(self, client, world, example, identity_headers):  # type: ignore[no-untyped-def]
        people = await example()
        hr = identity_headers(Role.HR)
        await import_pay(client, people, hr)
        run = await merit_run(client, world, hr)
        omar = by_name(run)["Omar"]
        url = f"/api/v1/analytics/recommendations/{omar['id']}"
        read = await client.get(url, headers=hr)
        return hr, url, read

    async def test_override_needs_a_reason_and_a_value(
        self, client, world, example, identity_headers, db_session
    ):
        hr, url, read = await self._omar(client, world, example, identity_headers)
        etag = read.headers["etag"]
        no_reason = await client.post(
            f"{url}/decision",
            json={"status": "overridden", "value": "4200"},
            headers={**hr, "If-Match": etag},
        )
        assert no_reason.status_code == 422
        assert [e["pointer"] for e in no_reason.json()["errors"]] == ["/body/reason"]
        no_value = await client.post(
            f"{url}/decision",
            json={"status": "overridden", "reason": "Retention risk"},
            headers={**hr, "If-Match": etag},
        )
        assert [e["pointer"] for e in no_value.json()["errors"]] == ["/body/value"]
        after = await client.get(url, headers=hr)
        assert (after.json()["status"], after.headers["etag"]) == ("proposed", etag)
        assert (await db_session.exec(select(OutboxEvent))).all() == []

    async def test_a_stale_if_match_is_412(self, client, world, example, identity_headers):
        hr, url, read = await self._omar(client, world, example, identity_headers)
        stale = await client.post(
            f"{url}/decision",
            json={"status": "accepted"},
            headers={**hr, "If-Match": '"999"'},
        )
        assert stale.status_code == 412
        assert stale.json()["current_etag"] == read.headers["etag"]
        assert (await client.get(url, headers=hr)).json()["status"] == "proposed"

    async def test_override_is_audited_and_emits_exactly_one_event(
        self, client, world, example, identity_headers, db_session
    ):
        hr, url, read = await self._omar(client, world, example, identity_headers)
        decided = await client.post(
            f"{url}/decision",
            json={"status": "overridden", "value": "4200", "reason": "Retention risk"},
            headers={**hr, "If-Match": read.headers["etag"]},
        )
        assert decided.status_code == 200, decided.text
        body = decided.json()
        assert (body["status"], body["proposed_value"], body["final_value"], body["reason"]) == (
            "overridden",
            "3900.0000",
            "4200.0000",
            "Retention risk",
        )
        assert decided.headers["etag"] != read.headers["etag"]
        events = (await db_session.exec(select(OutboxEvent))).all()
        assert [(e.type, e.schema_version, e.subject) for e in events] == [
            ("analytics.recommendation.decided", 1, f"recommendation/{body['id']}")
        ]
        data = events[0].data
        assert (data["status"], data["final_value"], data["kind"], data["unit"]) == (
            "overridden",
            "4200.0000",
            "merit",
            "EUR",
        )
        assert data["inputs"]["matrix_cell"] == {
            "band": "5",
            "compa_ratio_band": "in_range",
            "percent": "6.5",
        }
        audit = (
            await db_session.exec(
                select(AuditRecord).where(AuditRecord.entity_type == "recommendation")
            )
        ).all()
        assert [(a.action, a.reason, a.before["status"], a.after["status"]) for a in audit] == [
            ("overridden", "Retention risk", "proposed", "overridden")
        ]
        again = await client.post(
            f"{url}/decision",
            json={"status": "accepted"},
            headers={**hr, "If-Match": decided.headers["etag"]},
        )
        assert again.status_code == 409
        assert len((await db_session.exec(select(OutboxEvent))).all()) == 1

    async def test_accept_keeps_the_proposed_value(
        self, client, world, example, identity_headers, db_session
    ):
        hr, url, read = await self._omar(client, world, example, identity_headers)
        decided = await client.post(
            f"{url}/decision",
            json={"status": "accepted"},
            headers={**hr, "If-Match": read.headers["etag"]},
        )
        assert decided.status_code == 200
        assert (decided.json()["status"], decided.json()["final_value"]) == (
            "accepted",
            "3900.0000",
        )
        listed = await client.get(
            "/api/v1/analytics/recommendations", params={"status": "accepted"}, headers=hr
        )
        assert [r["employee_name"] for r in listed.json()["items"]] == ["Omar"]
        assert len((await db_session.exec(select(OutboxEvent))).all()) == 1
