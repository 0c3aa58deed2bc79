"""Results: who may read them, when, and through the typed client."""

import uuid

import httpx

from strata_contracts.identity import Role
from strata_contracts.reviews.client import ReviewsClient


async def closed_campaign(flow, **body):
    campaign = await flow.staffed("E010", supervisor="E002", peers=("E011", "E012", "E013"), **body)
    for invitation in await flow.invitations(campaign):
        await flow.answer(invitation, rating=4)
    await flow.close(campaign)
    return campaign


class TestAccess:
    async def test_a_colleague_cannot_read_someone_elses_results(self, flow, as_):
        campaign = await closed_campaign(flow)
        response = await flow.results(campaign, "E010", as_("E011"))
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
        other_manager = await flow.results(campaign, "E010", as_("E003", Role.MANAGER))
        assert other_manager.status_code == 403

    async def test_results_wait_for_the_close(self, flow, as_):
        campaign = await flow.staffed("E010", peers=("E011",))
        response = await flow.results(campaign, "E010", as_("E010"))
        assert response.status_code == 409
        assert response.json()["type"].endswith("results-not-ready")

    async def test_another_tenant_or_a_stranger_is_404(self, flow, identity_headers):
        campaign = await closed_campaign(flow)
        other = identity_headers(Role.HR, tenant=uuid.uuid4())
        assert (await flow.results(campaign, "E010", other)).status_code == 404
        assert (await flow.results(campaign, "E020")).status_code == 404


class TestListing:
    async def test_a_ratee_lists_their_own_results_per_cycle(self, client, flow, as_):
        cycle = flow.cycle()
        campaign = await closed_campaign(flow, cycle_id=cycle)
        await flow.staffed("E010", peers=("E011",))  # open: not listed
        listing = await client.get("/api/v1/reviews/results", headers=as_("E010"))
        assert listing.status_code == 200
        items = listing.json()["items"]
        assert [(i["campaign_id"], i["cycle_id"]) for i in items] == [(campaign["id"], cycle)]
        communication = items[0]["competencies"][0]
        assert (communication["key"], communication["all_raters_count"]) == ("communication", 12)
        assert communication["all_raters_mean"] == "4.00"
        other_cycle = await client.get(
            "/api/v1/reviews/results", params={"cycle_id": str(uuid.uuid4())}, headers=as_("E010")
        )
        assert other_cycle.json()["items"] == []

    async def test_a_colleague_cannot_list_someone_elses_results(self, client, flow, as_, org):
        await closed_campaign(flow)
        params = {"ratee_id": str(org.id("E010"))}
        response = await client.get("/api/v1/reviews/results", params=params, headers=as_("E011"))
        assert response.status_code == 403
        manager = await client.get(
            "/api/v1/reviews/results", params=params, headers=as_("E002", Role.MANAGER)
        )
        assert len(manager.json()["items"]) == 1
        other_manager = await client.get(
            "/api/v1/reviews/results", params=params, headers=as_("E003", Role.MANAGER)
        )
        assert other_manager.json()["items"] == []


class TestClient:
    async def test_the_typed_client_reads_results(self, app, flow, integration, org):
        campaign = await closed_campaign(flow)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as http:
            reviews = ReviewsClient(
                http, identity_token=integration["X-Strata-Identity"], request_id="req-1"
            )
            results = await reviews.get_results(uuid.UUID(campaign["id"]), org.id("E010"))
            assert results.ratee_id == org.id("E010")
            assert [g.relationship for g in results.groups] == [
                "supervisor",
                "peer",
                "direct_report",
                "customer",
            ]
            page = await reviews.list_results(org.id("E010"), cycle_id=results.cycle_id)
            assert [r.campaign_id for r in page.items] == [results.campaign_id]
            read = await reviews.get_campaign(results.campaign_id)
            assert read.status == "closed"
            completion = await reviews.get_completion(results.campaign_id)
            assert completion.totals.submitted == 5
