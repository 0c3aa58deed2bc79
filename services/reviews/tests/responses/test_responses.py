"""Responses: drafts, one submission, every rating on the scale, every required item
answered, nothing after closing. A refused request stores nothing."""

import uuid
from datetime import timedelta

from sqlmodel import select

from strata_reviews.invitations.models import Invitation
from strata_reviews.models import OutboxEvent
from strata_reviews.responses.models import Answer

INVITATIONS = "/api/v1/reviews/invitations"


def ratings(form, value=4):
    return [{"item_id": i["id"], "rating": value} for c in form["competencies"] for i in c["items"]]


async def stored(db_session):
    answers = (await db_session.exec(select(Answer))).all()
    return sorted((a.item_id, a.rating, a.comment) for a in answers)


async def peer_invitation(flow):
    campaign = await flow.staffed("E010", peers=("E011",))
    invitation = (await flow.of(campaign, "peer"))[0]
    return campaign, invitation, flow.rater(invitation), await flow.form(invitation)


class TestDrafts:
    async def test_a_colleague_cannot_answer_someone_elses_invitation(
        self, client, flow, as_, db_session
    ):
        _, invitation, _, form = await peer_invitation(flow)
        url = f"{INVITATIONS}/{invitation['id']}/response"
        response = await client.put(url, json={"answers": ratings(form)}, headers=as_("E012"))
        assert response.status_code == 404
        assert await stored(db_session) == []

    async def test_a_draft_is_saved_replaced_and_read_back(self, client, flow, db_session):
        _, invitation, rater, form = await peer_invitation(flow)
        url = f"{INVITATIONS}/{invitation['id']}/response"
        first = ratings(form)[:2]
        saved = await client.put(url, json={"answers": first}, headers=rater)
        assert saved.status_code == 200, saved.text
        assert saved.json()["status"] == "in_progress"
        second = [{"item_id": first[0]["item_id"], "rating": 2}]
        await client.put(url, json={"answers": second}, headers=rater)
        read = (await client.get(url, headers=rater)).json()
        assert [(a["item_id"], a["rating"]) for a in read["answers"]] == [(first[0]["item_id"], 2)]
        assert len(await stored(db_session)) == 1
        form_again = await flow.form(invitation)
        assert form_again["answers"] == read["answers"]

    async def test_a_rating_off_the_scale_is_422_and_keeps_the_draft(
        self, client, flow, db_session
    ):
        _, invitation, rater, form = await peer_invitation(flow)
        url = f"{INVITATIONS}/{invitation['id']}/response"
        await client.put(url, json={"answers": ratings(form)[:1]}, headers=rater)
        before = await stored(db_session)
        bad = ratings(form)
        bad[3]["rating"] = 6
        bad[5]["rating"] = 0
        response = await client.put(url, json={"answers": bad}, headers=rater)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        errors = {e["pointer"]: e["code"] for e in response.json()["errors"]}
        assert errors == {
            "/body/answers/3/rating": "out_of_scale",
            "/body/answers/5/rating": "out_of_scale",
        }
        assert await stored(db_session) == before

    async def test_answers_must_fit_the_form(self, client, flow, db_session):
        _, invitation, rater, form = await peer_invitation(flow)
        url = f"{INVITATIONS}/{invitation['id']}/response"
        item = form["competencies"][0]["items"][0]["id"]
        question = form["questions"][0]["id"]
        bad = [
            {"item_id": item, "rating": 3, "comment": "extra"},
            {"item_id": item, "rating": 3},
            {"item_id": question, "rating": 3},
            {"item_id": "3f0e1c9e-0000-4000-8000-000000000000", "rating": 3},
            {"item_id": form["competencies"][1]["items"][0]["id"]},
        ]
        response = await client.put(url, json={"answers": bad}, headers=rater)
        assert response.status_code == 422
        errors = {(e["pointer"], e["code"]) for e in response.json()["errors"]}
        assert errors == {
            ("/body/answers/0/comment", "not_allowed"),
            ("/body/answers/1/item_id", "duplicate"),
            ("/body/answers/2/rating", "not_allowed"),
            ("/body/answers/2/comment", "missing"),
            ("/body/answers/3/item_id", "unknown_item"),
            ("/body/answers/4/rating", "missing"),
        }
        assert await stored(db_session) == []

    async def test_items_of_other_relationships_are_not_on_the_form(self, client, flow, hr):
        definition = (
            await client.get("/api/v1/reviews/templates/default-definition", headers=hr)
        ).json()
        definition["competencies"][0]["items"][0]["relationships"] = ["supervisor"]
        template = await flow.template(definition=definition)
        campaign = await flow.staffed("E010", peers=("E011",), template=template)
        invitation = (await flow.of(campaign, "peer"))[0]
        form = await flow.form(invitation)
        assert len(form["competencies"][0]["items"]) == 2
        version = await flow.version(template)
        supervisor_only = version["competencies"][0]["items"][0]["id"]
        response = await client.put(
            f"{INVITATIONS}/{invitation['id']}/response",
            json={"answers": [{"item_id": supervisor_only, "rating": 4}]},
            headers=flow.rater(invitation),
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "unknown_item"


class TestSubmit:
    async def test_a_missing_required_item_is_422_and_nothing_is_submitted(
        self, client, flow, db_session
    ):
        _, invitation, rater, form = await peer_invitation(flow)
        answers = ratings(form)
        missing = answers.pop(4)
        response = await client.post(
            f"{INVITATIONS}/{invitation['id']}/response/submit",
            json={"answers": answers},
            headers=rater,
        )
        assert response.status_code == 422
        errors = response.json()["errors"]
        assert [(e["pointer"], e["code"]) for e in errors] == [("/body/answers", "required")]
        assert missing["item_id"] in errors[0]["detail"]
        assert await stored(db_session) == []
        row = (
            await db_session.exec(
                select(Invitation).where(Invitation.id == uuid.UUID(invitation["id"]))
            )
        ).one()
        assert row.status == "pending"
        events = (await db_session.exec(select(OutboxEvent))).all()
        assert "reviews.response.submitted" not in {e.type for e in events}

    async def test_submitting_the_saved_draft(self, client, flow, db_session):
        _, invitation, rater, form = await peer_invitation(flow)
        url = f"{INVITATIONS}/{invitation['id']}/response"
        await client.put(url, json={"answers": ratings(form, 3)}, headers=rater)
        response = await client.post(f"{url}/submit", headers=rater)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "submitted"
        assert {r for _, r, _ in await stored(db_session)} == {3}

    async def test_a_second_submit_is_409_and_changes_nothing(self, client, flow, db_session):
        _, invitation, rater, form = await peer_invitation(flow)
        url = f"{INVITATIONS}/{invitation['id']}/response"
        first = await client.post(
            f"{url}/submit", json={"answers": ratings(form, 4)}, headers=rater
        )
        assert first.status_code == 200
        before = await stored(db_session)
        again = await client.post(
            f"{url}/submit", json={"answers": ratings(form, 1)}, headers=rater
        )
        assert again.status_code == 409
        assert again.json()["type"].endswith("response-already-submitted")
        draft = await client.put(url, json={"answers": ratings(form, 1)}, headers=rater)
        assert draft.status_code == 409
        assert await stored(db_session) == before
        # A peer's submission is not announced at all (below k, no timing, events
        # included); the self-assessment's is (see TestEvents).
        events = [e.type for e in (await db_session.exec(select(OutboxEvent))).all()]
        assert events.count("reviews.response.submitted") == 0

    async def test_a_late_submission_is_refused(self, client, flow, db_session):
        _, invitation, rater, form = await peer_invitation(flow)
        flow.clock.set(flow.clock.now() + timedelta(days=30))  # past closes_at
        response = await client.post(
            f"{INVITATIONS}/{invitation['id']}/response/submit",
            json={"answers": ratings(form)},
            headers=rater,
        )
        assert response.status_code == 409
        assert response.json()["type"].endswith("campaign-closed")
        assert await stored(db_session) == []

    async def test_nothing_is_accepted_once_closed(self, client, flow, db_session):
        campaign, invitation, rater, form = await peer_invitation(flow)
        await flow.close(campaign)
        response = await client.put(
            f"{INVITATIONS}/{invitation['id']}/response",
            json={"answers": ratings(form)},
            headers=rater,
        )
        assert response.status_code == 409
        assert await stored(db_session) == []


class TestEvents:
    async def test_only_non_anonymous_submissions_are_announced(self, flow, db_session):
        """Subscribers (integrations) get no per-response signal of an anonymous group:
        it would count and time its raters below k."""
        campaign = await flow.staffed("E010", supervisor="E002", peers=("E011",))
        for invitation in await flow.invitations(campaign):
            await flow.answer(invitation)
        announced = [
            e.data
            for e in (await db_session.exec(select(OutboxEvent))).all()
            if e.type == "reviews.response.submitted"
        ]
        assert sorted(e["relationship"] for e in announced) == ["self", "supervisor"]
