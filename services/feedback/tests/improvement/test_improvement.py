"""Improvement plans: actions, progress, the overdue view and sweep, next-cycle import."""

import uuid

import httpx
from sqlmodel import select

from strata_contracts.feedback.client import FeedbackClient
from strata_contracts.identity import Role
from strata_feedback.improvement.models import ImprovementAction, ImprovementProgress
from strata_feedback.models import AuditRecord, OutboxEvent

BASE = "/api/v1/feedback"


class TestAddingActions:
    async def test_an_employee_cannot_add_an_action(self, client, flow, people, as_, db_session):
        interview = await flow.held(people.anna)
        response = await client.post(
            f"{BASE}/interviews/{interview['id']}/improvement-actions",
            json={"title": "x", "due_on": flow.day(5), "success_measure": "y"},
            headers=as_(people.anna),
        )
        assert response.status_code == 403
        assert (await db_session.exec(select(ImprovementAction))).all() == []

    async def test_the_manager_adds_actions_owned_by_the_employee_by_default(
        self, flow, people, cycle_id, db_session
    ):
        interview = await flow.held(people.anna, cycle_id=cycle_id)
        training_need = uuid.uuid4()
        action = await flow.action(interview, training_need_id=str(training_need))
        assert action["owner_id"] == str(people.anna)
        assert action["employee_id"] == str(people.anna)
        assert action["cycle_id"] == str(cycle_id)
        assert action["training_need_id"] == str(training_need)
        assert (action["status"], action["overdue"]) == ("open", False)
        audit = (
            await db_session.exec(
                select(AuditRecord).where(AuditRecord.entity_type == "improvement_action")
            )
        ).one()
        assert audit.action == "created"

    async def test_a_due_date_before_the_interview_is_422(self, client, flow, people, db_session):
        interview = await flow.held(people.anna, days=-10)
        response = await client.post(
            f"{BASE}/interviews/{interview['id']}/improvement-actions",
            json={"title": "x", "due_on": flow.day(-20), "success_measure": "y"},
            headers=flow.manager(),
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/due_on"
        assert (await db_session.exec(select(ImprovementAction))).all() == []

    async def test_missing_fields_are_named(self, client, flow, people):
        interview = await flow.held(people.anna)
        response = await client.post(
            f"{BASE}/interviews/{interview['id']}/improvement-actions",
            json={"title": ""},
            headers=flow.manager(),
        )
        assert response.status_code == 422
        pointers = {e["pointer"] for e in response.json()["errors"]}
        assert {"/body/title", "/body/due_on", "/body/success_measure"} <= pointers

    async def test_no_actions_once_acknowledged(self, client, flow, people, as_):
        interview = await flow.held(people.anna)
        await flow.post(f"/interviews/{interview['id']}/acknowledge", {}, as_(people.anna))
        response = await client.post(
            f"{BASE}/interviews/{interview['id']}/improvement-actions",
            json={"title": "x", "due_on": flow.day(5), "success_measure": "y"},
            headers=flow.manager(),
        )
        assert response.status_code == 409
        assert response.json()["action"] == "plan_improvement"

    async def test_the_plan_shows_status_and_counts(self, client, flow, people, as_):
        interview = await flow.held(people.anna, days=-30)
        url = f"{BASE}/interviews/{interview['id']}/improvement-plan"
        empty = await client.get(url, headers=as_(people.anna))
        assert (empty.json()["status"], empty.json()["actions"]) == ("empty", [])
        first = await flow.action(interview, due=-1)
        await flow.action(interview, due=10)
        plan = (await client.get(url, headers=as_(people.anna))).json()
        assert (plan["status"], plan["open_actions"], plan["overdue_actions"]) == ("open", 2, 1)
        assert [a["overdue"] for a in plan["actions"]] == [True, False]
        for action in plan["actions"]:
            await flow.post(
                f"/improvement-actions/{action['id']}/progress",
                {"note": "Done", "status": "done"},
                as_(people.anna),
                status=201,
            )
        plan = (await client.get(url, headers=as_(people.anna))).json()
        assert (plan["status"], plan["open_actions"], plan["overdue_actions"]) == (
            "completed",
            0,
            0,
        )
        assert first["id"] in {a["id"] for a in plan["actions"]}


class TestProgress:
    async def test_a_colleague_cannot_report_progress(self, client, flow, people, as_):
        action = await flow.action(await flow.held(people.anna))
        response = await client.post(
            f"{BASE}/improvement-actions/{action['id']}/progress",
            json={"note": "x"},
            headers=as_(people.ben),
        )
        assert response.status_code == 404

    async def test_progress_moves_the_status_and_is_kept(
        self, client, flow, people, as_, db_session
    ):
        action = await flow.action(await flow.held(people.anna))
        url = f"{BASE}/improvement-actions/{action['id']}/progress"
        started = await flow.post(
            url[len(BASE) :],
            {"note": "First review", "status": "in_progress"},
            as_(people.anna),
            201,
        )
        assert started["status"] == "in_progress"
        await flow.post(url[len(BASE) :], {"note": "Second review"}, as_(people.anna), 201)
        done = await flow.post(
            url[len(BASE) :], {"note": "Four in a row", "status": "done"}, flow.manager(), 201
        )
        assert done["status"] == "done"
        assert done["completed_at"] is not None
        history = (await client.get(url, headers=as_(people.anna))).json()
        assert [(p["status_before"], p["status_after"]) for p in history] == [
            ("open", "in_progress"),
            ("in_progress", "in_progress"),
            ("in_progress", "done"),
        ]
        moves = (
            await db_session.exec(
                select(AuditRecord.action).where(AuditRecord.entity_type == "improvement_action")
            )
        ).all()
        assert sorted(moves) == ["complete", "created", "start"]

    async def test_a_done_action_is_final(self, client, flow, people, as_, db_session):
        action = await flow.action(await flow.held(people.anna))
        url = f"{BASE}/improvement-actions/{action['id']}/progress"
        await client.post(url, json={"note": "x", "status": "done"}, headers=as_(people.anna))
        response = await client.post(url, json={"note": "more"}, headers=as_(people.anna))
        assert response.status_code == 409
        assert (response.json()["current_state"], response.json()["action"]) == ("done", "note")
        assert len((await db_session.exec(select(ImprovementProgress))).all()) == 1

    async def test_moving_back_to_open_is_422(self, client, flow, people, as_):
        action = await flow.action(await flow.held(people.anna))
        url = f"{BASE}/improvement-actions/{action['id']}/progress"
        await client.post(
            url, json={"note": "x", "status": "in_progress"}, headers=as_(people.anna)
        )
        response = await client.post(
            url, json={"note": "y", "status": "open"}, headers=as_(people.anna)
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/status"

    async def test_only_the_manager_side_cancels(self, client, flow, people, as_):
        action = await flow.action(await flow.held(people.anna))
        url = f"{BASE}/improvement-actions/{action['id']}/progress"
        denied = await client.post(
            url, json={"note": "no", "status": "cancelled"}, headers=as_(people.anna)
        )
        assert denied.status_code == 403
        ok = await client.post(
            url, json={"note": "Superseded", "status": "cancelled"}, headers=flow.manager()
        )
        assert ok.json()["status"] == "cancelled"

    async def test_an_owner_other_than_the_employee_sees_and_reports(
        self, client, flow, people, as_
    ):
        interview = await flow.held(people.anna)
        action = await flow.action(interview, owner_id=str(people.ben))
        seen = await client.get(
            f"{BASE}/improvement-actions/{action['id']}", headers=as_(people.ben)
        )
        assert seen.status_code == 200
        listed = await client.get(f"{BASE}/improvement-actions", headers=as_(people.ben))
        assert [a["id"] for a in listed.json()["items"]] == [action["id"]]
        # but the interview itself stays private
        other = await client.get(f"{BASE}/interviews/{interview['id']}", headers=as_(people.ben))
        assert other.status_code == 404


class TestEditing:
    async def test_the_employee_cannot_edit(self, client, flow, people, as_):
        action = await flow.action(await flow.held(people.anna))
        response = await client.patch(
            f"{BASE}/improvement-actions/{action['id']}",
            json={"title": "x"},
            headers=as_(people.anna),
        )
        assert response.status_code == 403

    async def test_required_fields_cannot_be_removed(self, client, flow, people):
        action = await flow.action(await flow.held(people.anna))
        response = await client.patch(
            f"{BASE}/improvement-actions/{action['id']}",
            json={"due_on": None},
            headers=flow.manager(),
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/due_on"

    async def test_the_manager_edits_with_an_audit_record(self, client, flow, people, db_session):
        action = await flow.action(await flow.held(people.anna))
        response = await client.patch(
            f"{BASE}/improvement-actions/{action['id']}",
            json={"title": "Weekly pipeline reviews", "due_on": flow.day(40)},
            headers=flow.manager(),
        )
        assert response.status_code == 200
        assert response.json()["title"] == "Weekly pipeline reviews"
        record = (
            await db_session.exec(select(AuditRecord).where(AuditRecord.action == "updated"))
        ).one()
        assert record.before["title"] == "Pipeline reviews"
        assert record.after["due_on"] == flow.day(40)


class TestOverdue:
    async def test_only_hr_sweeps(self, client, flow, people):
        response = await client.post(
            f"{BASE}/improvement-actions/overdue-sweep", headers=flow.manager()
        )
        assert response.status_code == 403

    async def test_the_overdue_view(self, client, flow, people, as_):
        interview = await flow.held(people.anna, days=-30)
        late = await flow.action(interview, due=-2)
        await flow.action(interview, due=5)
        done = await flow.action(interview, due=-3)
        await client.post(
            f"{BASE}/improvement-actions/{done['id']}/progress",
            json={"note": "x", "status": "done"},
            headers=as_(people.anna),
        )
        response = await client.get(
            f"{BASE}/improvement-actions", params={"overdue": "true"}, headers=flow.manager()
        )
        assert [a["id"] for a in response.json()["items"]] == [late["id"]]
        assert response.json()["items"][0]["overdue"] is True

    async def test_the_sweep_notices_each_overdue_action_once(
        self, client, flow, people, hr, db_session
    ):
        interview = await flow.held(people.anna, days=-30)
        late = await flow.action(interview, due=-2)
        await flow.action(interview, due=5)
        url = f"{BASE}/improvement-actions/overdue-sweep"
        first = (await client.post(url, headers=hr)).json()
        assert (first["notified"], first["action_ids"]) == (1, [late["id"]])
        second = (await client.post(url, headers=hr)).json()
        assert (second["notified"], second["action_ids"]) == (0, [])
        events = (await db_session.exec(select(OutboxEvent))).all()
        overdue = [e for e in events if e.type == "feedback.action.overdue"]
        assert len(overdue) == 1
        assert overdue[0].data["action_id"] == late["id"]
        assert overdue[0].data["due_on"] == flow.day(-2)

    async def test_a_new_due_date_earns_a_new_notice(self, client, flow, people, hr, db_session):
        interview = await flow.held(people.anna, days=-30)
        late = await flow.action(interview, due=-2)
        url = f"{BASE}/improvement-actions/overdue-sweep"
        await client.post(url, headers=hr)
        await client.patch(
            f"{BASE}/improvement-actions/{late['id']}", json={"due_on": flow.day(-1)}, headers=hr
        )
        again = (await client.post(url, headers=hr)).json()
        assert again["action_ids"] == [late["id"]]

    async def test_the_sweep_stays_in_the_tenant(self, client, flow, people, as_):
        interview = await flow.held(people.anna, days=-30)
        await flow.action(interview, due=-2)
        other = as_(people.hr, Role.HR, tenant=uuid.uuid4())
        response = await client.post(f"{BASE}/improvement-actions/overdue-sweep", headers=other)
        assert response.json()["notified"] == 0


class TestNextCycleImport:
    async def test_goals_reads_the_open_actions_through_the_client(self, app, flow, people, as_):
        interview = await flow.held(people.anna, days=-20)
        open_one = await flow.action(interview, due=10)
        closed = await flow.action(interview, due=12)
        await flow.post(
            f"/improvement-actions/{closed['id']}/progress",
            {"note": "x", "status": "done"},
            as_(people.anna),
            status=201,
        )
        other = await flow.action(await flow.held(people.ben, days=-20), due=10)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            headers = flow.manager()
            feedback = FeedbackClient(http, identity_token=headers["X-Strata-Identity"])
            actions = await feedback.list_open_actions(people.anna)
        assert [a.id for a in actions] == [uuid.UUID(open_one["id"])]
        assert other["id"] not in {str(a.id) for a in actions}
        assert actions[0].success_measure == "Weekly review held"
