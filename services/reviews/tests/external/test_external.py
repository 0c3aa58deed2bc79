"""External raters: single-use, expiring token links, without an account, and never
beyond the one invitation (and tenant) the token belongs to."""

import hashlib
import uuid

from sqlmodel import select

from strata_kit.db import allow_cross_tenant
from strata_reviews.invitations.models import Invitation, InvitationLink
from strata_reviews.responses.models import Answer

EXTERNAL = "/api/v1/reviews/external/invitations"


def full(form, value=4):
    return [{"item_id": i["id"], "rating": value} for c in form["competencies"] for i in c["items"]]


async def customer_link(flow):
    campaign = await flow.staffed("E010", peers=("E011",), customers=("Nordwerk GmbH",))
    invitation = (await flow.of(campaign, "customer"))[0]
    return campaign, invitation, await flow.link(invitation)


class TestLink:
    async def test_the_token_is_stored_only_as_its_hash(self, flow, db_session):
        _, _, path = await customer_link(flow)
        token = path.rsplit("/", 1)[1]
        link = (await db_session.exec(select(InvitationLink))).one()
        assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str(link.model_dump())

    async def test_the_form_shows_the_customers_items_only(self, client, flow, external):
        _, invitation, path = await customer_link(flow)
        response = await client.get(path, headers=external)
        assert response.status_code == 200, response.text
        form = response.json()
        assert (form["invitation_id"], form["ratee_name"]) == (invitation["id"], "Lena Fischer")
        assert [c["key"] for c in form["competencies"]] == [
            "communication",
            "interpersonal_relations",
        ]

    async def test_an_unknown_or_malformed_token_is_404(self, client, external):
        for token in ("not-a-token", "A" * 43):
            response = await client.get(f"{EXTERNAL}/{token}", headers=external)
            assert response.status_code == 404
            assert response.headers["content-type"] == "application/problem+json"


class TestSingleUse:
    async def test_draft_then_submit_then_the_link_is_spent(
        self, client, flow, external, db_session
    ):
        _, _, path = await customer_link(flow)
        form = (await client.get(path, headers=external)).json()
        draft = await client.put(
            f"{path}/response", json={"answers": full(form)[:1]}, headers=external
        )
        assert draft.status_code == 200, draft.text
        submitted = await client.post(
            f"{path}/response/submit", json={"answers": full(form, 5)}, headers=external
        )
        assert submitted.status_code == 200, submitted.text
        before = sorted(a.rating for a in (await db_session.exec(select(Answer))).all())
        for method, url, body in (
            ("POST", f"{path}/response/submit", {"answers": full(form, 1)}),
            ("PUT", f"{path}/response", {"answers": full(form, 1)}),
            ("GET", path, None),
        ):
            reused = await client.request(method, url, json=body, headers=external)
            assert reused.status_code == 410, (method, url)
            assert reused.json()["reason"] == "used"
        after = sorted(a.rating for a in (await db_session.exec(select(Answer))).all())
        assert after == before == [5] * 6

    async def test_an_expired_link_is_410_and_stores_nothing(
        self, client, flow, external, db_session
    ):
        _, _, path = await customer_link(flow)
        form = (await client.get(path, headers=external)).json()
        flow.clock.advance(days=30)
        response = await client.post(
            f"{path}/response/submit", json={"answers": full(form)}, headers=external
        )
        assert response.status_code == 410
        assert response.json()["reason"] == "expired"
        assert (await db_session.exec(select(Answer))).all() == []

    async def test_a_new_link_revokes_the_previous_one(self, client, flow, external):
        _, invitation, first = await customer_link(flow)
        second = await flow.link(invitation)
        old = await client.get(first, headers=external)
        assert old.status_code == 410
        assert old.json()["reason"] == "revoked"
        assert (await client.get(second, headers=external)).status_code == 200

    async def test_declining_spends_the_link(self, client, flow, external, db_session):
        _, invitation, path = await customer_link(flow)
        declined = await client.post(
            f"{path}/decline", json={"reason": "We barely know her"}, headers=external
        )
        assert declined.status_code == 200, declined.text
        assert declined.json()["status"] == "declined"
        assert (await client.get(path, headers=external)).status_code == 410
        with_link = await client.post(
            f"/api/v1/reviews/invitations/{invitation['id']}/link", headers=flow.hr
        )
        assert with_link.status_code == 409


class TestExpiry:
    async def test_a_link_lasts_its_time_to_live_while_the_campaign_runs(
        self, client, flow, external
    ):
        campaign, _, path = await customer_link(flow)  # 14 days by default
        flow.clock.advance(days=13)
        assert (await client.get(path, headers=external)).status_code == 200
        flow.clock.advance(days=2)
        assert flow.clock.now().isoformat() < campaign["closes_at"]
        expired = await client.get(path, headers=external)
        assert (expired.status_code, expired.json()["reason"]) == (410, "expired")


class TestTenantIsolation:
    async def test_a_token_reaches_its_own_tenant_only(
        self, client, flow, other_flow, external, app, tenant_id
    ):
        _, mine, path = await customer_link(flow)
        theirs_campaign = await other_flow.staffed(
            "E010", peers=("E011",), customers=("Nordwerk GmbH",)
        )
        theirs = (await other_flow.of(theirs_campaign, "customer"))[0]
        form = (await client.get(path, headers=external)).json()
        assert form["invitation_id"] == mine["id"]
        assert form["ratee_id"] == str(flow.org.id("E010"))
        assert form["ratee_id"] != str(other_flow.org.id("E010"))
        submitted = await client.post(
            f"{path}/response/submit", json={"answers": full(form)}, headers=external
        )
        assert submitted.status_code == 200
        async with app.state.sessionmaker() as session:
            allow_cross_tenant(session)
            rows = {
                i.id: (i.tenant_id, i.status)
                for i in (await session.exec(select(Invitation))).all()
                if i.external_email
            }
            answers = (await session.exec(select(Answer))).all()
        assert rows[uuid.UUID(mine["id"])] == (tenant_id, "submitted")
        assert rows[uuid.UUID(theirs["id"])][1] == "pending"
        assert {a.tenant_id for a in answers} == {tenant_id}
        assert {a.invitation_id for a in answers} == {uuid.UUID(mine["id"])}

    async def test_a_tenant_caller_cannot_use_a_token_to_reach_another_tenant(
        self, client, flow, other_flow
    ):
        """The token decides the tenant: a caller of another tenant presenting it still
        reaches the token's invitation only, never their own tenant's data."""
        _, mine, path = await customer_link(flow)
        response = await client.get(path, headers=other_flow.hr)
        assert response.status_code == 200
        assert response.json()["invitation_id"] == mine["id"]


class TestLogs:
    async def test_the_token_never_reaches_the_request_log(self, client, flow, external, caplog):
        _, _, path = await customer_link(flow)
        token = path.rsplit("/", 1)[1]
        caplog.clear()
        with caplog.at_level("INFO"):
            assert (await client.get(path, headers=external)).status_code == 200
            assert (await client.get(f"{path}/nowhere", headers=external)).status_code in (404, 405)
        service_lines = [str(r.msg) for r in caplog.records if r.name.startswith("strata")]
        requests = [line for line in service_lines if "http.request" in line]
        assert len(requests) == 2
        assert all("/external/invitations/[redacted]" in line for line in requests)
        assert not any(token in line for line in service_lines)
