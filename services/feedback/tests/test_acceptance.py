"""The issue's acceptance walk-throughs, over HTTP, on the worked example's sales team.

Anna goes from a scheduled interview to an acknowledged record with an improvement plan;
Ben goes from a held interview to a disputed result, an appeal, and an amended outcome
recorded as a change request to the goals service.
"""

import uuid

from sqlmodel import select

from strata_contracts.identity import Role
from strata_feedback.models import AuditRecord, OutboxEvent

BASE = "/api/v1/feedback"


async def events(db_session, subject_prefix=""):
    rows = (await db_session.exec(select(OutboxEvent).order_by(OutboxEvent.occurred_at))).all()
    return [(e.type, e.data) for e in rows if e.subject.startswith(subject_prefix)]


class TestAcknowledgedWithImprovementPlan:
    async def test_anna_from_scheduled_interview_to_acknowledged_record_with_a_plan(
        self, client, flow, gateway, people, as_, cycle_id, db_session
    ):
        anna, manager = as_(people.anna), flow.manager()
        gateway.plan(cycle_id, people.anna)
        gateway.results(people.anna, cycle_id)

        interview = await flow.schedule(
            people.anna, cycle_id=cycle_id, days=-1, meeting_link="https://meet.example.com/a"
        )
        iid = interview["id"]
        assert interview["status"] == "scheduled"

        preread = (await client.get(f"{BASE}/interviews/{iid}/pre-read", headers=anna)).json()
        assert preread["complete"] is True
        assert preread["plan"]["plan_score"]["percent"] == "97.78"

        await flow.hold(interview)
        record = await client.patch(
            f"{BASE}/interviews/{iid}/record",
            json={
                "strengths": ["14 contracts signed against 12"],
                "shortcomings": ["Complaints above target"],
                "gaps": [
                    {
                        "description": "Complaints 5 against 3",
                        "root_cause": "execution",
                        "indicator_id": str(
                            preread["plan"]["plan_score"]["items"][1]["indicator_id"]
                        ),
                    }
                ],
                "agreed_points": ["Call every complaining customer within a day"],
                "manager_comment": "Strong month; fix the complaints.",
            },
            headers=manager,
        )
        assert record.status_code == 200, record.text
        action = await flow.action(
            interview,
            title="Complaint call-backs",
            success_measure="Complaints at or below 3 next month",
            due=25,
        )
        comment = await client.patch(
            f"{BASE}/interviews/{iid}/record",
            json={"employee_comment": "Fair; I will call back the same day."},
            headers=anna,
        )
        assert comment.status_code == 200

        done = await flow.post(f"/interviews/{iid}/acknowledge", {}, anna)
        assert done["status"] == "acknowledged"
        assert done["gaps"][0]["root_cause"] == "execution"
        assert done["employee_comment"] == "Fair; I will call back the same day."

        plan = (await client.get(f"{BASE}/interviews/{iid}/improvement-plan", headers=anna)).json()
        assert (plan["status"], [a["id"] for a in plan["actions"]]) == ("open", [action["id"]])

        happened = await events(db_session, f"interview/{iid}")
        assert [t for t, _ in happened] == [
            "feedback.interview.held",
            "feedback.interview.acknowledged",
        ]
        assert happened[1][1]["improvement_action_ids"] == [action["id"]]

        closed = await flow.post(f"/interviews/{iid}/close", {}, manager)
        assert closed["status"] == "closed"
        trail = (
            await db_session.exec(
                select(AuditRecord.action)
                .where(AuditRecord.entity_id == uuid.UUID(iid))
                .order_by(AuditRecord.occurred_at)
            )
        ).all()
        assert trail == ["scheduled", "hold", "edit_record", "comment", "acknowledge", "close"]

        # the next cycle's planning imports the open action
        open_actions = await client.get(
            f"{BASE}/improvement-actions",
            params={"employee_id": str(people.anna), "open": "true"},
            headers=manager,
        )
        assert [a["title"] for a in open_actions.json()["items"]] == ["Complaint call-backs"]


class TestDisputedAppealedAmended:
    async def test_ben_from_disputed_result_through_appeal_to_amended_outcome(
        self, client, flow, people, as_, hr, db_session
    ):
        ben = as_(people.ben)
        interview = await flow.held(people.ben)
        iid = interview["id"]
        await client.patch(
            f"{BASE}/interviews/{iid}/record",
            json={"shortcomings": ["Complaints 7 against 3"]},
            headers=flow.manager(),
        )
        disputed = await flow.post(
            f"/interviews/{iid}/dispute",
            {"reason": "Four complaints were filed before I took over the account."},
            ben,
        )
        assert disputed["status"] == "disputed"

        appeal = await flow.post(
            "/appeals", {"interview_id": iid, "reason": "Misattributed complaints."}, ben, 201
        )
        assert appeal["status"] == "open"
        early = await client.post(
            f"{BASE}/appeals/{appeal['id']}/resolve",
            json={"outcome": "rejected", "resolution_note": "x"},
            headers=hr,
        )
        assert early.status_code == 409

        await flow.post(f"/appeals/{appeal['id']}/review", {}, hr)
        kpi_result = uuid.uuid4()
        resolved = await flow.post(
            f"/appeals/{appeal['id']}/resolve",
            {
                "outcome": "amended",
                "resolution_note": "CRM history confirms four complaints predate Ben.",
                "amendments": [
                    {
                        "target_service": "goals",
                        "target_type": "kpi_result",
                        "target_id": str(kpi_result),
                        "field": "actual",
                        "before": 7,
                        "after": 3,
                        "reason": "Four complaints predate the account handover.",
                    }
                ],
            },
            hr,
        )
        assert resolved["status"] == "amended"
        [change] = resolved["change_requests"]
        assert (change["target_service"], change["before"], change["after"], change["status"]) == (
            "goals",
            7,
            3,
            "pending",
        )

        # the interview record itself was not edited; the interview closed with the appeal
        after = (await client.get(f"{BASE}/interviews/{iid}", headers=ben)).json()
        assert after["status"] == "closed"
        assert after["shortcomings"] == ["Complaints 7 against 3"]

        types = [t for t, _ in await events(db_session)]
        assert types[-3] == "feedback.appeal.opened"
        assert set(types[-2:]) == {"feedback.change_request.created", "feedback.appeal.resolved"}
        assert "feedback.interview.disputed" in types

        # goals (the owner) reads the request and reports it applied through its own path
        goals = as_(None, Role.INTEGRATION)
        pending = await client.get(
            f"{BASE}/change-requests", params={"target_service": "goals"}, headers=goals
        )
        assert [c["target_id"] for c in pending.json()["items"]] == [str(kpi_result)]
        applied = await flow.post(f"/change-requests/{change['id']}/applied", {}, goals)
        assert applied["status"] == "applied"
        final = (await client.get(f"{BASE}/appeals/{appeal['id']}", headers=ben)).json()
        assert final["change_requests"][0]["status"] == "applied"
