"""Invitations: the rater's own list, declining with a reason, reminders, links."""

import uuid

from sqlmodel import select

from strata_contracts.identity import Role
from strata_reviews.invitations.models import Invitation, Reminder
from strata_reviews.models import OutboxEvent
from strata_reviews.responses.models import Answer

INVITATIONS = "/api/v1/reviews/invitations"


class TestMine:
    async def test_a_rater_sees_only_their_own_invitations(self, client, flow, as_, org):
        campaign = await flow.staffed("E010", peers=("E011", "E012"))
        mine = (await client.get(INVITATIONS, headers=as_("E011"))).json()["items"]
        assert [(i["ratee_id"], i["relationship"]) for i in mine] == [(str(org.id("E010")), "peer")]
        assert mine[0]["ratee_name"] == "Lena Fischer"
        assert mine[0]["due_at"] == campaign["due_at"]
        own = (await client.get(INVITATIONS, headers=as_("E010"))).json()["items"]
        assert [i["relationship"] for i in own] == ["self"]
        other = await client.get(f"{INVITATIONS}/{mine[0]['id']}", headers=as_("E012"))
        assert other.status_code == 404

    async def test_campaign_invitations_are_for_hr(self, client, flow, as_):
        campaign = await flow.staffed("E010", peers=("E011",))
        url = flow.url(campaign, "/invitations")
        assert (await client.get(url, headers=as_("E010", Role.MANAGER))).status_code == 403
        assert len((await client.get(url, headers=flow.hr)).json()["items"]) == 2


class TestDecline:
    async def test_declining_needs_a_reason_and_discards_the_draft(self, client, flow, db_session):
        campaign = await flow.staffed("E010", peers=("E011",))
        invitation = (await flow.of(campaign, "peer"))[0]
        rater = flow.rater(invitation)
        form = await flow.form(invitation)
        item = form["competencies"][0]["items"][0]["id"]
        await client.put(
            f"{INVITATIONS}/{invitation['id']}/response",
            json={"answers": [{"item_id": item, "rating": 2}]},
            headers=rater,
        )
        url = f"{INVITATIONS}/{invitation['id']}/decline"
        bare = await client.post(url, json={}, headers=rater)
        assert bare.status_code == 422
        assert bare.json()["errors"][0]["pointer"] == "/body/reason"
        declined = await client.post(url, json={"reason": "I never work with her"}, headers=rater)
        assert declined.status_code == 200, declined.text
        body = declined.json()
        assert (body["status"], body["decline_reason"]) == ("declined", "I never work with her")
        assert (await db_session.exec(select(Answer))).all() == []
        again = await client.post(url, json={"reason": "Still no"}, headers=rater)
        assert again.status_code == 409
        events = {e.type for e in (await db_session.exec(select(OutboxEvent))).all()}
        assert "reviews.invitation.declined" in events

    async def test_a_self_assessment_cannot_be_declined(self, client, flow):
        campaign = await flow.staffed("E010", peers=("E011",))
        own = (await flow.of(campaign, "self"))[0]
        response = await client.post(
            f"{INVITATIONS}/{own['id']}/decline",
            json={"reason": "Busy"},
            headers=flow.rater(own),
        )
        assert response.status_code == 422


class TestReminders:
    async def test_an_employee_cannot_send_reminders(self, client, flow, as_, db_session):
        campaign = await flow.staffed("E010", peers=("E011",))
        response = await client.post(flow.url(campaign, "/reminders"), json={}, headers=as_("E010"))
        assert response.status_code == 403
        assert (await db_session.exec(select(Reminder))).all() == []

    async def test_only_the_unfinished_are_reminded_and_it_is_recorded(
        self, client, flow, integration, db_session
    ):
        campaign = await flow.staffed("E010", peers=("E011", "E012"))
        done = (await flow.of(campaign, "peer"))[0]
        await flow.answer(done)
        response = await client.post(flow.url(campaign, "/reminders"), json={}, headers=integration)
        assert response.status_code == 200, response.text
        assert response.json()["reminded"] == 2  # the other peer and the self-assessment
        assert done["id"] not in response.json()["invitation_ids"]
        await client.post(flow.url(campaign, "/reminders"), json={}, headers=integration)
        reminders = (await db_session.exec(select(Reminder))).all()
        assert sorted(r.number for r in reminders) == [1, 1, 2, 2]
        assert {r.requested_by for r in reminders} == {"key:hris"}
        events = [
            e
            for e in (await db_session.exec(select(OutboxEvent))).all()
            if e.type == "reviews.invitation.reminder_due"
        ]
        assert len(events) == 4
        assert all("ratee_id" not in e.data for e in events)
        rows = (await db_session.exec(select(Invitation))).all()
        assert max(r.reminder_count for r in rows) == 2

    async def test_naming_a_finished_invitation_is_422(self, client, flow):
        campaign = await flow.staffed("E010", peers=("E011",))
        done = (await flow.of(campaign, "peer"))[0]
        await flow.answer(done)
        response = await client.post(
            flow.url(campaign, "/reminders"),
            json={"invitation_ids": [done["id"], str(uuid.uuid4())]},
            headers=flow.hr,
        )
        assert response.status_code == 422
        assert [e["pointer"] for e in response.json()["errors"]] == [
            "/body/invitation_ids/0",
            "/body/invitation_ids/1",
        ]


class TestLinks:
    async def test_links_are_for_external_raters_and_hr(self, client, flow, as_):
        campaign = await flow.staffed("E010", peers=("E011",), customers=("Nordwerk GmbH",))
        peer = (await flow.of(campaign, "peer"))[0]
        customer = (await flow.of(campaign, "customer"))[0]
        internal = await client.post(f"{INVITATIONS}/{peer['id']}/link", headers=flow.hr)
        assert internal.status_code == 409
        employee = await client.post(f"{INVITATIONS}/{customer['id']}/link", headers=as_("E010"))
        assert employee.status_code == 403
        issued = await client.post(f"{INVITATIONS}/{customer['id']}/link", headers=flow.hr)
        assert issued.status_code == 200
        body = issued.json()
        assert body["path"] == f"/api/v1/reviews/external/invitations/{body['token']}"
        assert body["expires_at"] <= campaign["closes_at"]


class TestAfterClosing:
    async def test_no_declines_or_reminders_once_closed(self, client, flow):
        campaign = await flow.staffed("E010", peers=("E011",))
        peer = (await flow.of(campaign, "peer"))[0]
        await flow.close(campaign)
        decline = await client.post(
            f"{INVITATIONS}/{peer['id']}/decline",
            json={"reason": "Too late"},
            headers=flow.rater(peer),
        )
        assert decline.status_code == 409
        remind = await client.post(flow.url(campaign, "/reminders"), json={}, headers=flow.hr)
        assert remind.status_code == 409
