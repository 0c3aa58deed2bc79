"""Appeals: opened by the employee on a disputed interview, reviewed and resolved by HR;
an amended outcome becomes audited change requests to the owning service."""

import json
import uuid
from decimal import Decimal

from sqlmodel import select

from strata_contracts.identity import Role
from strata_feedback.appeals.models import Appeal, ChangeRequest
from strata_feedback.interviews.models import Interview
from strata_feedback.models import AuditRecord, OutboxEvent

BASE = "/api/v1/feedback"
KPI_RESULT = uuid.uuid4()


def amendment(**extra):
    return {
        "target_service": "goals",
        "target_type": "kpi_result",
        "target_id": str(KPI_RESULT),
        "field": "actual",
        "before": 7,
        "after": 5,
        "reason": "Two complaints belong to another representative's account.",
        **extra,
    }


async def disputed_appeal(flow, people, as_):
    interview = await flow.dispute(await flow.held(people.anna), people.anna)
    appeal = await flow.post(
        "/appeals",
        {"interview_id": interview["id"], "reason": "Complaints were misattributed."},
        as_(people.anna),
        status=201,
    )
    return interview, appeal


class TestOpening:
    async def test_the_manager_cannot_appeal_for_the_employee(
        self, client, flow, people, db_session
    ):
        interview = await flow.dispute(await flow.held(people.anna), people.anna)
        response = await client.post(
            f"{BASE}/appeals",
            json={"interview_id": interview["id"], "reason": "x"},
            headers=flow.manager(),
        )
        assert response.status_code == 403
        assert (await db_session.exec(select(Appeal))).all() == []

    async def test_an_acknowledged_interview_cannot_be_appealed(self, client, flow, people, as_):
        interview = await flow.held(people.anna)
        await flow.post(f"/interviews/{interview['id']}/acknowledge", {}, as_(people.anna))
        response = await client.post(
            f"{BASE}/appeals",
            json={"interview_id": interview["id"], "reason": "x"},
            headers=as_(people.anna),
        )
        assert response.status_code == 409
        assert (response.json()["current_state"], response.json()["action"]) == (
            "acknowledged",
            "appeal",
        )

    async def test_someone_elses_interview_is_404(self, client, flow, people, as_):
        interview = await flow.dispute(await flow.held(people.anna), people.anna)
        response = await client.post(
            f"{BASE}/appeals",
            json={"interview_id": interview["id"], "reason": "x"},
            headers=as_(people.ben),
        )
        assert response.status_code == 404

    async def test_the_employee_appeals_once(self, client, flow, people, as_, db_session):
        interview, appeal = await disputed_appeal(flow, people, as_)
        assert (appeal["status"], appeal["employee_id"]) == ("open", str(people.anna))
        again = await client.post(
            f"{BASE}/appeals",
            json={"interview_id": interview["id"], "reason": "again"},
            headers=as_(people.anna),
        )
        assert again.status_code == 409
        assert again.json()["appeal_id"] == appeal["id"]
        opened = (
            await db_session.exec(
                select(OutboxEvent).where(OutboxEvent.type == "feedback.appeal.opened")
            )
        ).one()
        assert opened.data["appeal_id"] == appeal["id"]

    async def test_a_disputed_interview_with_an_open_appeal_cannot_be_closed(
        self, client, flow, people, as_, hr
    ):
        interview, appeal = await disputed_appeal(flow, people, as_)
        response = await client.post(
            f"{BASE}/interviews/{interview['id']}/close", json={}, headers=hr
        )
        assert response.status_code == 409
        assert response.json()["appeal_id"] == appeal["id"]


class TestHandling:
    async def test_only_hr_reviews_and_resolves(self, client, flow, people, as_):
        _, appeal = await disputed_appeal(flow, people, as_)
        for path in ("review", "resolve"):
            response = await client.post(
                f"{BASE}/appeals/{appeal['id']}/{path}",
                json={"outcome": "rejected", "resolution_note": "x"} if path == "resolve" else {},
                headers=flow.manager(),
            )
            assert response.status_code == 403

    async def test_closing_an_open_appeal_is_409_and_changes_nothing(
        self, client, flow, people, as_, hr, db_session
    ):
        _interview, appeal = await disputed_appeal(flow, people, as_)
        response = await client.post(
            f"{BASE}/appeals/{appeal['id']}/resolve",
            json={"outcome": "rejected", "resolution_note": "Nothing to change."},
            headers=hr,
        )
        assert response.status_code == 409
        body = response.json()
        assert (body["current_state"], body["action"]) == ("open", "resolve_rejected")
        assert body["allowed_actions"] == ["review"]
        stored = (await db_session.exec(select(Appeal))).one()
        assert (stored.status, stored.resolution_note, stored.resolved_at) == ("open", None, None)
        assert (await db_session.exec(select(Interview))).one().status == "disputed"
        types = {e.type for e in (await db_session.exec(select(OutboxEvent))).all()}
        assert "feedback.appeal.resolved" not in types

    async def test_a_resolution_needs_a_note(self, client, flow, people, as_, hr):
        _, appeal = await disputed_appeal(flow, people, as_)
        await flow.post(f"/appeals/{appeal['id']}/review", {}, hr)
        response = await client.post(
            f"{BASE}/appeals/{appeal['id']}/resolve", json={"outcome": "upheld"}, headers=hr
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/resolution_note"

    async def test_amended_needs_amendments_and_others_take_none(
        self, client, flow, people, as_, hr
    ):
        _, appeal = await disputed_appeal(flow, people, as_)
        await flow.post(f"/appeals/{appeal['id']}/review", {}, hr)
        url = f"{BASE}/appeals/{appeal['id']}/resolve"
        bare = await client.post(
            url, json={"outcome": "amended", "resolution_note": "x"}, headers=hr
        )
        assert bare.status_code == 422
        extra = await client.post(
            url,
            json={"outcome": "rejected", "resolution_note": "x", "amendments": [amendment()]},
            headers=hr,
        )
        assert extra.status_code == 422

    async def test_an_amendment_must_change_something(self, client, flow, people, as_, hr):
        _, appeal = await disputed_appeal(flow, people, as_)
        await flow.post(f"/appeals/{appeal['id']}/review", {}, hr)
        response = await client.post(
            f"{BASE}/appeals/{appeal['id']}/resolve",
            json={
                "outcome": "amended",
                "resolution_note": "x",
                "amendments": [amendment(after=7), amendment(target_service="payroll")],
            },
            headers=hr,
        )
        assert response.status_code == 422
        pointers = {e["pointer"] for e in response.json()["errors"]}
        assert {"/body/amendments/0", "/body/amendments/1/target_service"} <= pointers

    async def test_rejected_closes_the_interview(self, flow, people, as_, hr, db_session):
        _interview, appeal = await disputed_appeal(flow, people, as_)
        reviewing = await flow.post(f"/appeals/{appeal['id']}/review", {"note": "On it"}, hr)
        assert (reviewing["status"], reviewing["reviewer"]) == ("under_review", f"user:{people.hr}")
        resolved = await flow.post(
            f"/appeals/{appeal['id']}/resolve",
            {"outcome": "rejected", "resolution_note": "The figures were right."},
            hr,
        )
        assert (resolved["status"], resolved["change_requests"]) == ("rejected", [])
        assert (await db_session.exec(select(Interview))).one().status == "closed"
        event = (
            await db_session.exec(
                select(OutboxEvent).where(OutboxEvent.type == "feedback.appeal.resolved")
            )
        ).one()
        assert event.data["outcome"] == "rejected"

    async def test_a_resolved_appeal_is_final(self, client, flow, people, as_, hr):
        _, appeal = await disputed_appeal(flow, people, as_)
        await flow.post(f"/appeals/{appeal['id']}/review", {}, hr)
        await flow.post(
            f"/appeals/{appeal['id']}/resolve", {"outcome": "upheld", "resolution_note": "x"}, hr
        )
        again = await client.post(f"{BASE}/appeals/{appeal['id']}/review", json={}, headers=hr)
        assert again.status_code == 409
        assert again.json()["allowed_actions"] == []


class TestChangeRequests:
    async def test_an_amended_outcome_records_change_requests_never_edits(
        self, flow, people, as_, hr, db_session
    ):
        _, appeal = await disputed_appeal(flow, people, as_)
        await flow.post(f"/appeals/{appeal['id']}/review", {}, hr)
        resolved = await flow.post(
            f"/appeals/{appeal['id']}/resolve",
            {
                "outcome": "amended",
                "resolution_note": "Complaints recounted.",
                "amendments": [amendment()],
            },
            hr,
        )
        assert resolved["status"] == "amended"
        [request] = resolved["change_requests"]
        assert (request["status"], request["before"], request["after"]) == ("pending", 7, 5)
        assert request["target_id"] == str(KPI_RESULT)
        event = (
            await db_session.exec(
                select(OutboxEvent).where(OutboxEvent.type == "feedback.change_request.created")
            )
        ).one()
        assert (event.data["target_service"], event.data["before"], event.data["after"]) == (
            "goals",
            7,
            5,
        )
        audit = (
            await db_session.exec(
                select(AuditRecord).where(AuditRecord.entity_type == "change_request")
            )
        ).one()
        assert audit.after["after"] == 5
        assert audit.reason.startswith("Two complaints")

    async def test_the_owner_reads_and_reports_back(
        self, client, flow, people, as_, hr, db_session
    ):
        _, appeal = await disputed_appeal(flow, people, as_)
        await flow.post(f"/appeals/{appeal['id']}/review", {}, hr)
        await flow.post(
            f"/appeals/{appeal['id']}/resolve",
            {"outcome": "amended", "resolution_note": "x", "amendments": [amendment()]},
            hr,
        )
        goals = as_(None, Role.INTEGRATION)
        pending = await client.get(
            f"{BASE}/change-requests",
            params={"target_service": "goals", "status": "pending"},
            headers=goals,
        )
        [request] = pending.json()["items"]
        applied = await flow.post(
            f"/change-requests/{request['id']}/applied", {"note": "Result 7 → 5"}, goals
        )
        assert applied["status"] == "applied"
        again = await client.post(
            f"{BASE}/change-requests/{request['id']}/rejected", json={}, headers=goals
        )
        assert again.status_code == 409
        assert again.json()["current_state"] == "applied"
        assert (await db_session.exec(select(ChangeRequest))).one().status == "applied"
        nothing = await client.get(
            f"{BASE}/change-requests", params={"status": "pending"}, headers=goals
        )
        assert nothing.json()["items"] == []

    async def test_employees_and_managers_cannot_list_change_requests(
        self, client, flow, people, as_
    ):
        assert (
            await client.get(f"{BASE}/change-requests", headers=as_(people.anna))
        ).status_code == 403
        assert (
            await client.get(f"{BASE}/change-requests", headers=flow.manager())
        ).status_code == 403

    async def test_another_tenants_change_request_is_404(self, client, flow, people, as_, hr):
        _, appeal = await disputed_appeal(flow, people, as_)
        await flow.post(f"/appeals/{appeal['id']}/review", {}, hr)
        resolved = await flow.post(
            f"/appeals/{appeal['id']}/resolve",
            {"outcome": "amended", "resolution_note": "x", "amendments": [amendment()]},
            hr,
        )
        request_id = resolved["change_requests"][0]["id"]
        other = as_(None, Role.INTEGRATION, tenant=uuid.uuid4())
        assert (
            await client.get(f"{BASE}/change-requests/{request_id}", headers=other)
        ).status_code == 404
        applied = await client.post(
            f"{BASE}/change-requests/{request_id}/applied", json={}, headers=other
        )
        assert applied.status_code == 404


class TestVisibility:
    async def test_who_sees_the_appeal(self, client, flow, people, as_, hr):
        _, appeal = await disputed_appeal(flow, people, as_)
        url = f"{BASE}/appeals/{appeal['id']}"
        assert (await client.get(url, headers=as_(people.anna))).status_code == 200
        assert (await client.get(url, headers=flow.manager())).status_code == 200
        assert (await client.get(url, headers=hr)).status_code == 200
        assert (await client.get(url, headers=as_(people.ben))).status_code == 404
        other_tenant = as_(people.hr, Role.HR, tenant=uuid.uuid4())
        assert (await client.get(url, headers=other_tenant)).status_code == 404

    async def test_hr_queue_lists_open_appeals(self, client, flow, people, as_, hr):
        _, appeal = await disputed_appeal(flow, people, as_)
        queue = await client.get(f"{BASE}/appeals", params={"status": "open"}, headers=hr)
        assert [a["id"] for a in queue.json()["items"]] == [appeal["id"]]
        mine = await client.get(f"{BASE}/appeals", headers=as_(people.ben))
        assert mine.json()["items"] == []


class TestAnUpheldAppealIsApplied:
    """Issue 17.2: a KPI actual an upheld appeal changes is corrected in goals at once, through
    goals' own audited path as the resolving HR person; goals' answer decides the change
    request (applied, or rejected with its reason; pending while goals is unreachable)."""

    async def test_the_actual_is_corrected_in_goals_and_the_request_applied(
        self, flow, people, as_, hr, gateway, db_session
    ):
        actual = uuid.uuid4()
        gateway.actuals[actual] = Decimal(7)
        _, appeal = await disputed_appeal(flow, people, as_)
        await flow.post(f"/appeals/{appeal['id']}/review", {}, hr)
        stale_id = uuid.uuid4()
        resolved = await flow.post(
            f"/appeals/{appeal['id']}/resolve",
            {
                "outcome": "amended",
                "resolution_note": "Complaints recounted.",
                "amendments": [
                    amendment(target_type="actual", target_id=str(actual), field="value"),
                    amendment(target_type="actual", target_id=str(stale_id), field="value"),
                    amendment(),  # a kpi_result: left to its owner
                ],
            },
            hr,
        )
        assert (resolved["status"], resolved["appeal_decision"], resolved["result"]) == (
            "amended",
            "upheld",
            "amended",
        )
        by_target = {r["target_id"]: r for r in resolved["change_requests"]}
        applied = by_target[str(actual)]
        assert applied["status"] == "applied"
        assert "corrected by actual" in applied["decision_note"]
        refused = by_target[str(stale_id)]
        assert refused["status"] == "rejected"
        assert "goals refused the change (404)" in refused["decision_note"]
        assert by_target[str(KPI_RESULT)]["status"] == "pending"
        [call] = [r for r in gateway.requests if r.url.path.endswith(f"{actual}/corrections")]
        body = json.loads(call.content)
        assert (body["value"], body["before"], body["appeal_id"], body["change_request_id"]) == (
            "5",
            "7",
            appeal["id"],
            applied["id"],
        )
        assert list(gateway.actuals.values()) == [Decimal(5)]
        audit = (
            await db_session.exec(select(AuditRecord).where(AuditRecord.action == "applied"))
        ).all()
        assert [a.entity_id for a in audit] == [uuid.UUID(applied["id"])]
        [event] = (
            await db_session.exec(
                select(OutboxEvent).where(OutboxEvent.type == "feedback.appeal.resolved")
            )
        ).all()
        assert (event.data["appeal_decision"], event.data["result"]) == ("upheld", "amended")

    async def test_goals_unreachable_leaves_the_request_pending(
        self, flow, people, as_, hr, gateway
    ):
        actual = uuid.uuid4()
        gateway.actuals[actual] = Decimal(7)
        _, appeal = await disputed_appeal(flow, people, as_)
        await flow.post(f"/appeals/{appeal['id']}/review", {}, hr)
        gateway.goals_down = True
        resolved = await flow.post(
            f"/appeals/{appeal['id']}/resolve",
            {
                "outcome": "amended",
                "resolution_note": "Complaints recounted.",
                "amendments": [
                    amendment(target_type="actual", target_id=str(actual), field="value")
                ],
            },
            hr,
        )
        assert [r["status"] for r in resolved["change_requests"]] == ["pending"]
        assert gateway.actuals[actual] == Decimal(7)

    async def test_rejected_is_the_appeal_rejected_and_the_result_unchanged(
        self, flow, people, as_, hr
    ):
        _, appeal = await disputed_appeal(flow, people, as_)
        await flow.post(f"/appeals/{appeal['id']}/review", {}, hr)
        resolved = await flow.post(
            f"/appeals/{appeal['id']}/resolve",
            {"outcome": "rejected", "resolution_note": "The count was right."},
            hr,
        )
        assert (resolved["appeal_decision"], resolved["result"]) == ("rejected", "unchanged")

    async def test_a_rating_the_appeal_decides_is_set_in_analytics(
        self, flow, people, as_, hr, gateway
    ):
        result = uuid.uuid4()
        gateway.ratings[result] = "5"
        _, appeal = await disputed_appeal(flow, people, as_)
        await flow.post(f"/appeals/{appeal['id']}/review", {}, hr)
        rating = {
            "target_service": "analytics",
            "target_type": "overall_result",
            "field": "band",
            "before": "5",
            "reason": "The panel rated the year exceeds expectations",
        }
        resolved = await flow.post(
            f"/appeals/{appeal['id']}/resolve",
            {
                "outcome": "amended",
                "resolution_note": "Band corrected.",
                "amendments": [
                    {**rating, "target_id": str(result), "after": "4"},
                    {**rating, "target_id": str(uuid.uuid4()), "after": "4"},
                ],
            },
            hr,
        )
        by_target = {r["target_id"]: r for r in resolved["change_requests"]}
        assert by_target[str(result)]["status"] == "applied"
        assert "band 4" in by_target[str(result)]["decision_note"]
        assert gateway.ratings[result] == "4"
        [unknown] = [r for t, r in by_target.items() if t != str(result)]
        assert unknown["status"] == "rejected"
        assert "analytics refused the change (404)" in unknown["decision_note"]
        [call] = [r for r in gateway.requests if r.url.path.endswith(f"{result}/amendments")]
        assert json.loads(call.content)["appeal_id"] == appeal["id"]
