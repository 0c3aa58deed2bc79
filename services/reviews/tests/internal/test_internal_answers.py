"""The private answers feed for analytics: platform identity only, closed campaigns only,
raters pseudonymous (only the supervisor named), one tenant per call."""

import uuid

from strata_contracts.identity import IDENTITY_HEADER, IdentityClaims, Role
from strata_contracts.reviews.internal import INTERNAL_ANSWERS_PATH
from strata_kit.identity import mint_identity_token
from strata_kit.testing import TEST_SECRET
from strata_reviews.internal.service import rater_key


def platform(subject: str = "service:analytics") -> dict[str, str]:
    return {IDENTITY_HEADER: mint_identity_token(IdentityClaims(subject=subject), TEST_SECRET)}


async def rated(flow, *, close: bool = True) -> dict:
    campaign = await flow.staffed(
        "E010", supervisor="E002", peers=("E011", "E012", "E013"), customers=("Nordwerk GmbH",)
    )
    for invitation in await flow.invitations(campaign):
        rating = {"supervisor": 5, "peer": 4, "customer": 2, "self": 3}[invitation["relationship"]]
        await flow.answer(invitation, rating=rating, comment=f"{invitation['relationship']} note")
    if close:
        await flow.close(campaign)
    return campaign


async def feed(client, tenant, **params) -> dict:
    response = await client.get(
        INTERNAL_ANSWERS_PATH, params={"tenant": str(tenant), **params}, headers=platform()
    )
    assert response.status_code == 200, response.text
    return response.json()


class TestAccess:
    async def test_only_the_analytics_platform_identity_reads_it(
        self, client, flow, identity_headers, tenant_id
    ):
        params = {"tenant": str(tenant_id)}
        assert (await client.get(INTERNAL_ANSWERS_PATH, params=params)).status_code == 401
        for headers in (
            identity_headers(Role.ADMIN),
            identity_headers(Role.INTEGRATION),
            platform("service:feedback"),
        ):
            response = await client.get(INTERNAL_ANSWERS_PATH, params=params, headers=headers)
            assert response.status_code == 403
            assert response.headers["content-type"] == "application/problem+json"

    async def test_the_tenant_is_required_and_a_bad_cursor_is_named(self, client, tenant_id):
        missing = await client.get(INTERNAL_ANSWERS_PATH, headers=platform())
        assert missing.status_code == 422
        assert missing.json()["errors"][0]["pointer"] == "/query/tenant"
        bad = await client.get(
            INTERNAL_ANSWERS_PATH,
            params={"tenant": str(tenant_id), "cursor": "bm90LWEtbGlzdA"},
            headers=platform(),
        )
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["pointer"] == "/query/cursor"


class TestFeed:
    async def test_an_open_campaign_serves_nothing(self, client, flow, tenant_id):
        await rated(flow, close=False)
        assert (await feed(client, tenant_id))["items"] == []

    async def test_answers_of_a_closed_campaign_with_pseudonymous_raters(
        self, client, flow, org, tenant_id
    ):
        campaign = await rated(flow)
        body = await feed(client, tenant_id, campaign_id=campaign["id"])
        items = body["items"]
        ratings = [i for i in items if i["kind"] == "rating"]
        comments = [i for i in items if i["kind"] == "comment"]
        assert {i["relationship"] for i in ratings} == {"self", "supervisor", "peer", "customer"}
        assert all(i["anonymity_threshold"] == campaign["anonymity_threshold"] for i in items)
        by_group = {}
        for item in ratings:
            by_group.setdefault(item["relationship"], set()).add(item["value"])
        assert by_group == {"supervisor": {5}, "peer": {4}, "customer": {2}, "self": {3}}
        # Only the supervisor is named; everybody else is a stable pseudonym.
        named = {i["rater_employee_id"] for i in items if i["rater_employee_id"]}
        assert named == {str(org.id("E002"))}
        peer_keys = {i["rater_key"] for i in ratings if i["relationship"] == "peer"}
        assert len(peer_keys) == 3
        assert peer_keys == {
            rater_key(TEST_SECRET, tenant_id, f"employee:{org.id(k)}")
            for k in ("E011", "E012", "E013")
        }
        flat = str(body)
        for key in ("E011", "E012", "E013"):
            assert str(org.id(key)) not in flat  # no peer id anywhere
        assert "nordwerk" not in flat.lower()  # nor the customer's name or e-mail
        assert {c["comment"] for c in comments} >= {"peer note", "customer note"}
        assert all(r["scale_min"] == 1 and r["scale_max"] == 5 for r in ratings)

    async def test_pages_follow_the_cursor_and_tenants_stay_apart(
        self, client, flow, other_flow, tenant_id
    ):
        await rated(flow)
        everything = (await feed(client, tenant_id, limit=1000))["items"]
        seen, cursor = [], None
        while True:
            params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
            page = await feed(client, tenant_id, **params)
            seen.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
        assert seen == everything
        assert (await feed(client, uuid.uuid4()))["items"] == []
        assert (await feed(client, other_flow.org.tenant_id))["items"] == []
