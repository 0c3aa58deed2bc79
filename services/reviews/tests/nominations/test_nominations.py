"""Nominations: suggested from the reporting lines, adjusted by the ratee or their
manager, decided by the manager or HR, within the campaign's limits."""

from sqlmodel import select

from strata_contracts.identity import Role
from strata_reviews.invitations.models import Invitation
from strata_reviews.nominations.models import Nomination

PEER_RULES = [
    {"relationship": "self", "min_raters": 0, "max_raters": 1},
    {"relationship": "supervisor", "min_raters": 0, "max_raters": 1},
    {"relationship": "peer", "min_raters": 4, "max_raters": 5},
    {"relationship": "direct_report", "min_raters": 0, "max_raters": 10},
    {"relationship": "customer", "min_raters": 0, "max_raters": 2},
]


def keyed(org, nominations):
    return {(n["relationship"], org.key(n["rater_employee_id"])) for n in nominations}


class TestSuggestions:
    async def test_an_employee_cannot_suggest_for_a_colleague(self, client, flow, as_, db_session):
        campaign = await flow.campaign(["E010", "E011"])
        response = await client.post(
            flow.url(campaign, f"/ratees/{flow.org.id('E011')}/nominations/suggestions"),
            headers=as_("E010"),
        )
        assert response.status_code == 403
        assert (await db_session.exec(select(Nomination))).all() == []

    async def test_a_ratee_gets_supervisor_and_peers_of_the_same_manager(
        self, client, flow, as_, org
    ):
        campaign = await flow.campaign(["E010"])
        response = await client.post(
            flow.url(campaign, f"/ratees/{org.id('E010')}/nominations/suggestions"),
            headers=as_("E010"),
        )
        assert response.status_code == 200, response.text
        assert keyed(org, response.json()["created"]) == {
            ("supervisor", "E002"),
            *{("peer", k) for k in ("E011", "E012", "E013", "E014", "E015")},
        }

    async def test_peers_below_the_minimum_are_topped_up_from_the_unit(self, flow, org):
        campaign = await flow.campaign(["E020"], relationships=PEER_RULES)
        created = await flow.suggest(campaign)
        assert keyed(org, created) == {
            ("supervisor", "E003"),
            ("peer", "E021"),
            ("peer", "E022"),
            ("peer", "E023"),
            ("peer", "E034"),  # the first unit colleague by name, to reach four
            *{("direct_report", k) for k in ("E030", "E031", "E032", "E033")},
        }

    async def test_suggesting_again_adds_nothing(self, flow):
        campaign = await flow.campaign(["E010"])
        assert len(await flow.suggest(campaign)) == 6
        assert await flow.suggest(campaign) == []

    async def test_goals_unreachable_is_503_and_stores_nothing(
        self, flow, client, hr, goals, db_session
    ):
        campaign = await flow.campaign(["E010"])
        goals.down = True
        response = await client.post(flow.url(campaign, "/nominations/suggestions"), headers=hr)
        assert response.status_code == 503
        assert (await db_session.exec(select(Nomination))).all() == []


class TestAdding:
    async def test_a_ratee_proposes_peers_but_not_a_supervisor(self, flow, as_, org):
        campaign = await flow.campaign(["E010"])
        peer = await flow.nominate(
            campaign,
            "E010",
            as_("E010"),
            relationship="peer",
            rater_employee_id=str(org.id("E011")),
        )
        assert peer.status_code == 201, peer.text
        assert (peer.json()["status"], peer.json()["source"]) == ("proposed", "ratee")
        boss = await flow.nominate(
            campaign,
            "E010",
            as_("E010"),
            relationship="supervisor",
            rater_employee_id=str(org.id("E001")),
        )
        assert boss.status_code == 403

    async def test_another_teams_manager_cannot_nominate(self, flow, as_, org):
        campaign = await flow.campaign(["E010"])
        response = await flow.nominate(
            campaign,
            "E010",
            as_("E003", Role.MANAGER),
            relationship="peer",
            rater_employee_id=str(org.id("E011")),
        )
        assert response.status_code == 403

    async def test_the_manager_adds_a_customer_approved_at_once(self, flow, as_):
        campaign = await flow.campaign(["E010"])
        response = await flow.nominate(
            campaign,
            "E010",
            as_("E002", Role.MANAGER),
            relationship="customer",
            external_name="Nordwerk GmbH",
            external_email="Buyer@Nordwerk.example",
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["status"], body["source"], body["external_email"]) == (
            "approved",
            "manager",
            "buyer@nordwerk.example",
        )

    async def test_limits_and_duplicates_are_enforced(self, flow, org, db_session):
        campaign = await flow.campaign(["E010"], relationships=PEER_RULES)
        for name in ("Alpha", "Beta"):
            assert (await flow.customer(campaign, "E010", name))["status"] == "approved"
        third = await flow.nominate(
            campaign,
            "E010",
            relationship="customer",
            external_name="C",
            external_email="c@c.example",
        )
        assert third.status_code == 409
        assert third.json()["type"].endswith("nomination-limit")
        peer = {"relationship": "peer", "rater_employee_id": str(org.id("E011"))}
        assert (await flow.nominate(campaign, "E010", **peer)).status_code == 201
        again = await flow.nominate(
            campaign, "E010", relationship="direct_report", rater_employee_id=str(org.id("E011"))
        )
        assert again.status_code == 409
        assert again.json()["type"].endswith("nomination-exists")
        assert len((await db_session.exec(select(Nomination))).all()) == 3

    async def test_malformed_nominations_are_422_naming_the_fields(self, flow, org, db_session):
        campaign = await flow.campaign(
            ["E010"], relationships=[{"relationship": "peer", "min_raters": 0, "max_raters": 3}]
        )
        cases = [
            ({"relationship": "peer"}, "/body/rater_employee_id"),
            (
                {"relationship": "peer", "rater_employee_id": str(org.id("E010"))},
                "/body/rater_employee_id",
            ),
            (
                {"relationship": "direct_report", "rater_employee_id": str(org.id("E011"))},
                "/body/relationship",
            ),
            (
                {"relationship": "self", "rater_employee_id": str(org.id("E010"))},
                "/body/relationship",
            ),
            (
                {
                    "relationship": "peer",
                    "rater_employee_id": "3f0e1c9e-0000-4000-8000-000000000000",
                },
                "/body/rater_employee_id",
            ),
        ]
        for body, pointer in cases:
            response = await flow.nominate(campaign, "E010", **body)
            assert response.status_code == 422, body
            assert pointer in {e["pointer"] for e in response.json()["errors"]}, body
        customer = await flow.nominate(campaign, "E010", relationship="customer", external_name="X")
        assert customer.status_code == 422
        assert (await db_session.exec(select(Nomination))).all() == []


class TestDecisions:
    async def test_the_ratee_cannot_approve_their_own_raters(self, flow, client, as_, org):
        campaign = await flow.campaign(["E010"])
        created = await flow.suggest(campaign)
        response = await client.post(
            flow.url(campaign, f"/nominations/{created[0]['id']}/decision"),
            json={"decision": "approve"},
            headers=as_("E010", Role.MANAGER),
        )
        assert response.status_code == 403

    async def test_a_rejection_needs_a_reason_and_decides_once(self, flow, client, as_):
        campaign = await flow.campaign(["E010"])
        nomination = (await flow.suggest(campaign))[1]
        url = flow.url(campaign, f"/nominations/{nomination['id']}/decision")
        manager = as_("E002", Role.MANAGER)
        bare = await client.post(url, json={"decision": "reject"}, headers=manager)
        assert bare.status_code == 422
        assert bare.json()["errors"][0]["pointer"] == "/body/reason"
        rejected = await client.post(
            url, json={"decision": "reject", "reason": "Works on another site"}, headers=manager
        )
        assert rejected.status_code == 200
        assert (rejected.json()["status"], rejected.json()["decision_reason"]) == (
            "rejected",
            "Works on another site",
        )
        again = await client.post(url, json={"decision": "approve"}, headers=manager)
        assert again.status_code == 409

    async def test_approving_in_an_open_campaign_invites_at_once(
        self, flow, client, as_, org, db_session
    ):
        campaign = await flow.staffed("E010", peers=("E011",))
        proposed = await flow.nominate(
            campaign,
            "E010",
            as_("E010"),
            relationship="peer",
            rater_employee_id=str(org.id("E012")),
        )
        assert proposed.json()["status"] == "proposed"
        before = len((await db_session.exec(select(Invitation))).all())
        response = await client.post(
            flow.url(campaign, f"/nominations/{proposed.json()['id']}/decision"),
            json={"decision": "approve"},
            headers=as_("E002", Role.MANAGER),
        )
        assert response.status_code == 200
        invitations = (await db_session.exec(select(Invitation))).all()
        assert len(invitations) == before + 1
        assert org.id("E012") in {i.rater_employee_id for i in invitations}


class TestRemoving:
    async def test_a_ratee_withdraws_only_undecided_nominations(self, flow, client, as_, org):
        campaign = await flow.campaign(["E010"])
        proposed = await flow.nominate(
            campaign,
            "E010",
            as_("E010"),
            relationship="peer",
            rater_employee_id=str(org.id("E011")),
        )
        approved = await flow.nominate(
            campaign, "E010", relationship="peer", rater_employee_id=str(org.id("E012"))
        )
        url = flow.url(campaign, "/nominations/{}")
        refused = await client.delete(url.format(approved.json()["id"]), headers=as_("E010"))
        assert refused.status_code == 403
        removed = await client.delete(url.format(proposed.json()["id"]), headers=as_("E010"))
        assert removed.status_code == 204
        left = await flow.nominations(campaign, "E010")
        assert [n["id"] for n in left] == [approved.json()["id"]]

    async def test_an_invited_rater_cannot_be_removed(self, flow, client, hr):
        campaign = await flow.staffed("E010", peers=("E011",))
        nomination = (await flow.nominations(campaign, "E010"))[0]
        response = await client.delete(
            flow.url(campaign, f"/nominations/{nomination['id']}"), headers=hr
        )
        assert response.status_code == 409

    async def test_a_colleague_cannot_see_someone_elses_nominations(self, flow, client, as_, org):
        campaign = await flow.campaign(["E010"])
        await flow.suggest(campaign)
        url = flow.url(campaign, f"/ratees/{org.id('E010')}/nominations")
        assert (await client.get(url, headers=as_("E011"))).status_code == 403
        assert (await client.get(url, headers=as_("E010"))).status_code == 200
        assert (await client.get(url, headers=as_("E002", Role.MANAGER))).status_code == 200


class TestBulkSuggestions:
    async def test_a_manager_suggests_for_their_reports_only(self, flow, client, as_, org):
        campaign = await flow.campaign(["E010", "E011", "E020"])
        response = await client.post(
            flow.url(campaign, "/nominations/suggestions"), headers=as_("E002", Role.MANAGER)
        )
        assert response.status_code == 200, response.text
        assert {org.key(n["ratee_id"]) for n in response.json()["created"]} == {"E010", "E011"}
        nobody = await client.post(
            flow.url(campaign, "/nominations/suggestions"), headers=as_("E004", Role.MANAGER)
        )
        assert nobody.status_code == 403

    async def test_named_ratees_only(self, flow, client, org):
        campaign = await flow.campaign(["E010", "E020"])
        response = await client.post(
            flow.url(campaign, "/nominations/suggestions"),
            json={"ratee_ids": [str(org.id("E020"))]},
            headers=flow.hr,
        )
        assert {org.key(n["ratee_id"]) for n in response.json()["created"]} == {"E020"}

    async def test_nominations_freeze_once_closed(self, flow, org):
        campaign = await flow.staffed("E010", peers=("E011",))
        await flow.close(campaign)
        response = await flow.nominate(
            campaign, "E010", relationship="peer", rater_employee_id=str(org.id("E012"))
        )
        assert response.status_code == 409
        assert response.json()["type"].endswith("campaign-closed")
