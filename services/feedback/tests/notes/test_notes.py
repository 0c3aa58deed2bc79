"""Anytime feedback: notes between colleagues, who sees them, and the tenant setting."""

import uuid

from sqlmodel import select

from strata_contracts.identity import Role
from strata_feedback.notes.models import FeedbackNote

BASE = "/api/v1/feedback"


async def send(client, headers, recipient, kind="praise", body="Great demo to the customer."):
    response = await client.post(
        f"{BASE}/notes",
        json={"recipient_id": str(recipient), "kind": kind, "body": body},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


class TestWriting:
    async def test_an_identity_without_an_employee_cannot_write(
        self, client, as_, people, db_session
    ):
        response = await client.post(
            f"{BASE}/notes",
            json={"recipient_id": str(people.anna), "kind": "praise", "body": "x"},
            headers=as_(None, Role.HR),
        )
        assert response.status_code == 403
        assert (await db_session.exec(select(FeedbackNote))).all() == []

    async def test_a_colleague_sends_a_note(self, client, as_, people):
        note = await send(client, as_(people.ben), people.anna)
        assert (note["author_id"], note["recipient_id"], note["kind"]) == (
            str(people.ben),
            str(people.anna),
            "praise",
        )

    async def test_a_note_to_yourself_is_422(self, client, as_, people, db_session):
        response = await client.post(
            f"{BASE}/notes",
            json={"recipient_id": str(people.anna), "kind": "praise", "body": "Me!"},
            headers=as_(people.anna),
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/recipient_id"
        assert (await db_session.exec(select(FeedbackNote))).all() == []

    async def test_bad_fields_are_named(self, client, as_, people):
        response = await client.post(
            f"{BASE}/notes",
            json={"recipient_id": str(people.anna), "kind": "criticism", "body": "x" * 2001},
            headers=as_(people.ben),
        )
        assert response.status_code == 422
        pointers = {e["pointer"] for e in response.json()["errors"]}
        assert pointers == {"/body/kind", "/body/body"}


class TestReading:
    async def test_author_recipient_and_manager_see_it_others_do_not(
        self, client, as_, people, flow, hr
    ):
        note = await send(client, as_(people.ben), people.anna, kind="guidance")
        url = f"{BASE}/notes/{note['id']}"
        assert (await client.get(url, headers=as_(people.ben))).status_code == 200
        assert (await client.get(url, headers=as_(people.anna))).status_code == 200
        assert (await client.get(url, headers=flow.manager())).status_code == 200
        assert (await client.get(url, headers=as_(people.olga))).status_code == 404
        # HR's reach does not extend to notes between colleagues
        assert (await client.get(url, headers=hr)).status_code == 404
        other = as_(people.anna, tenant=uuid.uuid4())
        assert (await client.get(url, headers=other)).status_code == 404

    async def test_lists_show_what_each_may_see(self, client, as_, people, flow):
        to_anna = await send(client, as_(people.ben), people.anna)
        to_olga = await send(client, as_(people.ben), people.olga)
        anna = await client.get(f"{BASE}/notes", headers=as_(people.anna))
        assert [n["id"] for n in anna.json()["items"]] == [to_anna["id"]]
        ben = await client.get(f"{BASE}/notes", headers=as_(people.ben))
        assert {n["id"] for n in ben.json()["items"]} == {to_anna["id"], to_olga["id"]}
        manager = await client.get(f"{BASE}/notes", headers=flow.manager())
        assert [n["id"] for n in manager.json()["items"]] == [to_anna["id"]]

    async def test_the_setting_hides_notes_from_managers(self, client, as_, people, flow, hr):
        note = await send(client, as_(people.ben), people.anna)
        denied = await client.patch(
            f"{BASE}/settings", json={"notes_visible_to_manager": False}, headers=flow.manager()
        )
        assert denied.status_code == 403
        changed = await client.patch(
            f"{BASE}/settings", json={"notes_visible_to_manager": False}, headers=hr
        )
        assert changed.json() == {"notes_visible_to_manager": False}
        assert (await client.get(f"{BASE}/settings", headers=as_(people.anna))).json() == {
            "notes_visible_to_manager": False
        }
        hidden = await client.get(f"{BASE}/notes/{note['id']}", headers=flow.manager())
        assert hidden.status_code == 404
        listed = await client.get(f"{BASE}/notes", headers=flow.manager())
        assert listed.json()["items"] == []
        assert (
            await client.get(f"{BASE}/notes/{note['id']}", headers=as_(people.anna))
        ).status_code == 200

    async def test_settings_are_per_tenant(self, client, as_, people, hr):
        await client.patch(f"{BASE}/settings", json={"notes_visible_to_manager": False}, headers=hr)
        other = await client.get(
            f"{BASE}/settings", headers=as_(people.hr, Role.HR, tenant=uuid.uuid4())
        )
        assert other.json() == {"notes_visible_to_manager": True}
