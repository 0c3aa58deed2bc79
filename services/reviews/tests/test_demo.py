"""The demo: a finished half-year 360 for the worked example, loaded once."""

from strata_reviews import demo


async def test_the_demo_loads_a_closed_campaign_once(client, db_session, tenant_id, hr):
    assert await demo.load_demo(db_session, tenant_id) is True
    await db_session.commit()
    assert await demo.load_demo(db_session, tenant_id) is False

    campaigns = (await client.get("/api/v1/reviews/campaigns", headers=hr)).json()["items"]
    assert [(c["name"], c["status"]) for c in campaigns] == [(demo.CALENDAR.name, "closed")]
    campaign = campaigns[0]
    assert campaign["cycle_id"] == str(demo.demo_id(tenant_id, "cycle", demo.CALENDAR.key))

    def eid(key):
        return demo.demo_id(tenant_id, "employee", key)

    async def groups(key):
        url = f"/api/v1/reviews/campaigns/{campaign['id']}/results/{eid(key)}"
        response = await client.get(url, headers=hr)
        assert response.status_code == 200, response.text
        return {g["relationship"]: g for g in response.json()["groups"]}

    rep = await groups("E010")
    assert rep["peer"]["status"] == "shown"
    assert rep["customer"]["status"] == "shown"
    assert rep["peer"]["invited"] == 5
    assert rep["peer"]["responded"] == 4  # one declined
    # Two customers only: suppressed, as the worked example shows.
    assert (await groups("E012"))["customer"]["reason"] == "below_threshold"
    # Two of the lead's four direct reports never answered.
    lead = await groups("E021")
    # Suppressed: no response count either (below k, nothing at all).
    assert (
        lead["direct_report"]["invited"],
        lead["direct_report"]["responded"],
        lead["direct_report"]["status"],
    ) == (None, None, "suppressed")
    head = await groups("E002")
    assert head["direct_report"]["status"] == "shown"
    assert head["supervisor"]["responded"] == 1


async def test_demo_ids_follow_the_documented_convention(tenant_id):
    people = {e.external_id: e for e in demo.employees(tenant_id)}
    assert people["E010"].id == demo.demo_id(tenant_id, "employee", "E010")
    assert people["E010"].manager_id == people["E002"].id
    assert people["E010"].org_unit_id == demo.demo_id(tenant_id, "org-unit", "U-SALES")
    assert demo.employees(tenant_id) == demo.employees(tenant_id)


def test_the_campaign_is_the_half_year_before_the_load_day() -> None:
    from datetime import date

    assert demo.Calendar.before(date(2026, 11, 24)).key == "2026-H1"
    assert demo.Calendar.before(date(2027, 3, 2)).key == "2026-H2"
    assert demo.Calendar.before(date(2027, 3, 2)).ends_on == date(2026, 12, 31)
