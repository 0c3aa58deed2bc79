"""The demo tenant: loaded once through the service layer, dated relative to today, and
coherent with the other services' demos (shared ids)."""

import uuid
from datetime import UTC, datetime

from strata_contracts.goals.demo import demo_id, half_year_key, month_key
from strata_goals.cycles.service import add_months
from strata_goals.demo import load_demo


class TestDemo:
    async def test_loads_once_and_answers_real_data(self, api, db_session, tenant_id):
        assert await load_demo(db_session, tenant_id) is True
        await db_session.commit()
        assert await load_demo(db_session, tenant_id) is False

        today = datetime.now(UTC).date()
        this_month = today.replace(day=1)
        last = await api.call(
            "GET", f"/cycles/{demo_id(tenant_id, 'cycle', month_key(add_months(this_month, -1)))}"
        )
        current = await api.call("GET", f"/cycles/{demo_id(tenant_id, 'cycle', month_key(today))}")
        half = await api.call("GET", f"/cycles/{demo_id(tenant_id, 'cycle', half_year_key(today))}")
        assert (last["phase"], current["phase"], half["phase"]) == (
            "closed",
            "coaching",
            "coaching",
        )
        assert current["starts_on"] == this_month.isoformat()

        lena = demo_id(tenant_id, "employee", "E010")
        employee = await api.call("GET", f"/employees/{lena}")
        assert (employee["name"], employee["manager_id"]) == (
            "Lena Fischer",
            str(demo_id(tenant_id, "employee", "E002")),
        )
        explanation = await api.call("GET", f"/employees/{lena}/cycles/{last['id']}/explanation")
        figures = {i["name"]: i["actual"] for i in explanation["items"]}
        assert figures["Monthly signed contracts"]["value"].startswith("14")
        assert figures["CRM data quality"]["level"] == 2
        assert explanation["agreed"] is True
        assert explanation["plan_score"]["provisional"] is False

        plans = await api.call("GET", "/plans", params={"cycle_id": current["id"], "limit": 100})
        assert len(plans["items"]) == 26  # 6 representatives, 4 line leads, 16 operators
        assert {p["status"] for p in plans["items"]} == {"signed"}
        score = await api.call("GET", f"/employees/{lena}/cycles/{current['id']}/score")
        assert score["score"]["provisional"] is True  # this month: some actuals so far

        tree = await api.call("GET", "/cascade", params={"cycle_id": last["id"]})
        assert [o["code"] for o in tree["objectives"]] == ["O1", "O2", "O3", "O4"]
        assert all(o["attainment"] is not None for o in tree["objectives"])
        coverage = await api.call("GET", "/coverage")
        assert coverage["objectives_without_indicators"] == []
        scorecard = await api.call("GET", "/scorecard", params={"cycle_id": last["id"]})
        assert scorecard["enterprise"]["plans"] == 26
        templates = await api.call("GET", "/indicator-templates")
        assert len(templates["items"]) == 2
        assert uuid.UUID(plans["items"][0]["id"])
