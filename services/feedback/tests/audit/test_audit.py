"""The feedback audit trail over the API (HR and admins; 403 for others; per tenant)."""

import uuid

from strata_contracts.identity import Role

A = "/api/v1/feedback/audit"


class TestFeedbackAudit:
    async def test_hr_reads_a_reschedule_with_its_reason_and_before_after(
        self, client, flow, people, hr, as_
    ):
        interview = await flow.schedule(people.anna, days=3)
        await flow.post(
            f"/interviews/{interview['id']}/reschedule",
            {"scheduled_at": flow.when(4), "reason": "Trip"},
            flow.manager(),
        )
        listed = await client.get(
            A, params={"entity_id": interview["id"], "action": "reschedule"}, headers=hr
        )
        assert listed.status_code == 200, listed.text
        [record] = listed.json()["items"]
        assert record["entity_type"] == "interview"
        assert record["reason"] == "Trip"
        assert record["before"]["scheduled_at"] != record["after"]["scheduled_at"]
        assert record["actor"] == f"user:{people.sales_head}"
        by_actor = await client.get(A, params={"actor": record["actor"]}, headers=hr)
        assert {r["entity_id"] for r in by_actor.json()["items"]} == {interview["id"]}
        admin = as_(None, Role.ADMIN)
        assert (await client.get(f"{A}/{record['id']}", headers=admin)).json() == record

    async def test_others_are_refused_and_tenants_apart(self, client, flow, people, hr, as_):
        interview = await flow.schedule(people.anna, days=3)
        assert (await client.get(A)).status_code == 401
        for headers in (as_(people.anna), as_(people.sales_head, Role.MANAGER)):
            assert (await client.get(A, headers=headers)).status_code == 403
        record = (await client.get(A, headers=hr)).json()["items"][0]
        assert record["entity_id"] == interview["id"]
        other = as_(uuid.uuid4(), Role.HR, tenant=uuid.uuid4())
        assert (await client.get(A, headers=other)).json()["items"] == []
        assert (await client.get(f"{A}/{record['id']}", headers=other)).status_code == 404
        naive = await client.get(A, params={"until": "2026-12-01T00:00:00"}, headers=hr)
        assert naive.status_code == 422
        assert naive.json()["errors"][0]["pointer"] == "/query/until"
