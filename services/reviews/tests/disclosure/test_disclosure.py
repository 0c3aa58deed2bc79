"""Disclosure of who answered what: HR only, with a live grant from an admin (never
self-granted), a reason each time, and an audit record of every disclosure."""

from datetime import timedelta

from sqlmodel import select

from strata_contracts.identity import Role
from strata_reviews.models import AuditRecord

GRANTS = "/api/v1/reviews/reveal-grants"


async def closed(flow):
    campaign = await flow.staffed("E010", supervisor="E002", peers=("E011", "E012"))
    for invitation in await flow.invitations(campaign):
        await flow.answer(invitation, rating=3, comment="An abusive remark")
    await flow.close(campaign)
    return campaign


async def grant(client, admin, flow, campaign=None, **body):
    payload = {
        "grantee_subject": "user:hr-officer",
        "reason": "Investigating an abusive comment (case 2026-17)",
        "expires_at": (flow.clock.now() + timedelta(days=7)).isoformat(),
        **({"campaign_id": campaign["id"]} if campaign else {}),
        **body,
    }
    return await client.post(GRANTS, json=payload, headers=admin)


def disclose_url(flow, campaign):
    return flow.url(campaign, f"/results/{flow.org.id('E010')}/rater-disclosure")


REASON = {"reason": "Case 2026-17: identify the author"}


class TestWithoutGrant:
    async def test_a_manager_cannot_disclose(self, client, flow, as_):
        campaign = await closed(flow)
        response = await client.post(
            disclose_url(flow, campaign), json=REASON, headers=as_("E002", Role.MANAGER)
        )
        assert response.status_code == 403

    async def test_hr_without_a_grant_is_refused(self, client, flow, hr, db_session):
        campaign = await closed(flow)
        response = await client.post(disclose_url(flow, campaign), json=REASON, headers=hr)
        assert response.status_code == 403
        assert response.json()["type"].endswith("reveal-grant-missing")
        audit = (await db_session.exec(select(AuditRecord))).all()
        assert "raters_disclosed" not in {a.action for a in audit}


class TestGrants:
    async def test_only_an_admin_grants_and_never_to_themselves(self, client, flow, hr, admin):
        assert (await grant(client, hr, flow)).status_code == 403
        own = await grant(client, admin, flow, grantee_subject="user:admin")
        assert own.status_code == 422
        assert own.json()["errors"][0]["pointer"] == "/body/grantee_subject"
        past = await grant(client, admin, flow, expires_at=flow.clock.now().isoformat())
        assert past.status_code == 422

    async def test_a_granted_hr_user_discloses_with_a_reason_and_it_is_audited(
        self, client, flow, hr, admin, org, db_session
    ):
        campaign = await closed(flow)
        granted = await grant(client, admin, flow, campaign)
        assert granted.status_code == 201, granted.text
        bare = await client.post(disclose_url(flow, campaign), json={}, headers=hr)
        assert bare.status_code == 422
        response = await client.post(disclose_url(flow, campaign), json=REASON, headers=hr)
        assert response.status_code == 200, response.text
        raters = response.json()["raters"]
        assert {(r["relationship"], org.key(r["rater_employee_id"])) for r in raters} == {
            ("self", "E010"),
            ("supervisor", "E002"),
            ("peer", "E011"),
            ("peer", "E012"),
        }
        assert all(r["answers"] for r in raters)
        audit = (await db_session.exec(select(AuditRecord))).all()
        disclosed = [a for a in audit if a.action == "raters_disclosed"]
        assert len(disclosed) == 1
        assert (disclosed[0].actor, disclosed[0].reason) == ("user:hr-officer", REASON["reason"])
        assert disclosed[0].after["grant_id"] == granted.json()["id"]
        assert "granted" in {a.action for a in audit}

    async def test_a_grant_for_another_campaign_does_not_apply(self, client, flow, hr, admin):
        campaign = await closed(flow)
        other = await flow.campaign(["E011"])
        assert (await grant(client, admin, flow, other)).status_code == 201
        response = await client.post(disclose_url(flow, campaign), json=REASON, headers=hr)
        assert response.status_code == 403

    async def test_revoked_and_expired_grants_do_not_apply(self, client, flow, hr, admin):
        campaign = await closed(flow)
        granted = (await grant(client, admin, flow, campaign)).json()
        revoked = await client.post(
            f"{GRANTS}/{granted['id']}/revoke", json={"reason": "Case closed"}, headers=admin
        )
        assert revoked.status_code == 200
        assert (
            await client.post(disclose_url(flow, campaign), json=REASON, headers=hr)
        ).status_code == 403
        await grant(client, admin, flow, campaign)
        flow.clock.advance(days=8)
        assert (
            await client.post(disclose_url(flow, campaign), json=REASON, headers=hr)
        ).status_code == 403


class TestGrantRules:
    async def test_grants_are_bounded_listed_and_revoked_once(self, client, flow, hr, admin):
        too_long = await grant(
            client, admin, flow, expires_at=(flow.clock.now() + timedelta(days=45)).isoformat()
        )
        assert too_long.status_code == 422
        unknown = await grant(
            client, admin, flow, campaign_id="3f0e1c9e-0000-4000-8000-000000000000"
        )
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["pointer"] == "/body/campaign_id"
        granted = (await grant(client, admin, flow)).json()
        listed = (await client.get(GRANTS, headers=hr)).json()["items"]
        assert [g["id"] for g in listed] == [granted["id"]]
        url = f"{GRANTS}/{granted['id']}/revoke"
        assert (
            await client.post(url, json={"reason": "Done here"}, headers=admin)
        ).status_code == 200
        assert (
            await client.post(url, json={"reason": "Done here"}, headers=admin)
        ).status_code == 409

    async def test_raters_are_disclosed_only_after_closing(self, client, flow, hr, admin):
        campaign = await flow.staffed("E010", peers=("E011",))
        await grant(client, admin, flow, campaign)
        response = await client.post(disclose_url(flow, campaign), json=REASON, headers=hr)
        assert response.status_code == 409
