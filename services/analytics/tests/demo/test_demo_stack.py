"""`strata demo` on real processes: the demo tenant's analytics fill up from the other
services' demo data by the normal paths (outbox, relay, the gateway's feed, the rating pull
from reviews' private feed), and match the worked example (domain brief, section 9).

Last month's figures of three sales representatives are fixed in the goals demo (the ones
the feedback demo's interviews talk about); their plan scores, by hand, with the post's
indicators (contracts: threshold 8 → 0.5, target 12 → 1, stretch 16 → 1.2, linear between;
pipeline: actual / 500 000, capped at 1.2; CRM: rubric level; complaints, lower is better:
threshold 6 → 0.5, target 3 → 1, stretch 1 → 1.2, 0 beyond 6) and weights 40/25/15/20:

    Lena  14 → 1.1    520 000 → 1.04  level 2 → 0.5   2 → 1.1   0.44+0.26+0.075+0.22 = 0.9950
    Omar  11 → 0.875  350 000 → 0.7   level 4 → 1     0 → 1.2   0.35+0.175+0.15+0.24 = 0.9150
    Clara 12 → 1      480 000 → 0.96  level 3 → 0.75  7 → 0     0.40+0.24+0.1125+0   = 0.7525

A monthly cycle has no 360, so the overall result is the plan score alone (the 360's 30 %
is left out), in bands 3, 3 and 2 of the default policy.
"""

import json
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from strata_analytics.demo import ADJUSTED, demo_attributes, last_month, session_name
from strata_contracts.goals.demo import DEMO_PEOPLE, demo_id, half_year_key, month_key

pytestmark = pytest.mark.e2e
DEADLINE_SECONDS = 180
HAND = {"E010": ("0.9950", "3"), "E011": ("0.9150", "3"), "E012": ("0.7525", "2")}
RATEES = ("E002", "E010", "E011", "E012", "E020", "E021")
"""The reviews demo's 360: the head of sales, three representatives, two line leads."""


@pytest.fixture(scope="module")
def stack(demo_stack: Any) -> Any:
    """The root conftest's `demo_stack` (`tests/e2e/stack.py`, the demo loaded before the
    processes start). Analytics pulls answers from the reviews service itself, not through
    the gateway: the URL it derives from REVIEWS_PORT (tests/e2e/test_moved_ports.py)."""
    return demo_stack


@pytest.fixture(scope="module")
def demo(stack: Any) -> dict[str, Any]:
    saved: dict[str, Any] = json.loads((stack.root / "data" / "demo.json").read_text())
    return saved


def previous_half(today: date) -> date:
    return date(today.year - 1, 7, 1) if today.month <= 6 else date(today.year, 1, 1)


def eventually(check: Any, what: str) -> Any:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def results(http: httpx.Client, cycle_id: Any) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        params = {"cycle_id": str(cycle_id), "limit": 500, **({"cursor": cursor} if cursor else {})}
        page = http.get("/api/v1/analytics/results", params=params).json()
        out.update({r["employee_id"]: r for r in page["items"]})
        cursor = page.get("next_cursor")
        if not cursor:
            return out


def test_the_demo_tenants_analytics_match_the_worked_example(stack, demo):
    tenant = demo["tenant_id"]
    today = datetime.now(UTC).date()
    eid = {p.external_id: str(demo_id(tenant, "employee", p.external_id)) for p in DEMO_PEOPLE}
    planned = [
        p.external_id for p in DEMO_PEOPLE if p.position in ("P-REP", "P-LEAD", "P-OPERATOR")
    ]
    month = demo_id(tenant, "cycle", month_key(last_month(today)))
    half = demo_id(tenant, "cycle", half_year_key(previous_half(today)))
    headers = {"Authorization": f"Bearer {demo['admin_key']}"}
    with httpx.Client(base_url=stack.url(), headers=headers, timeout=30) as http:
        # Last month's results: every planned person, complete (every actual is in).
        def month_done() -> dict[str, dict[str, Any]] | None:
            found = results(http, month)
            done = all(eid[k] in found and found[eid[k]]["band"] is not None for k in planned)
            return found if done else None

        monthly = eventually(month_done, "last month's results")
        for key, (score, band) in HAND.items():
            row = monthly[eid[key]]
            assert Decimal(row["plan_score"]) == Decimal(score), key
            assert Decimal(row["overall"]) == Decimal(score), key
            assert row["band"] == band, key
            assert row["competency_score"] is None

        # The half-year 360, pulled from reviews' private feed: a 360 score per ratee, the
        # same competency figures as reviews publishes.
        def half_done() -> dict[str, dict[str, Any]] | None:
            found = results(http, half)
            ok = all(
                eid[k] in found and found[eid[k]]["competency_score"] is not None for k in RATEES
            )
            return found if ok else None

        halves = eventually(half_done, "the 360 pulled into results")
        campaign = halves[eid["E010"]]["campaign_id"]
        for key in RATEES:
            explained = http.get(f"/api/v1/analytics/results/{eid[key]}/{half}/explanation")
            assert explained.status_code == 200, explained.text
            ours = {c["key"]: c for c in explained.json()["competencies"]["competencies"]}
            published = http.get(f"/api/v1/reviews/campaigns/{campaign}/results/{eid[key]}")
            assert published.status_code == 200, published.text
            theirs = {
                c["key"]: c["all_raters"]
                for c in published.json()["competencies"]
                if c["all_raters"] is not None
            }
            assert set(ours) == set(theirs), key
            for name, figures in theirs.items():
                assert ours[name]["ratings"] == figures["count"], (key, name)
                mean = Decimal(ours[name]["mean"]).quantize(Decimal("0.01"))
                assert mean == Decimal(figures["mean"]), (key, name)

        # Fairness where k allows: raters of the demo campaign are measured.
        raters = http.get("/api/v1/analytics/fairness/raters", params={"campaign_id": campaign})
        assert raters.status_code == 200, raters.text
        assert raters.json()["raters"]

        # The 360 report renders for Lena.
        report = http.get(f"/api/v1/analytics/reports/360/{eid['E010']}/{campaign}")
        assert report.status_code == 200
        assert report.headers["content-type"].startswith("text/html")
        assert "Lena Fischer" in report.text

        # Adverse impact by gender on last month's results, from the demo attributes.
        attributes = demo_attributes(uuid.UUID(tenant))
        check = http.get(
            "/api/v1/analytics/adverse-impact",
            params={"attribute": "gender", "cycle_id": str(month)},
        )
        assert check.status_code == 200, check.text
        by_group = {g["group"]: g for g in check.json()["raw"]["groups"]}
        for gender in ("female", "male"):
            members = [
                k for k in planned if attributes[demo_id(tenant, "employee", k)]["gender"] == gender
            ]
            favourable = sum(1 for k in members if monthly[eid[k]]["band"] in ("4", "5"))
            assert by_group[gender]["total"] == len(members)
            assert by_group[gender]["favourable"] == favourable

        # `strata demo` again (the next `make run`): the results are there now, so the demo
        # calibration session opens, with Clara calibrated; a third run changes nothing.
        stack.cli("demo", "--quiet")
        clara = http.get(f"/api/v1/analytics/results/{eid[ADJUSTED]}/{month}").json()
        assert (clara["band"], clara["calibrated_band"]) == ("2", "3")
        session_id = clara["calibration_session_id"]
        opened = http.get(f"/api/v1/analytics/calibration-sessions/{session_id}").json()
        assert opened["name"] == session_name(last_month(today))
        assert len(opened["entries"]) == len(planned)
        attributes_before = http.get(
            "/api/v1/analytics/group-attributes", params={"limit": 500}
        ).json()
        assert len(attributes_before["items"]) == 37 * 3

        monthly_before = results(http, month)
        stack.cli("demo", "--quiet")
        assert http.get(f"/api/v1/analytics/calibration-sessions/{session_id}").json() == opened
        assert (
            http.get("/api/v1/analytics/group-attributes", params={"limit": 500}).json()
            == attributes_before
        )
        assert results(http, month) == monthly_before
        assert http.get(f"/api/v1/analytics/results/{eid[ADJUSTED]}/{month}").json() == clara
