"""A response costs the same few round trips to the database whatever its length:
answers are written and checked set-wise, never one statement per item (issue 13.3)."""

import uuid

from sqlmodel import select

from strata_kit.testing import RoundTrips
from strata_reviews.responses.models import Answer

INVITATIONS = "/api/v1/reviews/invitations"
# BEGIN, the invitation (locked) with its campaign, the form's items with their scales,
# the invitation's UPDATE, audit, event (self-assessments only), one INSERT of every
# answer, COMMIT. Before issue 13.3 this was 15 (the template read in four queries, a
# read-back of the answers, an external-link lookup for employees too).
MOST_TRIPS = 8


def definition(items: int) -> dict:
    """A template of `items` rating items over four competencies, one scale."""
    scale = {
        "key": "agree",
        "name": "Agreement",
        "points": [
            {"value": v, "label": f"Level {v}", "anchor": f"At level {v}."} for v in range(1, 6)
        ],
    }
    competencies = [
        {
            "key": f"c{c}",
            "name": f"Competency {c}",
            "items": [
                {"text": f"Competency {c}, behaviour {i}.", "scale_key": "agree"}
                for i in range(items // 4)
            ],
        }
        for c in range(4)
    ]
    return {"scales": [scale], "competencies": competencies}


def ratings(form: dict) -> list[dict]:
    return [
        {"item_id": i["id"], "rating": 1 + n % 5}
        for n, i in enumerate(i for c in form["competencies"] for i in c["items"])
    ]


async def invitation_of(flow, items: int, relationship: str) -> tuple[dict, dict]:
    template = await flow.template(definition=definition(items))
    campaign = await flow.staffed("E010", peers=("E011",), template=template)
    invitation = (await flow.of(campaign, relationship))[0]
    form = await flow.form(invitation)
    assert len(ratings(form)) == items
    return invitation, form


async def submit_trips(app, flow, items: int, relationship: str, *, draft: bool) -> list[str]:
    """The round trips of one submission of `items` answers (in the body, or a saved draft)."""
    invitation, form = await invitation_of(flow, items, relationship)
    url = f"{INVITATIONS}/{invitation['id']}/response"
    headers = flow.rater(invitation)
    if draft:
        saved = await flow.client.put(url, json={"answers": ratings(form)}, headers=headers)
        assert saved.status_code == 200, saved.text
    body = None if draft else {"answers": ratings(form)}
    with RoundTrips(app.state.engine) as trips:
        response = await flow.client.post(f"{url}/submit", json=body, headers=headers)
    assert response.status_code == 200, response.text
    assert len(response.json()["answers"]) == items
    return trips.log


async def draft_trips(app, flow, items: int) -> list[str]:
    invitation, form = await invitation_of(flow, items, "self")
    url = f"{INVITATIONS}/{invitation['id']}/response"
    with RoundTrips(app.state.engine) as trips:
        response = await flow.client.put(
            url, json={"answers": ratings(form)}, headers=flow.rater(invitation)
        )
    assert response.status_code == 200, response.text
    assert len(response.json()["answers"]) == items
    return trips.log


class TestSubmissionRoundTrips:
    async def test_a_self_assessment_costs_the_same_at_20_and_40_items(self, app, flow):
        """The self-assessment is announced (outbox) and audited: still one set of trips."""
        twenty = await submit_trips(app, flow, 20, "self", draft=False)
        forty = await submit_trips(app, flow, 40, "self", draft=False)
        assert len(twenty) == len(forty), (twenty, forty)
        assert len(twenty) <= MOST_TRIPS, twenty
        assert (twenty[0], twenty[-1]) == ("BEGIN", "COMMIT"), twenty
        assert sum(t.startswith("INSERT INTO answer") for t in twenty) == 1, twenty

    async def test_an_anonymous_peer_costs_the_same_at_20_and_40_items(self, app, flow):
        twenty = await submit_trips(app, flow, 20, "peer", draft=False)
        forty = await submit_trips(app, flow, 40, "peer", draft=False)
        assert len(twenty) == len(forty), (twenty, forty)
        assert len(twenty) <= MOST_TRIPS, twenty

    async def test_submitting_a_saved_draft_costs_the_same_at_20_and_40_items(self, app, flow):
        twenty = await submit_trips(app, flow, 20, "self", draft=True)
        forty = await submit_trips(app, flow, 40, "self", draft=True)
        assert len(twenty) == len(forty), (twenty, forty)
        assert len(twenty) <= MOST_TRIPS, twenty
        assert not any(t.startswith("INSERT INTO answer") for t in twenty), twenty


class TestDraftRoundTrips:
    async def test_a_draft_costs_the_same_at_20_and_40_items(self, app, flow):
        twenty = await draft_trips(app, flow, 20)
        forty = await draft_trips(app, flow, 40)
        assert len(twenty) == len(forty), (twenty, forty)
        assert len(twenty) <= MOST_TRIPS, twenty
        assert sum(t.startswith("INSERT INTO answer") for t in twenty) == 1, twenty


class TestSetBasedWrites:
    """The answers written in one batch are exactly those sent, and the answer returned
    (built from them, not read back) is what a later read returns."""

    async def test_submitting_over_a_draft_replaces_it(self, flow, db_session):
        invitation, form = await invitation_of(flow, 20, "self")
        url = f"{INVITATIONS}/{invitation['id']}/response"
        headers = flow.rater(invitation)
        draft = [{"item_id": a["item_id"], "rating": 2} for a in ratings(form)[:3]]
        saved = await flow.client.put(url, json={"answers": draft}, headers=headers)
        assert saved.status_code == 200, saved.text
        answers = [{"item_id": a["item_id"], "rating": 5} for a in ratings(form)]
        submitted = await flow.client.post(
            f"{url}/submit", json={"answers": answers}, headers=headers
        )
        assert submitted.status_code == 200, submitted.text
        rows = (await db_session.exec(select(Answer))).all()
        assert sorted((str(a.item_id), a.rating) for a in rows) == sorted(
            (a["item_id"], a["rating"]) for a in answers
        )
        assert {a.invitation_id for a in rows} == {uuid.UUID(invitation["id"])}

    async def test_the_answer_returned_is_what_is_read_back(self, flow):
        invitation, form = await invitation_of(flow, 20, "self")
        url = f"{INVITATIONS}/{invitation['id']}/response"
        headers = flow.rater(invitation)
        answers = list(reversed(ratings(form)))
        drafted = await flow.client.put(url, json={"answers": answers[:7]}, headers=headers)
        assert drafted.json() == (await flow.client.get(url, headers=headers)).json()
        submitted = await flow.client.post(
            f"{url}/submit", json={"answers": answers}, headers=headers
        )
        assert submitted.status_code == 200, submitted.text
        read = await flow.client.get(url, headers=headers)
        assert submitted.json() == read.json()
        assert [a["item_id"] for a in read.json()["answers"]] == sorted(
            a["item_id"] for a in answers
        )
