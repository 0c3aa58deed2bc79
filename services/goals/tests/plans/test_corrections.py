"""Correcting an actual, as an upheld appeal decides (issue 17.2): HR replaces the actual in
force of a plan item (any phase from coaching to feedback), audited with before, after and
reason, published as `goals.actual.recorded` naming the corrected actual, the appeal and the
change request, so analytics' result follows. The worked example's rep signed 12 contracts
(target 10, stretch 12: score 1.1); corrected to 9 the item scores below target."""

import uuid
from decimal import Decimal

from sqlmodel import select

from strata_goals.models import AuditRecord, OutboxEvent

P = "/api/v1/goals"


async def contracts_actual(api, x):  # type: ignore[no-untyped-def]
    key = x["keys"][x["contracts"]]
    page = await api.call("GET", f"/plans/{x['plan']}/actuals", params={"key": key})
    return page["items"][-1]


class TestCorrections:
    async def test_hr_corrects_the_actual_in_force_and_it_is_published(
        self, api, client, db_session, identity_headers, worked_example
    ):
        x = worked_example
        actual = await contracts_actual(api, x)
        before = await api.call("GET", f"/employees/{x['rep']}/cycles/{x['cycle']}/score")
        appeal, request = uuid.uuid4(), uuid.uuid4()
        url = f"{P}/actuals/{actual['id']}/corrections"
        body = {
            "value": "9",
            "before": "12",
            "reason": "Appeal upheld: three contracts were signed in April",
            "appeal_id": str(appeal),
            "change_request_id": str(request),
        }
        manager = await client.post(url, json=body, headers=x["as_director"])
        assert manager.status_code == 403
        stale = await client.post(url, json={**body, "before": "11"}, headers=api.headers)
        assert stale.status_code == 409, stale.text
        both = await client.post(url, json={**body, "level": 2}, headers=api.headers)
        assert both.status_code == 422
        done = await client.post(url, json=body, headers=api.headers)
        assert done.status_code == 201, done.text
        corrected = done.json()
        assert (Decimal(corrected["value"]), corrected["measured_on"]) == (
            Decimal(9),
            actual["measured_on"],
        )
        again = await client.post(url, json=body, headers=api.headers)
        assert again.status_code == 409  # no longer in force: the correction replaced it
        after = await api.call("GET", f"/employees/{x['rep']}/cycles/{x['cycle']}/score")
        assert Decimal(after["score"]["total"]) < Decimal(before["score"]["total"])
        [event] = (
            await db_session.exec(
                select(OutboxEvent).where(
                    OutboxEvent.type == "goals.actual.recorded",
                    OutboxEvent.data["actual_id"].as_string() == corrected["id"],
                )
            )
        ).all()
        assert (
            event.data["corrects_actual_id"],
            event.data["appeal_id"],
            event.data["change_request_id"],
            event.data["reason"],
        ) == (actual["id"], str(appeal), str(request), body["reason"])
        [audit] = (
            await db_session.exec(select(AuditRecord).where(AuditRecord.action == "corrected"))
        ).all()
        assert (audit.reason, audit.before["value"], audit.after["change_request_id"]) == (
            body["reason"],
            actual["value"],
            str(request),
        )

    async def test_an_unknown_actual_is_404(self, client, api, worked_example):
        response = await client.post(
            f"{P}/actuals/{uuid.uuid4()}/corrections",
            json={"value": "1", "reason": "appeal"},
            headers=api.headers,
        )
        assert response.status_code == 404
