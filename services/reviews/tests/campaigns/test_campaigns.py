"""Campaigns: set-up (scope from the organisation, rules, dates), opening, closing."""

import uuid
from datetime import timedelta

from sqlmodel import select

from strata_contracts.goals.vocabulary import CyclePhase, EmployeeStatus
from strata_contracts.identity import Role
from strata_reviews.campaigns.models import Campaign, CampaignRatee
from strata_reviews.models import AuditRecord, OutboxEvent

BASE = "/api/v1/reviews/campaigns"


def body(flow, template, **overrides):
    start = flow.clock.now()
    return {
        "name": "H1 360",
        "cycle_id": flow.cycle(),
        "template_id": template["id"],
        "scope": {"kind": "employees", "employee_ids": [str(flow.org.id("E010"))]},
        "opens_at": (start + timedelta(days=1)).isoformat(),
        "closes_at": (start + timedelta(days=20)).isoformat(),
        **overrides,
    }


class TestCreate:
    async def test_a_manager_cannot_create_a_campaign(self, client, flow, as_, db_session):
        template = await flow.template()
        response = await client.post(
            BASE, json=body(flow, template), headers=as_("E002", Role.MANAGER)
        )
        assert response.status_code == 403
        assert (await db_session.exec(select(Campaign))).all() == []

    async def test_defaults_follow_the_worked_example(self, client, flow, hr, org, db_session):
        template = await flow.template()
        response = await client.post(BASE, json=body(flow, template), headers=hr)
        assert response.status_code == 201, response.text
        campaign = response.json()
        assert campaign["status"] == "draft"
        assert campaign["anonymity_threshold"] == 3
        assert campaign["name_supervisor"] is False
        assert campaign["due_at"] == campaign["closes_at"]
        assert campaign["template_version"] == 1
        assert [
            (r["relationship"], r["min_raters"], r["max_raters"]) for r in campaign["relationships"]
        ] == [
            ("self", 0, 1),
            ("supervisor", 0, 1),
            ("peer", 3, 5),
            ("direct_report", 0, 10),
            ("customer", 0, 5),
        ]
        ratee = (await db_session.exec(select(CampaignRatee))).one()
        assert (ratee.employee_id, ratee.manager_id, ratee.org_unit_id, ratee.name) == (
            org.id("E010"),
            org.id("E002"),
            org.unit("U-SALES"),
            "Lena Fischer",
        )
        audit = (await db_session.exec(select(AuditRecord))).all()
        assert ("campaign", "created") in {(a.entity_type, a.action) for a in audit}

    async def test_a_unit_scope_takes_the_units_active_people(
        self, client, flow, hr, org, goals, tenant_id, db_session
    ):
        goals.employee(
            tenant_id,
            name="Gone Person",
            org_unit_id=org.unit("U-SALES"),
            status=EmployeeStatus.TERMINATED,
        )
        template = await flow.template()
        scope = {"kind": "org_unit", "org_unit_id": str(org.unit("U-SALES"))}
        response = await client.post(BASE, json=body(flow, template, scope=scope), headers=hr)
        assert response.status_code == 201, response.text
        ratees = {r.employee_id for r in (await db_session.exec(select(CampaignRatee))).all()}
        assert ratees == {
            org.id(k) for k in ("E002", "E010", "E011", "E012", "E013", "E014", "E015")
        }

    async def test_an_all_scope_takes_everyone_active(self, client, flow, hr, org, db_session):
        template = await flow.template()
        response = await client.post(
            BASE, json=body(flow, template, scope={"kind": "all"}), headers=hr
        )
        assert response.status_code == 201, response.text
        assert len((await db_session.exec(select(CampaignRatee))).all()) == len(org.people)

    async def test_bad_dates_rules_and_scope_are_422_naming_the_fields(
        self, client, flow, hr, db_session
    ):
        template = await flow.template()
        start = flow.clock.now()
        bad = body(
            flow,
            template,
            closes_at=start.isoformat(),
            relationships=[
                {"relationship": "peer", "min_raters": 4, "max_raters": 3},
                {"relationship": "peer", "min_raters": 0, "max_raters": 3},
                {"relationship": "supervisor", "min_raters": 0, "max_raters": 2},
            ],
            scope={"kind": "employees"},
        )
        response = await client.post(BASE, json=bad, headers=hr)
        assert response.status_code == 422
        pointers = {e["pointer"] for e in response.json()["errors"]}
        assert pointers == {
            "/body/closes_at",
            "/body/relationships/0/min_raters",
            "/body/relationships/1/relationship",
            "/body/relationships/2/max_raters",
            "/body/scope/employee_ids",
        }
        assert (await db_session.exec(select(Campaign))).all() == []

    async def test_a_threshold_below_three_is_refused(self, client, flow, hr, db_session):
        """In a shown group of two, each rater could compute the other's answers."""
        template = await flow.template()
        for k in (1, 2):
            response = await client.post(
                BASE, json=body(flow, template, anonymity_threshold=k), headers=hr
            )
            assert response.status_code == 422
            assert response.json()["errors"][0]["pointer"] == "/body/anonymity_threshold"
        assert (await db_session.exec(select(Campaign))).all() == []

    async def test_a_threshold_cannot_be_lowered_below_three_later(self, client, flow, hr):
        template = await flow.template()
        campaign = (await client.post(BASE, json=body(flow, template), headers=hr)).json()
        response = await client.patch(
            f"{BASE}/{campaign['id']}", json={"anonymity_threshold": 2}, headers=hr
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/anonymity_threshold"
        stored = await client.get(f"{BASE}/{campaign['id']}", headers=hr)
        assert stored.json()["anonymity_threshold"] == 3

    async def test_an_unknown_employee_in_the_scope_is_named(
        self, client, flow, hr, org, db_session
    ):
        template = await flow.template()
        scope = {"kind": "employees", "employee_ids": [str(org.id("E010")), str(uuid.uuid4())]}
        response = await client.post(BASE, json=body(flow, template, scope=scope), headers=hr)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/scope/employee_ids/1"
        assert (await db_session.exec(select(Campaign))).all() == []

    async def test_the_cycle_must_exist_and_be_open(self, client, flow, hr, db_session):
        template = await flow.template()
        for cycle, code in (
            (str(uuid.uuid4()), "unknown"),
            (flow.cycle(CyclePhase.CLOSED), "closed"),
        ):
            response = await client.post(
                BASE, json=body(flow, template, cycle_id=cycle), headers=hr
            )
            assert response.status_code == 422
            error = response.json()["errors"][0]
            assert (error["pointer"], error["code"]) == ("/body/cycle_id", code)
        assert (await db_session.exec(select(Campaign))).all() == []

    async def test_an_unknown_template_is_422(self, client, flow, hr):
        template = {"id": str(uuid.uuid4())}
        response = await client.post(BASE, json=body(flow, template), headers=hr)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/template_id"

    async def test_goals_unreachable_is_503_and_stores_nothing(
        self, client, flow, hr, goals, db_session
    ):
        template = await flow.template()
        goals.down = True
        response = await client.post(BASE, json=body(flow, template), headers=hr)
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert (await db_session.exec(select(Campaign))).all() == []

    async def test_goals_refusing_the_caller_is_403(self, client, flow, hr, goals):
        template = await flow.template()
        goals.status = 403
        response = await client.post(BASE, json=body(flow, template), headers=hr)
        assert response.status_code == 403


class TestVersionKept:
    async def test_a_running_campaign_keeps_its_template_version(self, client, flow, hr, as_):
        template = await flow.template()
        campaign = await flow.staffed("E010", peers=("E011",), template=template)
        definition = (
            await client.get("/api/v1/reviews/templates/default-definition", headers=hr)
        ).json()
        definition["competencies"] = definition["competencies"][:1]
        response = await client.post(
            f"/api/v1/reviews/templates/{template['id']}/versions",
            json={"definition": definition},
            headers=hr,
        )
        assert response.status_code == 201
        read = (await client.get(f"{BASE}/{campaign['id']}", headers=hr)).json()
        assert read["template_version"] == 1
        peer = (await flow.of(campaign, "peer"))[0]
        form = await flow.form(peer)
        assert len(form["competencies"]) == 4


class TestOpen:
    async def test_undecided_nominations_block_opening(self, client, flow, hr, db_session):
        campaign = await flow.campaign(["E010"])
        await flow.suggest(campaign)
        response = await client.post(f"{BASE}/{campaign['id']}/open", headers=hr)
        assert response.status_code == 409
        assert len(response.json()["pending_nominations"]) == 6
        assert (await db_session.exec(select(Campaign))).one().status == "draft"

    async def test_a_ratee_below_a_minimum_blocks_opening(self, client, flow, hr, org):
        campaign = await flow.campaign(["E010"])
        response = await flow.nominate(
            campaign, "E010", relationship="peer", rater_employee_id=str(org.id("E011"))
        )
        assert response.status_code == 201
        response = await client.post(f"{BASE}/{campaign['id']}/open", headers=hr)
        assert response.status_code == 409
        assert response.json()["shortfalls"] == [
            {
                "ratee_id": str(org.id("E010")),
                "relationship": "peer",
                "approved": 1,
                "min_raters": 3,
            }
        ]

    async def test_opening_invites_and_announces(self, client, flow, hr, db_session):
        campaign = await flow.staffed("E010", supervisor="E002", peers=("E011", "E012"))
        assert campaign["status"] == "open"
        assert campaign["opened_at"] is not None
        invitations = await flow.invitations(campaign)
        assert sorted(i["relationship"] for i in invitations) == [
            "peer",
            "peer",
            "self",
            "supervisor",
        ]
        types = [e.type for e in (await db_session.exec(select(OutboxEvent))).all()]
        assert types.count("reviews.campaign.opened") == 1
        assert types.count("reviews.invitation.created") == 4
        again = await client.post(f"{BASE}/{campaign['id']}/open", headers=hr)
        assert again.status_code == 409

    async def test_an_open_campaign_changes_only_name_and_dates(self, client, flow, hr):
        campaign = await flow.staffed("E010", peers=("E011",))
        frozen = await client.patch(
            f"{BASE}/{campaign['id']}", json={"anonymity_threshold": 4, "name": "x"}, headers=hr
        )
        assert frozen.status_code == 409
        assert [e["pointer"] for e in frozen.json()["errors"]] == ["/body/anonymity_threshold"]
        earlier = await client.patch(
            f"{BASE}/{campaign['id']}",
            json={"closes_at": (flow.clock.now() + timedelta(days=2)).isoformat()},
            headers=hr,
        )
        assert earlier.status_code == 422
        later = (flow.clock.now() + timedelta(days=40)).isoformat()
        extended = await client.patch(
            f"{BASE}/{campaign['id']}", json={"closes_at": later}, headers=hr
        )
        assert extended.status_code == 200, extended.text
        assert extended.json()["closes_at"].startswith(later[:19])
        assert extended.json()["anonymity_threshold"] == 3


class TestClose:
    async def test_closing_freezes_and_announces_results(self, client, flow, hr, db_session):
        campaign = await flow.staffed("E010", peers=("E011",))
        closed = await flow.close(campaign)
        assert closed["status"] == "closed"
        types = [e.type for e in (await db_session.exec(select(OutboxEvent))).all()]
        assert types.count("reviews.campaign.closed") == 1
        assert types.count("reviews.results.ready") == 1
        assert (await client.post(f"{BASE}/{campaign['id']}/close", headers=hr)).status_code == 409
        frozen = await client.patch(f"{BASE}/{campaign['id']}", json={"name": "x"}, headers=hr)
        assert frozen.status_code == 409

    async def test_the_close_event_names_the_campaign(self, flow, db_session):
        """Subscribers (analytics' reports) show the name, not the id."""
        campaign = await flow.staffed("E010", peers=("E011",))
        await flow.close(campaign)
        closed = (
            await db_session.exec(
                select(OutboxEvent).where(OutboxEvent.type == "reviews.campaign.closed")
            )
        ).one()
        assert closed.data["name"] == campaign["name"]
        assert closed.data["campaign_id"] == campaign["id"]

    async def test_a_draft_cannot_close(self, client, flow, hr):
        campaign = await flow.campaign(["E010"])
        assert (await client.post(f"{BASE}/{campaign['id']}/close", headers=hr)).status_code == 409


class TestReading:
    async def test_another_tenants_campaign_is_404(self, client, flow, identity_headers):
        campaign = await flow.campaign(["E010"])
        other = identity_headers(Role.HR, tenant=uuid.uuid4())
        assert (await client.get(f"{BASE}/{campaign['id']}", headers=other)).status_code == 404
        assert (
            await client.post(f"{BASE}/{campaign['id']}/open", headers=other)
        ).status_code == 404

    async def test_campaigns_list_by_cycle(self, client, flow, hr):
        cycle = flow.cycle()
        mine = await flow.campaign(["E010"], cycle_id=cycle)
        await flow.campaign(["E011"])
        listed = (await client.get(BASE, params={"cycle_id": cycle}, headers=hr)).json()
        assert [c["id"] for c in listed["items"]] == [mine["id"]]

    async def test_ratees_are_visible_to_hr_their_manager_and_themselves(
        self, client, flow, hr, as_, org
    ):
        campaign = await flow.campaign(["E010", "E011", "E020"])
        url = f"{BASE}/{campaign['id']}/ratees"

        async def seen(headers):
            items = (await client.get(url, headers=headers)).json()["items"]
            return {org.key(r["employee_id"]) for r in items}

        assert await seen(hr) == {"E010", "E011", "E020"}
        assert await seen(as_("E002", Role.MANAGER)) == {"E010", "E011"}
        assert await seen(as_("E010")) == {"E010"}


class TestRatees:
    async def test_ratees_are_added_and_removed_while_draft(
        self, client, flow, hr, org, db_session
    ):
        campaign = await flow.campaign(["E010"])
        url = f"{BASE}/{campaign['id']}/ratees"
        added = await client.post(
            url, json={"employee_ids": [str(org.id("E010")), str(org.id("E011"))]}, headers=hr
        )
        assert added.status_code == 201, added.text
        assert [r["employee_id"] for r in added.json()] == [str(org.id("E011"))]
        await flow.nominate(
            campaign, "E011", relationship="peer", rater_employee_id=str(org.id("E012"))
        )
        removed = await client.delete(f"{url}/{org.id('E011')}", headers=hr)
        assert removed.status_code == 204
        ratees = (await db_session.exec(select(CampaignRatee))).all()
        assert [r.employee_id for r in ratees] == [org.id("E010")]

    async def test_an_open_campaigns_ratees_are_fixed(self, client, flow, hr, org):
        campaign = await flow.staffed("E010", peers=("E011",))
        url = f"{BASE}/{campaign['id']}/ratees"
        response = await client.post(url, json={"employee_ids": [str(org.id("E012"))]}, headers=hr)
        assert response.status_code == 409


class TestDraftChanges:
    async def test_a_draft_moves_to_a_newer_template_version(self, client, flow, hr):
        template = await flow.template()
        campaign = await flow.campaign(["E010"], template=template)
        definition = (
            await client.get("/api/v1/reviews/templates/default-definition", headers=hr)
        ).json()
        await client.post(
            f"/api/v1/reviews/templates/{template['id']}/versions",
            json={"definition": definition},
            headers=hr,
        )
        moved = await client.patch(
            f"{BASE}/{campaign['id']}", json={"template_version": 2}, headers=hr
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["template_version"] == 2
        missing = await client.patch(
            f"{BASE}/{campaign['id']}", json={"template_version": 9}, headers=hr
        )
        assert missing.status_code == 422
        assert missing.json()["errors"][0]["pointer"] == "/body/template_version"

    async def test_rules_cannot_drop_or_undercut_what_is_nominated(self, client, flow, hr, org):
        campaign = await flow.campaign(["E010"])
        for key in ("E011", "E012"):
            await flow.nominate(
                campaign, "E010", relationship="peer", rater_employee_id=str(org.id(key))
            )
        await flow.customer(campaign, "E010", "Nordwerk")
        rules = [
            {"relationship": "peer", "min_raters": 0, "max_raters": 1},
            {"relationship": "self", "min_raters": 0, "max_raters": 1},
        ]
        response = await client.patch(
            f"{BASE}/{campaign['id']}", json={"relationships": rules}, headers=hr
        )
        assert response.status_code == 422
        assert {(e["pointer"], e["code"]) for e in response.json()["errors"]} == {
            ("/body/relationships/0/max_raters", "below_nominated"),
            ("/body/relationships", "in_use"),
        }
        unchanged = (await client.get(f"{BASE}/{campaign['id']}", headers=hr)).json()
        assert len(unchanged["relationships"]) == 5

    async def test_a_due_date_outside_the_window_is_422(self, client, flow, hr):
        campaign = await flow.campaign(["E010"])
        late = (flow.clock.now() + timedelta(days=60)).isoformat()
        response = await client.patch(f"{BASE}/{campaign['id']}", json={"due_at": late}, headers=hr)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/due_at"

    async def test_a_campaign_without_ratees_or_past_its_close_does_not_open(
        self, client, flow, hr, org
    ):
        campaign = await flow.campaign(["E010"])
        await client.delete(f"{BASE}/{campaign['id']}/ratees/{org.id('E010')}", headers=hr)
        empty = await client.post(f"{BASE}/{campaign['id']}/open", headers=hr)
        assert (empty.status_code, empty.json()["detail"]) == (409, "The campaign reviews nobody.")
        other = await flow.campaign(["E011"])
        flow.clock.advance(days=30)
        late = await client.post(f"{BASE}/{other['id']}/open", headers=hr)
        assert late.status_code == 409
        assert late.json()["errors"][0]["pointer"] == "/body/closes_at"
