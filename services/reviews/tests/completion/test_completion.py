"""Completion tracking: per campaign, relationship, department, ratee and rater, and
the overdue list."""

from datetime import timedelta

from strata_contracts.identity import Role


async def two_teams(flow):
    """E010 (sales) and E020 (production) under review; some answers in."""
    campaign = await flow.campaign(
        ["E010", "E020"],
        relationships=[
            {"relationship": "self", "min_raters": 0, "max_raters": 1},
            {"relationship": "peer", "min_raters": 0, "max_raters": 5},
        ],
    )
    for ratee, peers in (("E010", ("E011", "E012")), ("E020", ("E021", "E022"))):
        for peer in peers:
            await flow.nominate(
                campaign, ratee, relationship="peer", rater_employee_id=str(flow.org.id(peer))
            )
    await flow.open(campaign)
    invitations = await flow.invitations(campaign)
    by_rater = {
        flow.org.key(i["rater_employee_id"]): i for i in invitations if i["relationship"] == "peer"
    }
    await flow.answer(by_rater["E011"])
    await flow.answer(by_rater["E021"])
    await flow.answer(by_rater["E022"])
    await flow.client.post(
        f"/api/v1/reviews/invitations/{by_rater['E012']['id']}/decline",
        json={"reason": "Parental leave"},
        headers=flow.rater(by_rater["E012"]),
    )
    return campaign


class TestCampaign:
    async def test_an_employee_cannot_follow_completion(self, client, flow, as_):
        campaign = await two_teams(flow)
        response = await client.get(flow.url(campaign, "/completion"), headers=as_("E010"))
        assert response.status_code == 403

    async def test_hr_sees_totals_relationships_and_departments(self, client, flow, hr, org):
        campaign = await two_teams(flow)
        body = (await client.get(flow.url(campaign, "/completion"), headers=hr)).json()
        assert body["ratees"] == 2
        totals = body["totals"]
        assert (totals["invited"], totals["submitted"], totals["declined"], totals["pending"]) == (
            6,
            3,
            1,
            2,
        )
        assert totals["completion_rate"] == "0.5000"
        peers = next(r for r in body["by_relationship"] if r["relationship"] == "peer")
        assert peers["counts"]["submitted"] == 3
        units = {d["org_unit_id"]: d["counts"]["submitted"] for d in body["by_department"]}
        assert units == {str(org.unit("U-SALES")): 1, str(org.unit("U-PROD")): 2}

    async def test_a_manager_follows_their_reports_only(self, client, flow, as_, org):
        campaign = await two_teams(flow)
        manager = as_("E003", Role.MANAGER)
        body = (await client.get(flow.url(campaign, "/completion"), headers=manager)).json()
        assert body["ratees"] == 1
        # E020's two peers (below k = 3) are left out: only the self-assessment counts.
        assert body["totals"]["invited"] == 1
        assert body["withheld_groups"] == 1
        ratees = (
            await client.get(flow.url(campaign, "/completion/ratees"), headers=manager)
        ).json()
        assert [r["ratee_id"] for r in ratees] == [str(org.id("E020"))]
        assert set(ratees[0]) == {
            "ratee_id",
            "name",
            "org_unit_id",
            "manager_id",
            "withheld_groups",
            "counts",
            "by_relationship",
        }
        raters = await client.get(flow.url(campaign, "/completion/raters"), headers=manager)
        assert raters.status_code == 403


class TestRaters:
    async def test_hr_sees_each_raters_workload(self, client, flow, hr, org):
        campaign = await two_teams(flow)
        raters = (await client.get(flow.url(campaign, "/completion/raters"), headers=hr)).json()
        by_rater = {org.key(r["rater_employee_id"]): r["counts"] for r in raters}
        assert by_rater["E011"]["submitted"] == 1
        assert by_rater["E012"]["declined"] == 1
        assert by_rater["E010"]["pending"] == 1  # their self-assessment


class TestOverdue:
    async def test_nothing_is_overdue_before_the_due_date(self, client, flow, hr):
        campaign = await two_teams(flow)
        assert (await client.get(flow.url(campaign, "/overdue"), headers=hr)).json() == []

    async def test_unfinished_invitations_are_overdue_after_it(self, client, flow, hr, org, as_):
        campaign = await two_teams(flow)
        flow.clock.set(flow.clock.now() + timedelta(days=16))
        overdue = (await client.get(flow.url(campaign, "/overdue"), headers=hr)).json()
        assert sorted(org.key(o["rater_employee_id"]) for o in overdue) == ["E010", "E020"]
        assert {o["relationship"] for o in overdue} == {"self"}
        forbidden = await client.get(
            flow.url(campaign, "/overdue"), headers=as_("E002", Role.MANAGER)
        )
        assert forbidden.status_code == 403


class TestBelowK:
    """Below k, no count: a ratee's anonymous group with fewer than k answers shows no
    count in any completion view but HR's, and is left out of every total."""

    async def test_a_managers_views_hide_a_group_below_k(self, client, flow, as_, org):
        campaign = await two_teams(flow)  # E010: 1 of 2 peers answered (one declined)
        manager = as_("E002", Role.MANAGER)
        [ratee] = (
            await client.get(flow.url(campaign, "/completion/ratees"), headers=manager)
        ).json()
        peers = next(r for r in ratee["by_relationship"] if r["relationship"] == "peer")
        assert peers == {"relationship": "peer", "counts": None, "withheld": True}
        assert ratee["withheld_groups"] == 1
        assert (ratee["counts"]["invited"], ratee["counts"]["submitted"]) == (1, 0)
        body = (await client.get(flow.url(campaign, "/completion"), headers=manager)).json()
        assert [r["relationship"] for r in body["by_relationship"]] == ["self"]
        assert body["totals"]["submitted"] == 0
        units = {d["org_unit_id"]: d["counts"] for d in body["by_department"]}
        assert units[str(org.unit("U-SALES"))]["invited"] == 1

    async def test_an_integration_sees_the_same_policy(self, client, flow, integration):
        campaign = await two_teams(flow)
        body = (await client.get(flow.url(campaign, "/completion"), headers=integration)).json()
        assert body["withheld_groups"] == 2
        assert body["totals"]["invited"] == 2  # the two self-assessments
        ratees = (
            await client.get(flow.url(campaign, "/completion/ratees"), headers=integration)
        ).json()
        for ratee in ratees:
            peers = next(r for r in ratee["by_relationship"] if r["relationship"] == "peer")
            assert (peers["counts"], peers["withheld"]) == (None, True)

    async def test_a_group_reaching_k_shows_its_counts(self, client, flow, as_):
        campaign = await flow.campaign(
            ["E010"],
            relationships=[{"relationship": "peer", "min_raters": 0, "max_raters": 5}],
        )
        for peer in ("E011", "E012", "E013"):
            await flow.nominate(
                campaign, "E010", relationship="peer", rater_employee_id=str(flow.org.id(peer))
            )
        await flow.open(campaign)
        for invitation in await flow.invitations(campaign):
            await flow.answer(invitation)
        manager = as_("E002", Role.MANAGER)
        [ratee] = (
            await client.get(flow.url(campaign, "/completion/ratees"), headers=manager)
        ).json()
        [peers] = ratee["by_relationship"]
        assert (peers["withheld"], peers["counts"]["submitted"]) == (False, 3)
