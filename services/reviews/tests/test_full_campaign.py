"""Acceptance: a full campaign for the worked-example company, through the API.

Nominations suggested from the organisation (goals), adjusted and approved, answered by
internal raters and by customers through single-use links, closed, and the results read
by the ratee, the manager, HR and an integration.
"""

from sqlmodel import select

from strata_contracts.identity import Role
from strata_contracts.reviews import events
from strata_reviews.models import OutboxEvent


async def test_worked_example_campaign_end_to_end(
    client, flow, org, as_, hr, integration, clock, db_session, goals
):
    sales_rep, lead = "E010", "E020"
    campaign = await flow.campaign([sales_rep, lead])
    assert campaign["status"] == "draft"
    assert campaign["anonymity_threshold"] == 3

    # Suggestions from the reporting lines (goals is asked with HR's own token).
    suggested = await flow.suggest(campaign)
    by_ratee: dict[str, dict[str, set[str]]] = {}
    for n in suggested:
        by_ratee.setdefault(org.key(n["ratee_id"]), {}).setdefault(n["relationship"], set()).add(
            org.key(n["rater_employee_id"])
        )
    assert by_ratee[sales_rep] == {
        "supervisor": {"E002"},
        "peer": {"E011", "E012", "E013", "E014", "E015"},
    }
    assert by_ratee[lead] == {
        "supervisor": {"E003"},
        "peer": {"E021", "E022", "E023"},
        "direct_report": {"E030", "E031", "E032", "E033"},
    }
    assert all(n["status"] == "proposed" and n["source"] == "suggested" for n in suggested)
    assert goals.requests
    assert {r.headers["X-Strata-Identity"] for r in goals.requests} == {hr["X-Strata-Identity"]}

    # The sales rep names customers; their manager adds one more and approves the list.
    for name in ("Nordwerk GmbH", "Kovac Metal"):
        response = await flow.nominate(
            campaign,
            sales_rep,
            headers=as_(sales_rep),
            relationship="customer",
            external_name=name,
            external_email=f"buyer@{name.split()[0].lower()}.example",
        )
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "proposed"
    manager = as_("E002", Role.MANAGER)
    response = await flow.nominate(
        campaign,
        sales_rep,
        headers=manager,
        relationship="customer",
        external_name="Lis Hydraulics",
        external_email="buyer@lis.example",
    )
    assert response.json()["status"] == "approved"
    for nomination in await flow.nominations(campaign, sales_rep):
        if nomination["status"] == "proposed":
            decided = await client.post(
                flow.url(campaign, f"/nominations/{nomination['id']}/decision"),
                json={"decision": "approve"},
                headers=manager,
            )
            assert decided.status_code == 200, decided.text
    await flow.approve_all(campaign)  # HR approves the lead's

    opened = await flow.open(campaign)
    assert opened["status"] == "open"
    invitations = await flow.invitations(campaign)
    assert len(invitations) == 2 + (1 + 5 + 3) + (1 + 3 + 4)  # self x2, rep's, lead's

    # Everyone answers, except two of the lead's four direct reports.
    silent = {org.id("E032"), org.id("E033")}
    for n, invitation in enumerate(invitations):
        if invitation["rater_employee_id"] and invitation["rater_employee_id"] in map(str, silent):
            continue
        clock.advance(hours=1)
        await flow.answer(invitation, rating=3 + n % 3, comment=f"Comment number {n:02d}")

    closed = await flow.close(campaign)
    assert closed["status"] == "closed"

    # The results, as the ratee, the manager, HR and an integration: the same document.
    documents = []
    for headers in (as_(sales_rep), manager, hr, integration):
        response = await flow.results(campaign, sales_rep, headers)
        assert response.status_code == 200, response.text
        documents.append(response.json())
    assert all(d == documents[0] for d in documents)
    rep = documents[0]
    groups = {g["relationship"]: g for g in rep["groups"]}
    assert groups["supervisor"]["status"] == "shown"
    assert (groups["peer"]["responded"], groups["peer"]["status"]) == (5, "shown")
    assert (groups["customer"]["responded"], groups["customer"]["status"]) == (3, "shown")
    assert groups["direct_report"] == {
        "relationship": "direct_report",
        "invited": None,  # below k, no count (not even zero)
        "responded": None,
        "status": "suppressed",
        "reason": "no_responses",
        "named_raters": [],
    }
    assert [c["key"] for c in rep["competencies"]] == [
        "communication",
        "interpersonal_relations",
        "leadership",
        "administrative_ability",
    ]
    assert rep["competencies"][0]["self_assessment"]["count"] == 3

    lead_results = (await flow.results(campaign, lead, as_("E003", Role.MANAGER))).json()
    lead_groups = {g["relationship"]: g for g in lead_results["groups"]}
    assert lead_groups["direct_report"]["responded"] is None  # below k: no count
    assert lead_groups["direct_report"]["invited"] is None
    assert lead_groups["direct_report"]["status"] == "suppressed"
    assert lead_groups["direct_report"]["reason"] == "below_threshold"

    # Events: opened, one per self or supervisor submission (anonymous groups' are not
    # announced), closed, results ready per ratee.
    outbox = (await db_session.exec(select(OutboxEvent))).all()
    types = [e.type for e in outbox]
    assert types.count(events.CAMPAIGN_OPENED) == 1
    announced = [e.data["relationship"] for e in outbox if e.type == events.RESPONSE_SUBMITTED]
    assert announced
    assert set(announced) <= {"self", "supervisor"}
    assert types.count(events.CAMPAIGN_CLOSED) == 1
    assert types.count(events.RESULTS_READY) == 2
    assert types.count(events.INVITATION_CREATED) == len(invitations)
