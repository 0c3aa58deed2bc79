"""Anonymity, enforced by the API (acceptance, with k = 3).

A group of two customers is suppressed, scores and comments, in every view; differencing
views recovers nothing; changing a suppressed rater's answers changes no results
document; no results document a ratee can read contains another rater's id.
"""

from typing import Any

from strata_contracts.identity import Role

SECRET = "CUSTOMER-ONLY remark"


def walk(value: Any) -> list[str]:
    """Every string in a JSON document (keys and values)."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (str(k), *walk(v))]
    if isinstance(value, list):
        return [s for v in value for s in walk(v)]
    return [str(value)]


def total(stats: dict[str, Any] | None) -> tuple[int, int]:
    """(count, exact sum) of a stats block, from its distribution."""
    if stats is None:
        return 0, 0
    return stats["count"], sum(d["value"] * d["count"] for d in stats["distribution"])


async def sales_rep_campaign(flow, *, customer_rating: int = 1, **body: Any) -> dict[str, Any]:
    """E010 rated by self, supervisor E002, peers E011-E013 and two customers."""
    campaign = await flow.staffed(
        "E010",
        supervisor="E002",
        peers=("E011", "E012", "E013"),
        customers=("Nordwerk GmbH", "Kovac Metal"),
        **body,
    )
    for invitation in await flow.invitations(campaign):
        if invitation["relationship"] == "customer":
            await flow.answer(invitation, rating=customer_rating, comment=SECRET)
        elif invitation["relationship"] == "peer":
            await flow.answer(invitation, rating=4, comment="Peer remark")
        else:
            await flow.answer(invitation, rating=5, comment=f"{invitation['relationship']} remark")
    await flow.close(campaign)
    return campaign


async def views(client, flow, campaign, readers) -> list[dict[str, Any]]:
    """Every results view of E010 for every reader: the document and the listing."""
    out = []
    for headers in readers:
        response = await flow.results(campaign, "E010", headers)
        assert response.status_code == 200, response.text
        out.append(response.json())
        listing = await client.get(
            "/api/v1/reviews/results",
            params={"ratee_id": str(flow.org.id("E010"))},
            headers=headers,
        )
        assert listing.status_code == 200, listing.text
        out.append(listing.json())
    return out


class TestSuppression:
    async def test_a_group_of_two_is_suppressed_with_its_comments_in_every_view(
        self, client, flow, as_, hr, integration
    ):
        campaign = await sales_rep_campaign(flow)
        readers = [as_("E010"), as_("E002", Role.MANAGER), hr, integration]
        documents = await views(client, flow, campaign, readers)
        for document in documents:
            assert SECRET not in walk(document)
        results = documents[0]
        customers = next(g for g in results["groups"] if g["relationship"] == "customer")
        # Below k, nothing at all: not even how many were invited or answered.
        assert customers == {
            "relationship": "customer",
            "invited": None,
            "responded": None,
            "status": "suppressed",
            "reason": "below_threshold",
            "named_raters": [],
        }
        for competency in results["competencies"]:
            cells = [*competency["groups"], *(g for i in competency["items"] for g in i["groups"])]
            for cell in cells:
                if cell["relationship"] == "customer":
                    assert cell == {
                        "relationship": "customer",
                        "status": "suppressed",
                        "reason": "below_threshold",
                        "stats": None,
                    }
        for question in results["questions"]:
            group = next(g for g in question["groups"] if g["relationship"] == "customer")
            assert (group["status"], group["reason"], group["comments"]) == (
                "suppressed",
                "below_threshold",
                [],
            )

    async def test_a_suppressed_group_is_not_folded_into_others(self, flow, hr):
        campaign = await sales_rep_campaign(flow, customer_rating=1)
        results = (await flow.results(campaign, "E010", hr)).json()
        for competency in results["competencies"]:
            for item in competency["items"]:
                # Customers rated 1, everyone else 4 or 5: a 1 anywhere would be theirs.
                ones = next(
                    d["count"] for d in item["all_raters"]["distribution"] if d["value"] == 1
                )
                assert ones == 0
                relationships = {g["relationship"] for g in item["groups"]}
                assert "others" not in relationships

    async def test_shown_groups_keep_their_figures(self, flow, hr):
        campaign = await sales_rep_campaign(flow)
        results = (await flow.results(campaign, "E010", hr)).json()
        communication = results["competencies"][0]
        peers = next(g for g in communication["groups"] if g["relationship"] == "peer")
        assert peers["status"] == "shown"
        assert peers["stats"]["count"] == 3 * 3  # three peers, three items
        assert peers["stats"]["mean"] == "4.00"
        supervisor = next(g for g in communication["groups"] if g["relationship"] == "supervisor")
        assert supervisor["stats"]["mean"] == "5.00"
        assert communication["self_assessment"]["count"] == 3
        assert communication["all_raters"]["count"] == 9 + 3  # peers + supervisor, not self


class TestDifferencing:
    async def test_all_raters_minus_shown_groups_recovers_nothing(self, flow, hr):
        campaign = await sales_rep_campaign(flow, customer_rating=2)
        results = (await flow.results(campaign, "E010", hr)).json()
        blocks = [
            *results["competencies"],
            *(i for c in results["competencies"] for i in c["items"]),
        ]
        for block in blocks:
            all_count, all_sum = total(block["all_raters"])
            shown = [g for g in block["groups"] if g["status"] == "shown"]
            shown_count = sum(total(g["stats"])[0] for g in shown)
            shown_sum = sum(total(g["stats"])[1] for g in shown)
            # The attack: "everyone" minus the groups I can see leaves the hidden group.
            left_count, left_sum = all_count - shown_count, all_sum - shown_sum
            assert (left_count, left_sum) == (0, 0)

    async def test_competency_minus_items_recovers_nothing(self, flow, hr):
        campaign = await sales_rep_campaign(flow, customer_rating=2)
        results = (await flow.results(campaign, "E010", hr)).json()
        for competency in results["competencies"]:
            for group in competency["groups"]:
                cells = [
                    g
                    for i in competency["items"]
                    for g in i["groups"]
                    if g["relationship"] == group["relationship"]
                ]
                whole = total(group["stats"])
                parts = [total(c["stats"]) for c in cells]
                assert whole == (sum(p[0] for p in parts), sum(p[1] for p in parts))

    async def test_a_suppressed_raters_answers_change_no_document(
        self, client, flow, as_, hr, integration
    ):
        """Two campaigns identical but for the suppressed customers' answers: every
        results document of every reader is the same, so nothing can reveal them."""
        template = await flow.template()
        low = await sales_rep_campaign(flow, customer_rating=1, template=template)
        high = await sales_rep_campaign(flow, customer_rating=5, template=template)
        readers = [as_("E010"), as_("E002", Role.MANAGER), hr, integration]

        def neutral(document: dict[str, Any]) -> dict[str, Any]:
            items = document.get("items", [document])
            for d in items:
                for key in ("campaign_id", "campaign_name", "closed_at"):
                    d.pop(key, None)
            return document

        before = [neutral(d) for d in await views(client, flow, low, readers)]
        after = [neutral(d) for d in await views(client, flow, high, readers)]
        assert before == after


class TestItemThreshold:
    async def test_an_item_rated_by_fewer_than_k_of_a_shown_group_is_withheld(self, flow, hr):
        definition = (
            await flow.client.get("/api/v1/reviews/templates/default-definition", headers=hr)
        ).json()
        definition["competencies"][0]["items"][2]["required"] = False
        template = await flow.template(definition=definition)
        campaign = await flow.staffed("E010", peers=("E011", "E012", "E013"), template=template)
        optional_text = definition["competencies"][0]["items"][2]["text"]
        peers = await flow.of(campaign, "peer")
        for n, invitation in enumerate(peers):
            # Only the first peer rates the optional item, and rates it 1.
            await flow.answer(
                invitation,
                rating=lambda item, n=n: (
                    (1 if n == 0 else None) if item["text"] == optional_text else 4
                ),
            )
        await flow.close(campaign)
        results = (await flow.results(campaign, "E010", hr)).json()
        communication = results["competencies"][0]
        optional = next(i for i in communication["items"] if i["text"] == optional_text)
        cell = next(g for g in optional["groups"] if g["relationship"] == "peer")
        assert (cell["status"], cell["reason"], cell["stats"]) == (
            "suppressed",
            "item_below_threshold",
            None,
        )
        assert optional["all_raters"] is None
        peers_total = next(g for g in communication["groups"] if g["relationship"] == "peer")
        assert total(peers_total["stats"]) == (6, 24)  # the two shown items only, all 4s
        assert total(communication["all_raters"]) == (6, 24)


class TestComments:
    async def test_comments_carry_no_rater_and_are_sorted_by_text(self, flow, hr):
        campaign = await flow.staffed("E010", peers=("E011", "E012", "E013"))
        texts = ["zebra crossing", "apples", "middle ground"]
        for invitation, text in zip(await flow.of(campaign, "peer"), texts, strict=True):
            await flow.answer(invitation, comment=text)
        self_invitation = (await flow.of(campaign, "self"))[0]
        await flow.answer(self_invitation, comment="my own view")
        await flow.close(campaign)
        results = (await flow.results(campaign, "E010", hr)).json()
        question = results["questions"][0]
        peers = next(g for g in question["groups"] if g["relationship"] == "peer")
        assert peers["comments"] == sorted(texts)
        assert question["self_assessment"] == ["my own view"]
        assert set(peers) == {"relationship", "status", "reason", "comments"}


class TestNoRaterIdentity:
    async def test_no_results_document_names_another_rater(
        self, client, flow, org, as_, hr, integration
    ):
        """Every results endpoint, for the ratee, the manager, HR and an integration:
        no rater's id, e-mail or name appears (the supervisor is not named here)."""
        campaign = await flow.staffed(
            "E010",
            supervisor="E002",
            peers=("E011", "E012", "E013", "E014"),
            customers=("Nordwerk GmbH", "Kovac Metal", "Lis Hydraulics"),
        )
        invitations = await flow.invitations(campaign)
        for invitation in invitations:
            await flow.answer(invitation, rating=4, comment="Fine work")
        await flow.close(campaign)
        forbidden = set()
        for invitation in invitations:
            if invitation["relationship"] == "self":
                continue
            forbidden |= {invitation["id"]}
            if invitation["rater_employee_id"]:
                employee = org.people[org.key(invitation["rater_employee_id"])]
                forbidden |= {str(employee.id), employee.email, employee.name}
            else:
                forbidden |= {invitation["external_email"], invitation["external_name"]}
        readers = [as_("E010"), as_("E002", Role.MANAGER), hr, integration]
        for document in await views(client, flow, campaign, readers):
            strings = walk(document)
            leaked = forbidden.intersection(strings)
            assert not leaked, leaked

    async def test_a_named_supervisor_is_the_only_rater_shown(self, client, flow, org, as_):
        campaign = await flow.staffed(
            "E010", supervisor="E002", peers=("E011", "E012", "E013"), name_supervisor=True
        )
        for invitation in await flow.invitations(campaign):
            await flow.answer(invitation)
        await flow.close(campaign)
        results = (await flow.results(campaign, "E010", as_("E010"))).json()
        supervisor = next(g for g in results["groups"] if g["relationship"] == "supervisor")
        assert supervisor["named_raters"] == [{"employee_id": str(org.id("E002"))}]
        strings = walk(results)
        assert str(org.id("E002")) in strings
        assert not {str(org.id(k)) for k in ("E011", "E012", "E013")}.intersection(strings)
