"""Interviews: scheduling, the state machine, the record, visibility, audit and events."""

import uuid

from sqlmodel import select

from strata_contracts.goals.vocabulary import CyclePhase
from strata_contracts.identity import Role
from strata_feedback.interviews.models import Interview, InterviewGap
from strata_feedback.models import AuditRecord, OutboxEvent

BASE = "/api/v1/feedback/interviews"


async def count(db_session, model) -> int:
    return len((await db_session.exec(select(model))).all())


class TestScheduling:
    async def test_an_employee_cannot_schedule(self, client, flow, as_, people, db_session):
        body = {"employee_id": str(people.anna), "scheduled_at": flow.when(3), "location": "Room 2"}
        response = await client.post(BASE, json=body, headers=as_(people.anna))
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        assert await count(db_session, Interview) == 0

    async def test_a_manager_schedules_a_report_and_is_manager_of_record(
        self, client, flow, people, cycle_id, db_session
    ):
        participant = {"employee_id": str(people.hr), "role": "hr"}
        interview = await flow.schedule(
            people.anna, cycle_id=cycle_id, days=3, participants=[participant]
        )
        assert interview["status"] == "scheduled"
        assert interview["kind"] == "cycle"
        assert interview["manager_id"] == str(people.sales_head)
        assert interview["participants"] == [participant]
        assert interview["version"] == 1
        audit = (await db_session.exec(select(AuditRecord))).one()
        assert (audit.entity_type, audit.action, audit.actor) == (
            "interview",
            "scheduled",
            f"user:{people.sales_head}",
        )

    async def test_the_goals_call_carries_the_callers_identity(self, flow, people, gateway):
        await flow.schedule(people.anna)
        assert gateway.requests
        assert all("X-Strata-Identity" in r.headers for r in gateway.requests)
        assert all(r.url.path.startswith("/api/v1/goals/") for r in gateway.requests)

    async def test_hr_schedules_with_the_manager_from_goals(self, flow, people, hr):
        interview = await flow.schedule(people.olga, headers=hr)
        assert interview["manager_id"] == str(people.production_head)
        assert interview["kind"] == "ad_hoc"

    async def test_hr_scheduling_an_unknown_employee_is_422(self, client, flow, hr, db_session):
        body = {
            "employee_id": str(uuid.uuid4()),
            "scheduled_at": flow.when(3),
            "location": "Room 2",
        }
        response = await client.post(BASE, json=body, headers=hr)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/employee_id"
        assert await count(db_session, Interview) == 0

    async def test_a_manager_outside_the_reporting_line_is_refused(
        self, client, flow, people, db_session
    ):
        body = {"employee_id": str(people.olga), "scheduled_at": flow.when(3), "location": "Room 2"}
        response = await client.post(BASE, json=body, headers=flow.manager())
        assert response.status_code == 403
        assert await count(db_session, Interview) == 0

    async def test_a_skip_level_manager_can_schedule_as_manager_of_record(self, flow, people):
        interview = await flow.schedule(people.olga, headers=flow.manager(people.ceo))
        assert interview["manager_id"] == str(people.ceo)

    async def test_with_goals_down_a_manager_cannot_schedule(self, client, flow, people, gateway):
        gateway.goals_down = True
        body = {"employee_id": str(people.anna), "scheduled_at": flow.when(3), "location": "Room 2"}
        response = await client.post(BASE, json=body, headers=flow.manager())
        assert response.status_code == 503
        assert response.json()["status"] == 503

    async def test_place_or_link_is_required(self, client, flow, people, db_session):
        body = {"employee_id": str(people.anna), "scheduled_at": flow.when(3)}
        response = await client.post(BASE, json=body, headers=flow.manager())
        assert response.status_code == 422
        assert [e["pointer"] for e in response.json()["errors"]] == [
            "/body/location",
            "/body/meeting_link",
        ]
        assert await count(db_session, Interview) == 0

    async def test_a_manager_outside_the_line_is_403_before_the_place_rule(
        self, client, flow, people, db_session
    ):
        """Authorisation comes first: without a place, an outsider still learns only 403."""
        body = {"employee_id": str(people.olga), "scheduled_at": flow.when(3)}
        response = await client.post(BASE, json=body, headers=flow.manager())
        assert response.status_code == 403
        assert await count(db_session, Interview) == 0

    async def test_the_schema_says_a_place_or_link_is_required(self, client, hr):
        document = await client.get("/openapi.json", headers=hr)
        schema = document.json()["components"]["schemas"]
        create = schema["InterviewCreate"]
        assert create["anyOf"] == [
            {"required": ["location"], "properties": {"location": {"type": "string"}}},
            {"required": ["meeting_link"], "properties": {"meeting_link": {"type": "string"}}},
        ]
        assert "required unless" in create["properties"]["location"]["description"]

    async def test_bad_fields_are_named(self, client, flow, people):
        body = {
            "employee_id": "not-a-uuid",
            "scheduled_at": "2026-12-01T10:00:00",
            "meeting_link": "not a url",
            "duration_minutes": 5,
        }
        response = await client.post(BASE, json=body, headers=flow.manager())
        assert response.status_code == 422
        pointers = {e["pointer"] for e in response.json()["errors"]}
        assert {
            "/body/employee_id",
            "/body/scheduled_at",
            "/body/meeting_link",
            "/body/duration_minutes",
        } <= pointers

    async def test_a_participant_twice_is_422(self, client, flow, people):
        body = {
            "employee_id": str(people.anna),
            "scheduled_at": flow.when(3),
            "location": "Room 2",
            "participants": [{"employee_id": str(people.anna)}],
        }
        response = await client.post(BASE, json=body, headers=flow.manager())
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/participants/0/employee_id"

    async def test_a_cycle_not_in_its_feedback_phase_is_409_naming_the_phase(
        self, client, flow, people, gateway, hr, db_session
    ):
        """Interviews belong to the cycle's feedback phase: not while it is still in
        assessment, not once it is closed (a cycle of 2020, say)."""
        for phase in ("planning", "coaching", "assessment", "closed"):
            cycle = gateway.cycle(phase, name=f"Cycle {phase}")
            for headers in (flow.manager(), hr):
                body = {
                    "employee_id": str(people.anna),
                    "cycle_id": str(cycle),
                    "scheduled_at": flow.when(3),
                    "location": "Room 2",
                }
                response = await client.post(BASE, json=body, headers=headers)
                assert response.status_code == 409, response.text
                problem = response.json()
                assert problem["phase"] == phase
                assert f"{phase} phase" in problem["detail"]
                assert problem["type"].endswith("cycle-not-in-feedback")
        assert await count(db_session, Interview) == 0

    async def test_an_unknown_cycle_is_422(self, client, flow, people, db_session):
        body = {
            "employee_id": str(people.anna),
            "cycle_id": str(uuid.uuid4()),
            "scheduled_at": flow.when(3),
            "location": "Room 2",
        }
        response = await client.post(BASE, json=body, headers=flow.manager())
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/cycle_id"
        assert await count(db_session, Interview) == 0

    async def test_rescheduling_after_the_cycle_closed_is_409(
        self, client, flow, people, gateway, cycle_id
    ):
        interview = await flow.schedule(people.anna, cycle_id=cycle_id, days=3)
        gateway.cycles[cycle_id] = gateway.cycles[cycle_id].model_copy(
            update={"phase": CyclePhase.CLOSED}
        )
        response = await client.post(
            f"{BASE}/{interview['id']}/reschedule",
            json={"scheduled_at": flow.when(5), "reason": "Anna is travelling"},
            headers=flow.manager(),
        )
        assert response.status_code == 409
        assert response.json()["phase"] == "closed"
        stored = await client.get(f"{BASE}/{interview['id']}", headers=flow.manager())
        assert stored.json()["scheduled_at"] == interview["scheduled_at"]

    async def test_one_interview_per_employee_per_cycle(self, client, flow, people, cycle_id):
        first = await flow.schedule(people.anna, cycle_id=cycle_id)
        body = {
            "employee_id": str(people.anna),
            "cycle_id": str(cycle_id),
            "scheduled_at": flow.when(5),
            "location": "Room 2",
        }
        response = await client.post(BASE, json=body, headers=flow.manager())
        assert response.status_code == 409
        assert response.json()["existing_interview_id"] == first["id"]
        # ad hoc interviews are not limited
        await flow.schedule(people.anna)
        await flow.schedule(people.anna)

    async def test_cancelling_frees_the_cycles_slot(self, flow, people, cycle_id):
        first = await flow.schedule(people.anna, cycle_id=cycle_id)
        cancelled = await flow.post(
            f"/interviews/{first['id']}/cancel", {"reason": "Anna is on leave"}, flow.manager()
        )
        assert cancelled["status"] == "cancelled"
        assert cancelled["cancel_reason"] == "Anna is on leave"
        await flow.schedule(people.anna, cycle_id=cycle_id)

    async def test_rescheduling_keeps_the_reason_in_the_audit_trail(self, flow, people, db_session):
        interview = await flow.schedule(people.anna, days=3)
        moved = await flow.post(
            f"/interviews/{interview['id']}/reschedule",
            {
                "scheduled_at": flow.when(4),
                "meeting_link": "https://meet.example.com/x",
                "reason": "Trip",
            },
            flow.manager(),
        )
        assert moved["reschedule_count"] == 1
        assert moved["meeting_link"] == "https://meet.example.com/x"
        assert moved["location"] == "Room 2"
        record = (
            await db_session.exec(select(AuditRecord).where(AuditRecord.action == "reschedule"))
        ).one()
        assert record.reason == "Trip"
        assert record.before["scheduled_at"] != record.after["scheduled_at"]


class TestTransitions:
    async def test_acknowledging_an_interview_not_yet_held_is_409_and_changes_nothing(
        self, client, flow, people, as_, db_session
    ):
        interview = await flow.schedule(people.anna)
        response = await client.post(
            f"{BASE}/{interview['id']}/acknowledge", json={}, headers=as_(people.anna)
        )
        assert response.status_code == 409
        body = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert (body["current_state"], body["action"]) == ("scheduled", "acknowledge")
        assert "scheduled" in body["detail"]
        stored = (await db_session.exec(select(Interview))).one()
        assert (stored.status, stored.version, stored.acknowledged_at) == ("scheduled", 1, None)
        assert await count(db_session, OutboxEvent) == 0

    async def test_a_cancelled_interview_cannot_be_held(self, client, flow, people):
        interview = await flow.schedule(people.anna)
        await flow.post(f"/interviews/{interview['id']}/cancel", {"reason": "x"}, flow.manager())
        response = await client.post(
            f"{BASE}/{interview['id']}/hold", json={}, headers=flow.manager()
        )
        assert response.status_code == 409
        assert response.json()["allowed_actions"] == []

    async def test_a_scheduled_interview_cannot_be_closed(self, client, flow, people):
        interview = await flow.schedule(people.anna)
        response = await client.post(
            f"{BASE}/{interview['id']}/close", json={}, headers=flow.manager()
        )
        assert response.status_code == 409
        assert response.json()["current_state"] == "scheduled"

    async def test_holding_records_the_event(self, flow, people, db_session, cycle_id):
        interview = await flow.held(people.anna, cycle_id=cycle_id)
        assert interview["status"] == "held"
        event = (await db_session.exec(select(OutboxEvent))).one()
        assert event.type == "feedback.interview.held"
        assert event.subject == f"interview/{interview['id']}"
        assert event.data["employee_id"] == str(people.anna)
        assert event.data["cycle_id"] == str(cycle_id)

    async def test_an_interview_cannot_be_held_in_the_future(self, client, flow, people):
        interview = await flow.schedule(people.anna)
        response = await client.post(
            f"{BASE}/{interview['id']}/hold", json={"held_at": flow.when(2)}, headers=flow.manager()
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/held_at"

    async def test_only_the_employee_acknowledges(self, client, flow, people):
        interview = await flow.held(people.anna)
        response = await client.post(
            f"{BASE}/{interview['id']}/acknowledge", json={}, headers=flow.manager()
        )
        assert response.status_code == 403

    async def test_acknowledged_then_closed(self, flow, people, as_, db_session):
        interview = await flow.held(people.anna)
        done = await flow.post(
            f"/interviews/{interview['id']}/acknowledge", {"comment": "Fair."}, as_(people.anna)
        )
        assert done["status"] == "acknowledged"
        assert done["employee_comment"] == "Fair."
        closed = await flow.post(f"/interviews/{interview['id']}/close", {}, flow.manager())
        assert closed["status"] == "closed"
        types = [e.type for e in (await db_session.exec(select(OutboxEvent))).all()]
        assert sorted(types) == ["feedback.interview.acknowledged", "feedback.interview.held"]

    async def test_disputing_needs_a_reason(self, client, flow, people, as_, db_session):
        interview = await flow.held(people.anna)
        response = await client.post(
            f"{BASE}/{interview['id']}/dispute", json={"reason": "  "}, headers=as_(people.anna)
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/reason"
        assert (await db_session.exec(select(Interview))).one().status == "held"

    async def test_disputed_records_reason_and_event(self, flow, people, db_session):
        interview = await flow.held(people.anna)
        disputed = await flow.dispute(interview, people.anna)
        assert disputed["status"] == "disputed"
        assert disputed["dispute_reason"].startswith("The complaints figure")
        events = (await db_session.exec(select(OutboxEvent))).all()
        assert "feedback.interview.disputed" in {e.type for e in events}
        disputed_event = next(e for e in events if e.type == "feedback.interview.disputed")
        assert "reason" not in disputed_event.data  # the words stay in the service


class TestRecord:
    async def test_the_manager_writes_the_record_with_gaps_and_root_causes(
        self, client, flow, people, db_session
    ):
        interview = await flow.held(people.anna)
        record = {
            "strengths": ["Closed 14 contracts against a target of 12"],
            "shortcomings": ["CRM notes are often missing"],
            "gaps": [
                {"description": "Complaints above target", "root_cause": "execution"},
                {
                    "description": "Pipeline target unreachable in August",
                    "root_cause": "plan_setting",
                    "note": "Target set before the price change",
                },
            ],
            "agreed_points": ["Weekly pipeline review"],
            "manager_comment": "A strong month overall.",
        }
        response = await client.patch(
            f"{BASE}/{interview['id']}/record", json=record, headers=flow.manager()
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert [g["root_cause"] for g in body["gaps"]] == ["execution", "plan_setting"]
        assert body["strengths"] == record["strengths"]
        assert body["version"] == 3
        assert response.headers["etag"] == '"3"'
        # gaps are replaced wholesale
        response = await client.patch(
            f"{BASE}/{interview['id']}/record",
            json={"gaps": [{"description": "Only this", "root_cause": "skills"}]},
            headers=flow.manager(),
        )
        assert [g["description"] for g in response.json()["gaps"]] == ["Only this"]
        assert await count(db_session, InterviewGap) == 1
        edit = (
            await db_session.exec(
                select(AuditRecord)
                .where(AuditRecord.action == "edit_record")
                .order_by(AuditRecord.occurred_at)
            )
        ).all()[-1]
        assert [g["description"] for g in edit.before["gaps"]] == [
            "Complaints above target",
            "Pipeline target unreachable in August",
        ]
        assert [g["description"] for g in edit.after["gaps"]] == ["Only this"]

    async def test_a_gap_with_other_root_cause_needs_a_note(self, client, flow, people):
        interview = await flow.held(people.anna)
        response = await client.patch(
            f"{BASE}/{interview['id']}/record",
            json={"gaps": [{"description": "x", "root_cause": "other"}]},
            headers=flow.manager(),
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/gaps/0"

    async def test_an_unknown_root_cause_is_422(self, client, flow, people):
        interview = await flow.held(people.anna)
        response = await client.patch(
            f"{BASE}/{interview['id']}/record",
            json={"gaps": [{"description": "x", "root_cause": "bad_luck"}]},
            headers=flow.manager(),
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/gaps/0/root_cause"

    async def test_the_employee_writes_only_their_comment(self, client, flow, people, as_):
        interview = await flow.held(people.anna)
        url = f"{BASE}/{interview['id']}/record"
        denied = await client.patch(url, json={"strengths": ["me"]}, headers=as_(people.anna))
        assert denied.status_code == 403
        ok = await client.patch(url, json={"employee_comment": "Agreed"}, headers=as_(people.anna))
        assert ok.status_code == 200
        assert ok.json()["employee_comment"] == "Agreed"
        manager = await client.patch(url, json={"employee_comment": "x"}, headers=flow.manager())
        assert manager.status_code == 403

    async def test_the_record_is_frozen_once_acknowledged(self, client, flow, people, as_):
        interview = await flow.held(people.anna)
        await flow.post(f"/interviews/{interview['id']}/acknowledge", {}, as_(people.anna))
        response = await client.patch(
            f"{BASE}/{interview['id']}/record", json={"strengths": ["late"]}, headers=flow.manager()
        )
        assert response.status_code == 409
        assert response.json()["current_state"] == "acknowledged"

    async def test_an_empty_change_is_422(self, client, flow, people):
        interview = await flow.held(people.anna)
        response = await client.patch(
            f"{BASE}/{interview['id']}/record", json={}, headers=flow.manager()
        )
        assert response.status_code == 422

    async def test_if_match_guards_against_overwriting(self, client, flow, people, db_session):
        interview = await flow.held(people.anna)
        url = f"{BASE}/{interview['id']}/record"
        read = await client.get(f"{BASE}/{interview['id']}", headers=flow.manager())
        tag = read.headers["etag"]
        first = await client.patch(
            url, json={"strengths": ["A"]}, headers={**flow.manager(), "If-Match": tag}
        )
        assert first.status_code == 200
        second = await client.patch(
            url, json={"strengths": ["B"]}, headers={**flow.manager(), "If-Match": tag}
        )
        assert second.status_code == 412
        assert second.json()["current_etag"] == first.headers["etag"]
        assert (await db_session.exec(select(Interview))).one().strengths == ["A"]


class TestVisibility:
    async def test_no_identity_is_401(self, client):
        response = await client.get(BASE)
        assert response.status_code == 401

    async def test_an_employee_sees_only_their_own(self, client, flow, people, as_):
        anna = await flow.schedule(people.anna)
        ben = await flow.schedule(people.ben)
        listed = await client.get(BASE, headers=as_(people.anna))
        assert [i["id"] for i in listed.json()["items"]] == [anna["id"]]
        other = await client.get(f"{BASE}/{ben['id']}", headers=as_(people.anna))
        assert other.status_code == 404
        filtered = await client.get(
            BASE, params={"employee_id": str(people.ben)}, headers=as_(people.anna)
        )
        assert filtered.json()["items"] == []

    async def test_a_manager_sees_their_reports_and_line(self, client, flow, people, hr):
        anna = await flow.schedule(people.anna)
        olga = await flow.schedule(people.olga, headers=hr)
        sales = await client.get(BASE, headers=flow.manager())
        assert [i["id"] for i in sales.json()["items"]] == [anna["id"]]
        assert (await client.get(f"{BASE}/{olga['id']}", headers=flow.manager())).status_code == 404
        ceo = await client.get(BASE, headers=flow.manager(people.ceo))
        assert {i["id"] for i in ceo.json()["items"]} == {anna["id"], olga["id"]}
        single = await client.get(f"{BASE}/{olga['id']}", headers=flow.manager(people.ceo))
        assert single.status_code == 200

    async def test_a_line_manager_sees_but_does_not_act(self, client, flow, people):
        anna = await flow.schedule(people.anna)
        response = await client.post(
            f"{BASE}/{anna['id']}/hold", json={}, headers=flow.manager(people.ceo)
        )
        assert response.status_code == 403

    async def test_with_goals_down_a_manager_still_sees_their_own_records(
        self, client, flow, people, gateway, hr
    ):
        anna = await flow.schedule(people.anna)
        await flow.schedule(people.olga, headers=flow.manager(people.ceo))
        gateway.goals_down = True
        listed = await client.get(BASE, headers=flow.manager())
        assert [i["id"] for i in listed.json()["items"]] == [anna["id"]]
        ceo = await client.get(BASE, headers=flow.manager(people.ceo))
        assert [i["employee_id"] for i in ceo.json()["items"]] == [str(people.olga)]

    async def test_hr_sees_the_tenant(self, client, flow, people, hr):
        await flow.schedule(people.anna)
        await flow.schedule(people.olga, headers=hr)
        listed = await client.get(BASE, headers=hr)
        assert len(listed.json()["items"]) == 2

    async def test_another_tenant_gets_404(self, client, flow, people, as_):
        anna = await flow.schedule(people.anna)
        stranger = as_(people.hr, Role.HR, tenant=uuid.uuid4())
        assert (await client.get(f"{BASE}/{anna['id']}", headers=stranger)).status_code == 404
        assert (await client.get(BASE, headers=stranger)).json()["items"] == []
        hold = await client.post(f"{BASE}/{anna['id']}/hold", json={}, headers=stranger)
        assert hold.status_code == 404

    async def test_lists_page_with_a_cursor(self, client, flow, people, hr):
        for days in (-3, -2, -1):
            await flow.schedule(people.anna, days=days)
        first = await client.get(BASE, params={"limit": 2}, headers=hr)
        assert len(first.json()["items"]) == 2
        second = await client.get(
            BASE, params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=hr
        )
        assert len(second.json()["items"]) == 1
        assert second.json()["next_cursor"] is None
