"""The reports name the campaign and the cycle (issue 17, point 14), from the names the
events carry (`reviews.campaign.closed`, `goals.cycle.phase_changed`, a later
`goals.cycle.renamed`), through the event feed and the HTTP API; an event without a
name (from before the field existed) leaves the id shown."""

from strata_contracts.goals.vocabulary import CyclePhase
from strata_contracts.identity import Role

from .test_reports import Page, R, three_sixty


def meta(html: str) -> str:
    return next(p["text"] for p in Page(html).all("p") if p["attrs"].get("class") == "meta")


async def test_the_360_report_names_its_campaign_and_cycle(
    client, world, consumer, identity_headers
):
    world.phase(CyclePhase.ASSESSMENT, name="FY2026 <annual>")
    _, ratee, campaign = await three_sixty(world, consumer, name="Leadership 360 H1")
    response = await client.get(f"{R}/360/{ratee}/{campaign}", headers=identity_headers(Role.HR))
    assert response.status_code == 200, response.text
    text = meta(response.text)
    assert "Campaign Leadership 360 H1 of cycle FY2026 <annual>, closed" in text
    assert "FY2026 &lt;annual&gt;" in response.text  # escaped
    assert str(campaign) not in response.text
    assert str(world.cycle) not in response.text


async def test_a_renamed_cycle_shows_its_new_name(client, world, consumer, identity_headers):
    world.phase(CyclePhase.ASSESSMENT, name="FY2026")
    _, ratee, campaign = await three_sixty(world, consumer, name="Leadership 360 H1")
    world.rename_cycle("FY2026 (annual review)")
    await world.sync(consumer)
    hr = identity_headers(Role.HR)
    report = await client.get(f"{R}/360/{ratee}/{campaign}", headers=hr)
    assert "of cycle FY2026 (annual review), closed" in meta(report.text)
    distribution = await client.get(f"{R}/distribution?cycle_id={world.cycle}", headers=hr)
    assert distribution.status_code == 200, distribution.text
    assert meta(distribution.text).startswith("Cycle FY2026 (annual review).")
    assert str(world.cycle) not in distribution.text
    # A later phase change without a name (an older producer) keeps the name known.
    world.phase(CyclePhase.CLOSED)
    await world.sync(consumer)
    distribution = await client.get(f"{R}/distribution?cycle_id={world.cycle}", headers=hr)
    assert meta(distribution.text).startswith("Cycle FY2026 (annual review).")


async def test_events_without_names_show_the_ids(client, world, consumer, identity_headers):
    world.phase(CyclePhase.ASSESSMENT)
    _, ratee, campaign = await three_sixty(world, consumer)
    hr = identity_headers(Role.HR)
    report = await client.get(f"{R}/360/{ratee}/{campaign}", headers=hr)
    assert meta(report.text).startswith(f"Campaign {campaign}, closed ")
    distribution = await client.get(f"{R}/distribution?cycle_id={world.cycle}", headers=hr)
    assert meta(distribution.text).startswith(f"Cycle {world.cycle}.")


async def test_a_calibration_sessions_distribution_names_its_cycle_and_session(
    client, world, consumer, identity_headers
):
    world.phase(CyclePhase.ASSESSMENT, name="FY2026")
    await world.sync(consumer)
    hr = identity_headers(Role.HR)
    session = await client.post(
        "/api/v1/analytics/calibration-sessions",
        json={
            "name": "Sales panel",
            "cycle_id": str(world.cycle),
            "guideline": [
                {"band": "1", "share": "10"},
                {"band": "2", "share": "20"},
                {"band": "3", "share": "40"},
                {"band": "4", "share": "20"},
                {"band": "5", "share": "10"},
            ],
        },
        headers=hr,
    )
    assert session.status_code == 201, session.text
    sid = session.json()["id"]
    response = await client.get(f"{R}/distribution?calibration_session_id={sid}", headers=hr)
    assert response.status_code == 200, response.text
    assert meta(response.text).startswith("Cycle FY2026, calibration session Sales panel.")
    assert str(world.cycle) not in response.text
    assert sid not in response.text
