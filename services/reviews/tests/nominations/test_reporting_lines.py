"""Relationships are facts of the organisation: a nomination's relationship is checked
against the reporting lines; an HR override needs an audited reason and never turns a
group that would be suppressed into one that is shown. Nominations warn when a group
cannot reach k; a relationship's own threshold only raises the campaign's k."""

from typing import Any

from sqlmodel import select

from strata_contracts.identity import Role
from strata_reviews.models import AuditRecord
from strata_reviews.nominations.models import Nomination

SECRET = "Only-the-direct-report-wrote-this"
OPEN_RULES = [
    {"relationship": "self", "min_raters": 0, "max_raters": 1},
    {"relationship": "supervisor", "min_raters": 0, "max_raters": 1},
    {"relationship": "peer", "min_raters": 0, "max_raters": 10},
    {"relationship": "direct_report", "min_raters": 0, "max_raters": 10},
    {"relationship": "customer", "min_raters": 0, "max_raters": 5},
]


def pointers(response) -> list[str]:
    return [e["pointer"] for e in response.json()["errors"]]


async def nominate(flow, campaign, ratee, rater, relationship, headers=None, **extra: Any):
    return await flow.nominate(
        campaign,
        ratee,
        headers,
        relationship=relationship,
        rater_employee_id=str(flow.org.id(rater)),
        **extra,
    )


class TestReportingLines:
    async def test_hr_cannot_label_a_direct_report_as_supervisor(self, flow, db_session):
        """E010 reports to E002: as E002's "supervisor" their answers would be shown."""
        campaign = await flow.campaign(["E002"], relationships=OPEN_RULES)
        response = await nominate(flow, campaign, "E002", "E010", "supervisor")
        assert response.status_code == 422, response.text
        assert pointers(response) == ["/body/relationship"]
        assert response.json()["reporting_line"] == "direct_report"
        assert (await db_session.exec(select(Nomination))).all() == []

    async def test_a_peer_is_not_a_direct_report_nor_the_manager_a_peer(
        self, flow, as_, db_session
    ):
        campaign = await flow.campaign(["E010"], relationships=OPEN_RULES)
        mislabelled = await nominate(flow, campaign, "E010", "E011", "direct_report")
        assert mislabelled.status_code == 422
        assert mislabelled.json()["reporting_line"] == "peer"
        # The ratee cannot hide their manager among the peers either.
        boss = await nominate(flow, campaign, "E010", "E002", "peer", as_("E010"))
        assert boss.status_code == 422
        assert boss.json()["reporting_line"] == "supervisor"
        assert (await db_session.exec(select(Nomination))).all() == []

    async def test_only_hr_overrides(self, flow, as_, db_session):
        campaign = await flow.campaign(["E010"], relationships=OPEN_RULES)
        response = await nominate(
            flow,
            campaign,
            "E010",
            "E002",
            "peer",
            as_("E010"),
            override_reason="He works beside me on the Nordwerk account",
        )
        assert response.status_code == 403
        assert (await db_session.exec(select(Nomination))).all() == []

    async def test_matching_labels_pass_and_record_the_line(self, flow):
        campaign = await flow.campaign(["E002"], relationships=OPEN_RULES)
        boss = await nominate(flow, campaign, "E002", "E001", "supervisor")
        report = await nominate(flow, campaign, "E002", "E010", "direct_report")
        peer = await nominate(flow, campaign, "E002", "E003", "peer")
        for response, line in ((boss, "supervisor"), (report, "direct_report"), (peer, "peer")):
            assert response.status_code == 201, response.text
            body = response.json()
            assert (body["reporting_line"], body["counted_as"]) == (line, line)
            assert body["override_reason"] is None

    async def test_an_overridden_supervisor_counts_in_the_anonymous_group(
        self, client, flow, as_, db_session
    ):
        """HR may label E010 (a direct report) E002's supervisor with a reason, but E010 is
        invited and counted as a direct report: alone there, their answers stay hidden."""
        campaign = await flow.campaign(["E002"], relationships=OPEN_RULES)
        reason = "Dotted-line lead of the key-account project"
        response = await nominate(
            flow, campaign, "E002", "E010", "supervisor", override_reason=reason
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["relationship"], body["reporting_line"], body["counted_as"]) == (
            "supervisor",
            "direct_report",
            "direct_report",
        )
        assert body["override_reason"] == reason
        [record] = (
            await db_session.exec(
                select(AuditRecord).where(AuditRecord.entity_type == "nomination")
            )
        ).all()
        assert (record.action, record.reason) == ("added_against_reporting_line", reason)

        await flow.open(campaign)
        [invitation] = [i for i in await flow.invitations(campaign) if i["relationship"] != "self"]
        assert invitation["relationship"] == "direct_report"
        await flow.answer(invitation, rating=1, comment=SECRET)
        await flow.close(campaign)
        for headers in (as_("E002"), as_("E001", Role.MANAGER), flow.hr):
            results = (await flow.results(campaign, "E002", headers)).json()
            assert SECRET not in str(results)
            groups = {g["relationship"]: g for g in results["groups"]}
            assert groups["supervisor"]["named_raters"] == []
            assert (groups["supervisor"]["status"], groups["supervisor"]["reason"]) == (
                "suppressed",
                "no_responses",
            )
            assert (groups["direct_report"]["status"], groups["direct_report"]["reason"]) == (
                "suppressed",
                "below_threshold",
            )

    async def test_an_overridden_supervisor_needs_a_group_to_count_in(self, flow, db_session):
        rules = [r for r in OPEN_RULES if r["relationship"] != "direct_report"]
        campaign = await flow.campaign(["E002"], relationships=rules)
        response = await nominate(
            flow, campaign, "E002", "E010", "supervisor", override_reason="Project lead"
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/relationship"]
        assert (await db_session.exec(select(Nomination))).all() == []


class TestThresholdWarnings:
    async def test_a_group_that_cannot_reach_k_is_announced(self, flow):
        """One or two customers at most, k = 3: their feedback would vanish; say so."""
        rules = [*OPEN_RULES[:4], {"relationship": "customer", "min_raters": 0, "max_raters": 2}]
        campaign = await flow.campaign(["E010"], relationships=rules)
        body = await flow.customer(campaign, "E010", "Nordwerk GmbH")
        [warning] = body["warnings"]
        assert warning["code"] == "cannot_reach_threshold"
        assert (warning["relationship"], warning["nominated"], warning["threshold"]) == (
            "customer",
            1,
            3,
        )
        assert "never be shown" in warning["detail"]

    async def test_a_group_below_k_is_announced_until_it_reaches_k(self, flow):
        campaign = await flow.campaign(["E010"], relationships=OPEN_RULES)
        seen = []
        for peer in ("E011", "E012", "E013"):
            response = await nominate(flow, campaign, "E010", peer, "peer")
            assert response.status_code == 201, response.text
            seen.append([(w["code"], w["nominated"]) for w in response.json()["warnings"]])
        assert seen == [[("below_threshold", 1)], [("below_threshold", 2)], []]
        # Listing nominations carries no warnings (they belong to the nominating answer).
        listed = await flow.nominations(campaign, "E010")
        assert all(n["warnings"] == [] for n in listed)

    async def test_the_supervisor_draws_no_warning(self, flow):
        campaign = await flow.campaign(["E010"], relationships=OPEN_RULES)
        response = await nominate(flow, campaign, "E010", "E002", "supervisor")
        assert response.json()["warnings"] == []


class TestRelationshipThresholds:
    async def test_a_relationship_may_raise_k_but_never_lower_it(self, client, flow, db_session):
        rules = [
            {**r, "anonymity_threshold": 5} if r["relationship"] == "customer" else r
            for r in OPEN_RULES
        ]
        raised = await flow.campaign(["E010"], relationships=rules)
        customer = next(r for r in raised["relationships"] if r["relationship"] == "customer")
        assert customer["anonymity_threshold"] == 5
        template = await flow.template()
        body = {
            "name": "Low peers",
            "cycle_id": raised["cycle_id"],
            "template_id": template["id"],
            "scope": {"kind": "employees", "employee_ids": [str(flow.org.id("E010"))]},
            "opens_at": raised["opens_at"],
            "closes_at": raised["closes_at"],
            "anonymity_threshold": 4,
            "relationships": [
                {"relationship": "peer", "max_raters": 10, "anonymity_threshold": 3},
                {"relationship": "supervisor", "max_raters": 1, "anonymity_threshold": 4},
            ],
        }
        lowered = await client.post("/api/v1/reviews/campaigns", json=body, headers=flow.hr)
        assert lowered.status_code == 422
        assert pointers(lowered) == [
            "/body/relationships/0/anonymity_threshold",
            "/body/relationships/1/anonymity_threshold",
        ]
        codes = [e["code"] for e in lowered.json()["errors"]]
        assert codes == ["below_campaign_threshold", "not_anonymous"]
        # Raising the campaign's k above a group's own threshold would lower that group.
        patch = await client.patch(
            flow.url(raised), json={"anonymity_threshold": 6}, headers=flow.hr
        )
        assert patch.status_code == 422
        assert pointers(patch) == ["/body/anonymity_threshold"]

    async def test_results_honour_a_raised_threshold(self, flow, as_):
        """Peers need 4 here: three peer answers are suppressed, where k = 3 shows them."""
        rules = [
            {**r, "anonymity_threshold": 4} if r["relationship"] == "peer" else r
            for r in OPEN_RULES
        ]
        campaign = await flow.staffed(
            "E010", supervisor="E002", peers=("E011", "E012", "E013"), relationships=rules
        )
        for invitation in await flow.invitations(campaign):
            await flow.answer(invitation, rating=4, comment=f"{invitation['relationship']} note")
        await flow.close(campaign)
        results = (await flow.results(campaign, "E010", as_("E010"))).json()
        peers = next(g for g in results["groups"] if g["relationship"] == "peer")
        assert (peers["status"], peers["reason"], peers["responded"]) == (
            "suppressed",
            "below_threshold",
            None,
        )
        assert "peer note" not in str(results)
