"""Cycles: cadence and dates, phases in order behind gates, HR overrides, frozen closed
cycles and audited reopening."""

import uuid

from sqlmodel import select

from strata_contracts.identity import Role
from strata_goals.models import AuditRecord, OutboxEvent

P = "/api/v1/goals"


def pointers(response):
    return [e["pointer"] for e in response.json()["errors"]]


async def move(client, headers, cycle_id, phase, **extra):
    return await client.post(
        f"{P}/cycles/{cycle_id}/transitions", json={"to_phase": phase, **extra}, headers=headers
    )


class TestCadence:
    async def test_a_manager_cannot_open_cycles(self, client, identity_headers):
        response = await client.post(
            f"{P}/cycles",
            json={"name": "X", "cadence": "monthly", "starts_on": "2026-02-01"},
            headers=identity_headers(Role.MANAGER),
        )
        assert response.status_code == 403

    async def test_the_end_follows_from_the_cadence(self, api):
        cases = {
            ("monthly", "2026-02-01"): "2026-02-28",
            ("monthly", "2028-02-01"): "2028-02-29",
            ("quarterly", "2026-01-01"): "2026-03-31",
            ("half_yearly", "2026-07-01"): "2026-12-31",
            ("annual", "2026-01-01"): "2026-12-31",
        }
        for (cadence, starts_on), ends_on in cases.items():
            cycle = await api.call(
                "POST", "/cycles", {"name": cadence, "cadence": cadence, "starts_on": starts_on}
            )
            assert (cycle["ends_on"], cycle["phase"]) == (ends_on, "planning")

    async def test_two_cycles_of_one_cadence_for_the_same_days_are_refused(
        self, api, client, db_session
    ):
        """Two monthly cycles for March are one too many (a cycle covers the tenant)."""
        march = await api.call(
            "POST", "/cycles", {"name": "March", "cadence": "monthly", "starts_on": "2026-03-01"}
        )
        for starts_on in ("2026-03-01", "2026-02-15", "2026-03-31"):
            response = await client.post(
                f"{P}/cycles",
                json={"name": "March again", "cadence": "monthly", "starts_on": starts_on},
                headers=api.headers,
            )
            assert response.status_code == 409, starts_on
            problem = response.json()
            assert problem["overlapping_cycle_ids"] == [march["id"]]
            assert "March (2026-03-01 to 2026-03-31" in problem["detail"]
            assert pointers(response) == ["/body/starts_on"]
        listed = await api.call("GET", "/cycles")
        assert [c["name"] for c in listed["items"]] == ["March"]
        # The next month touches no day of March.
        await api.call(
            "POST", "/cycles", {"name": "April", "cadence": "monthly", "starts_on": "2026-04-01"}
        )

    async def test_a_monthly_cycle_inside_an_annual_one_is_legitimate(self, api):
        await api.call(
            "POST", "/cycles", {"name": "2026", "cadence": "annual", "starts_on": "2026-01-01"}
        )
        march = await api.call(
            "POST", "/cycles", {"name": "March", "cadence": "monthly", "starts_on": "2026-03-01"}
        )
        assert march["phase"] == "planning"

    async def test_an_overlap_is_allowed_explicitly_with_a_reason_that_is_audited(
        self, api, client, db_session
    ):
        march = await api.call(
            "POST", "/cycles", {"name": "March", "cadence": "monthly", "starts_on": "2026-03-01"}
        )
        body = {"name": "March pilot", "cadence": "monthly", "starts_on": "2026-03-01"}
        no_reason = await client.post(
            f"{P}/cycles", json={**body, "allow_overlap": True}, headers=api.headers
        )
        assert no_reason.status_code == 422
        reason = "Pilot cycle for the new sales team, run beside March"
        allowed = await api.call(
            "POST", "/cycles", {**body, "allow_overlap": True, "overlap_reason": reason}
        )
        [record] = (
            await db_session.exec(
                select(AuditRecord).where(
                    AuditRecord.entity_type == "cycle",
                    AuditRecord.entity_id == uuid.UUID(allowed["id"]),
                )
            )
        ).all()
        assert record.reason == reason
        assert record.after["overlaps"] == [march["id"]]

    async def test_a_wrong_end_is_refused(self, api, client):
        response = await client.post(
            f"{P}/cycles",
            json={
                "name": "X",
                "cadence": "monthly",
                "starts_on": "2026-02-01",
                "ends_on": "2026-03-15",
            },
            headers=api.headers,
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/ends_on"]

    async def test_a_custom_cycle_needs_its_end(self, api, client):
        response = await client.post(
            f"{P}/cycles",
            json={"name": "X", "cadence": "custom", "starts_on": "2026-02-01"},
            headers=api.headers,
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/ends_on"]
        custom = await api.call(
            "POST",
            "/cycles",
            {
                "name": "Project",
                "cadence": "custom",
                "starts_on": "2026-02-01",
                "ends_on": "2026-05-15",
            },
        )
        assert custom["ends_on"] == "2026-05-15"


class TestGates:
    async def test_a_manager_cannot_move_a_cycle(self, client, worked_example):
        x = worked_example
        response = await move(client, x["as_director"], x["cycle"], "assessment")
        assert response.status_code == 403

    async def test_unsigned_plans_block_assessment(self, api, client, worked_example):
        x = worked_example
        # A second plan, left unsigned, in a fresh cycle moved to coaching.
        cycle = await api.call(
            "POST", "/cycles", {"name": "April", "cadence": "monthly", "starts_on": "2026-04-01"}
        )
        plan = await api.call(
            "POST", "/plans", {"employee_id": x["operator"], "cycle_id": cycle["id"]}
        )
        assert (await move(client, api.headers, cycle["id"], "coaching")).status_code == 200
        blocked = await move(client, api.headers, cycle["id"], "assessment")
        assert blocked.status_code == 409
        body = blocked.json()
        assert body["type"].endswith("phase-gate-blocked")
        assert [(f["code"], f["count"], f["plan_ids"]) for f in body["findings"]] == [
            ("unsigned_plans", 1, [plan["id"]])
        ]
        assert (await api.call("GET", f"/cycles/{cycle['id']}"))["phase"] == "coaching"

    async def test_only_hr_overrides_and_with_a_reason(
        self, api, client, identity_headers, worked_example, db_session
    ):
        x = worked_example
        cycle = await api.call(
            "POST", "/cycles", {"name": "April", "cadence": "monthly", "starts_on": "2026-04-01"}
        )
        await api.call("POST", "/plans", {"employee_id": x["operator"], "cycle_id": cycle["id"]})
        await move(client, api.headers, cycle["id"], "coaching")
        no_reason = await move(client, api.headers, cycle["id"], "assessment", override=True)
        assert no_reason.status_code == 422
        admin_less = identity_headers(Role.MANAGER)
        forbidden = await move(
            client, admin_less, cycle["id"], "assessment", override=True, reason="urgent"
        )
        assert forbidden.status_code == 403
        reason = "Operator on sick leave all month; plan signed on return"
        done = await move(
            client, api.headers, cycle["id"], "assessment", override=True, reason=reason
        )
        assert done.status_code == 200
        changes = await api.call("GET", f"/cycles/{cycle['id']}/phase-changes")
        assert [(c["from_phase"], c["to_phase"], c["override"]) for c in changes] == [
            ("planning", "coaching", False),
            ("coaching", "assessment", True),
        ]
        assert changes[1]["reason"] == reason
        assert changes[1]["findings"][0]["code"] == "unsigned_plans"
        events = (
            await db_session.exec(
                select(OutboxEvent).where(OutboxEvent.type == "goals.cycle.phase_changed")
            )
        ).all()
        assert [
            (e.data["to_phase"], e.data["override"])
            for e in events
            if e.subject == f"cycle/{cycle['id']}"
        ] == [
            ("coaching", False),
            ("assessment", True),
        ]

    async def test_missing_actuals_block_feedback(self, api, client, worked_example):
        x = worked_example
        # The worked example's plan has every actual: the gate passes.
        assert (await move(client, api.headers, x["cycle"], "assessment")).status_code == 200
        assert (await move(client, api.headers, x["cycle"], "feedback")).status_code == 200
        # A signed plan without actuals blocks the next cycle's feedback.
        cycle = await api.call(
            "POST", "/cycles", {"name": "April", "cadence": "monthly", "starts_on": "2026-04-01"}
        )
        plan = await api.call("POST", "/plans", {"employee_id": x["rep"], "cycle_id": cycle["id"]})
        for headers in (x["as_rep"], x["as_director"]):
            await api.call(
                "POST", f"/plans/{plan['id']}/signatures", {"version": 1}, headers=headers
            )
        for phase in ("coaching", "assessment"):
            assert (await move(client, api.headers, cycle["id"], phase)).status_code == 200
        blocked = await move(client, api.headers, cycle["id"], "feedback")
        assert blocked.status_code == 409
        assert blocked.json()["findings"][0]["code"] == "missing_actuals"

    async def test_cycles_move_forward_only(self, api, client, worked_example):
        x = worked_example
        back = await move(client, api.headers, x["cycle"], "planning")
        assert back.status_code == 422
        assert pointers(back) == ["/body/to_phase"]
        same = await move(client, api.headers, x["cycle"], "coaching")
        assert same.status_code == 409


class TestClosedCycles:
    async def close(self, client, headers, cycle_id):
        for phase in ("assessment", "feedback", "closed"):
            assert (await move(client, headers, cycle_id, phase)).status_code == 200

    async def test_a_closed_cycle_is_frozen(self, api, client, worked_example):
        x = worked_example
        await self.close(client, api.headers, x["cycle"])
        actual = await client.post(
            f"{P}/plans/{x['plan']}/actuals",
            json={"key": x["keys"][x["contracts"]], "value": "13", "source": "late"},
            headers=api.headers,
        )
        assert actual.status_code == 409
        assert actual.json()["type"].endswith("cycle-closed")
        plan = await api.call("GET", f"/plans/{x['plan']}")
        items = [{"key": i["key"], "weight": i["weight"]} for i in plan["current"]["items"]]
        revision = await client.post(
            f"{P}/plans/{x['plan']}/versions",
            json={"base_version": 1, "items": items},
            headers=api.headers,
        )
        assert revision.status_code == 409
        again = await move(client, api.headers, x["cycle"], "closed")
        assert again.status_code == 409

    async def test_reopening_needs_a_reason_and_is_audited(
        self, api, client, worked_example, db_session
    ):
        x = worked_example
        await self.close(client, api.headers, x["cycle"])
        no_reason = await client.post(
            f"{P}/cycles/{x['cycle']}/reopen", json={}, headers=api.headers
        )
        assert no_reason.status_code == 422
        reason = "The March CRM export missed two contracts"
        reopened = await api.call(
            "POST", f"/cycles/{x['cycle']}/reopen", {"reason": reason}, expect=200
        )
        assert reopened["phase"] == "assessment"
        await api.call(
            "POST",
            f"/plans/{x['plan']}/actuals",
            {"key": x["keys"][x["contracts"]], "value": "14", "source": "corrected export"},
        )
        [record] = (
            await db_session.exec(
                select(AuditRecord).where(
                    AuditRecord.entity_id == uuid.UUID(x["cycle"]), AuditRecord.action == "reopened"
                )
            )
        ).all()
        assert (record.reason, record.before["phase"], record.after["phase"]) == (
            reason,
            "closed",
            "assessment",
        )
        changes = await api.call("GET", f"/cycles/{x['cycle']}/phase-changes")
        assert changes[-1]["reopened"] is True

    async def test_only_a_closed_cycle_reopens(self, api, client, worked_example):
        response = await client.post(
            f"{P}/cycles/{worked_example['cycle']}/reopen",
            json={"reason": "no reason really"},
            headers=api.headers,
        )
        assert response.status_code == 409


class TestNamesInEvents:
    """Subscribers (analytics' reports) learn a cycle's name from its events."""

    async def events(self, db_session, cycle_id):  # type: ignore[no-untyped-def]
        rows = (await db_session.exec(select(OutboxEvent).order_by(OutboxEvent.occurred_at))).all()
        return [(e.type, e.data) for e in rows if e.subject == f"cycle/{cycle_id}"]

    async def test_a_phase_change_and_a_rename_carry_the_name(self, api, client, db_session):
        cycle = await api.call(
            "POST", "/cycles", {"name": "FY2026", "cadence": "annual", "starts_on": "2026-01-01"}
        )
        assert (await move(client, api.headers, cycle["id"], "coaching")).status_code == 200
        renamed = await client.patch(
            f"{P}/cycles/{cycle['id']}", json={"name": "FY2026 annual"}, headers=api.headers
        )
        assert renamed.status_code == 200, renamed.text
        same = await client.patch(
            f"{P}/cycles/{cycle['id']}", json={"name": "FY2026 annual"}, headers=api.headers
        )
        assert same.status_code == 200
        events = await self.events(db_session, cycle["id"])
        assert [(t, d.get("name")) for t, d in events] == [
            ("goals.cycle.phase_changed", "FY2026"),
            ("goals.cycle.renamed", "FY2026 annual"),
        ]
        assert events[1][1] == {"cycle_id": cycle["id"], "name": "FY2026 annual"}
