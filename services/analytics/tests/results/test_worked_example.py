"""Acceptance: the worked example's sales representatives, hand-computed.

Plan (sales representative post): signed contracts 40 %, pipeline value 25 %, CRM data
quality 15 %, customer complaints 20 %. 360 on a 1-5 scale with k = 3: communication (two
items) and interpersonal relations (one item); the supervisor and three peers count, two
customers (below k) and the self-assessment do not.

| rep | item scores (40/25/15/20) | plan score | 360 mean, score | overall (70/30) | band |
| --- | --- | --- | --- | --- | --- |
| Lena | 1.1 / 0.9 / 0.75 / 1.0 | 97.75 / 100: 0.9775 | 4.00, 0.7500 | 90.925 / 100: 0.9093 | 3 |
| Omar | 1.2 / 1.2 / 1.0 / 1.2 | 117 / 100: 1.1700 | 4.75, 0.9375 | 110.025 / 100: 1.1003 | 5 |
| Clara | 0.5 / 0.6 / 0.5 / 0.0 | 42.5 / 100: 0.4250 | 2.00, 0.2500 | 37.25 / 100: 0.3725 | 1 |
| Tom | 1.0 / 1.0 / 0.75 / none | 76.25 / 80: 0.9531 | no 360 | 0.9531 (plan only) | 3 |

Lena's communication mean: supervisor 4, 4 and peers (5, 4, 3) twice: 32 / 8 = 4.00. Clara's
peers are only two: withheld; her supervisor's 2s make 2.00. Customers rate everyone 1 and
selves 5: were either counted, every 360 figure above would differ.
"""

from strata_contracts.identity import Role

EXPECTED = {
    # name: (plan score, 360 mean, 360 score, overall, band, complete)
    "Lena": ("0.9775", "4.0000", "0.7500", "0.9093", "3", True),
    "Omar": ("1.1700", "4.7500", "0.9375", "1.1003", "5", True),
    "Clara": ("0.4250", "2.0000", "0.2500", "0.3725", "1", True),
    "Tom": ("0.9531", None, None, "0.9531", "3", False),
}


class TestWorkedExample:
    async def test_overall_results_and_bands_match_the_hand_computed_table(
        self, client, world, example, identity_headers
    ):
        people = await example()
        response = await client.get(
            "/api/v1/analytics/results",
            params={"cycle_id": str(world.cycle)},
            headers=identity_headers(Role.HR),
        )
        assert response.status_code == 200, response.text
        got = {
            r["employee_name"]: (
                r["plan_score"],
                r["competency_mean"],
                r["competency_score"],
                r["overall"],
                r["band"],
                r["complete"],
            )
            for r in response.json()["items"]
        }
        assert got == EXPECTED
        assert people["head"] not in {r["employee_id"] for r in response.json()["items"]}

    async def test_the_explanation_lists_every_step(self, client, world, example, identity_headers):
        people = await example()
        url = f"/api/v1/analytics/results/{people['Lena']}/{world.cycle}/explanation"
        # Lena may read her own explanation; so may HR.
        body = (
            await client.get(
                url, headers=identity_headers(Role.EMPLOYEE, employee_id=people["Lena"])
            )
        ).json()
        assert [
            (i["name"], i["weight"], i["score"], i["contribution"]) for i in body["plan"]["items"]
        ] == [
            ("Signed contracts", "40.000", "1.1000", "0.4400"),
            ("Pipeline value", "25.000", "0.9000", "0.2250"),
            ("CRM data quality", "15.000", "0.7500", "0.1125"),
            ("Customer complaints", "20.000", "1.0000", "0.2000"),
        ]
        assert body["plan"]["score"] == "0.9775"
        assert [
            (c["key"], c["ratings"], c["mean"]) for c in body["competencies"]["competencies"]
        ] == [
            ("communication", 8, "4.0000"),
            ("interpersonal", 4, "4.0000"),
        ]
        assert body["competencies"]["withheld_groups"] == [
            {"relationship": "customer", "reason": "below_threshold"}
        ]
        steps = [s["description"] for s in body["steps"]]
        assert "Signed contracts: weight 40.000 % * score 1.1000 = 44.0000000 points." in steps
        assert any(
            s.startswith("Overall = (70.000 * 0.9775 + 30.000 * 0.7500) / 100.000 = 0.9093")
            for s in steps
        )
        assert body["steps"][-1]["result"] == "3"
        assert body["result"]["final_band"] == "3"


class TestAccess:
    async def test_employee_sees_own_manager_line_others_404(
        self, client, world, example, identity_headers
    ):
        people = await example()
        cycle = world.cycle
        lena = identity_headers(Role.EMPLOYEE, employee_id=people["Lena"])
        assert (await client.get("/api/v1/analytics/results")).status_code == 401
        own = await client.get(f"/api/v1/analytics/results/{people['Lena']}/{cycle}", headers=lena)
        assert own.status_code == 200
        other = await client.get(
            f"/api/v1/analytics/results/{people['Omar']}/{cycle}", headers=lena
        )
        assert other.status_code == 404
        listed = (await client.get("/api/v1/analytics/results", headers=lena)).json()["items"]
        assert [r["employee_name"] for r in listed] == ["Lena"]
        manager = identity_headers(Role.MANAGER, employee_id=people["head"])
        line = (await client.get("/api/v1/analytics/results", headers=manager)).json()["items"]
        assert {r["employee_name"] for r in line} == set(EXPECTED)
        stranger = identity_headers(Role.MANAGER, employee_id=people["Tom"])
        theirs = (await client.get("/api/v1/analytics/results", headers=stranger)).json()
        assert [r["employee_name"] for r in theirs["items"]] == ["Tom"]

    async def test_another_tenant_sees_nothing(self, client, world, example, identity_headers):
        import uuid

        people = await example()
        theirs = identity_headers(Role.HR, tenant=uuid.uuid4())
        url = f"/api/v1/analytics/results/{people['Lena']}/{world.cycle}"
        assert (await client.get(url, headers=theirs)).status_code == 404
        assert (await client.get(f"{url}/explanation", headers=theirs)).status_code == 404
        assert (await client.get("/api/v1/analytics/results", headers=theirs)).json()["items"] == []


class TestPolicy:
    async def test_weights_must_total_100_and_bands_ascend(self, client, identity_headers):
        hr = identity_headers(Role.HR)
        bad = await client.put(
            "/api/v1/analytics/result-policies/default",
            json={
                "kpi_weight": "60",
                "competency_weight": "30",
                "bands": [
                    {"code": "low", "label": "Low", "min_score": "0.1"},
                    {"code": "high", "label": "High", "min_score": "0.05"},
                ],
            },
            headers=hr,
        )
        assert bad.status_code == 422
        pointers = {e["pointer"] for e in bad.json()["errors"]}
        assert pointers == {
            "/body/competency_weight",
            "/body/bands/0/min_score",
            "/body/bands/1/min_score",
        }
        listed = (await client.get("/api/v1/analytics/result-policies", headers=hr)).json()
        assert [(p["scope"], p["built_in"], p["kpi_weight"]) for p in listed] == [
            ("default", True, "70")
        ]

    async def test_only_hr_sets_it_and_results_follow_audited(
        self, client, world, example, identity_headers, db_session
    ):
        from sqlmodel import select

        from strata_analytics.models import AuditRecord

        people = await example()
        body = {
            "kpi_weight": "50",
            "competency_weight": "50",
            "bands": [
                {"code": "C", "label": "Below", "min_score": "0"},
                {"code": "B", "label": "Solid", "min_score": "0.7"},
                {"code": "A", "label": "Top", "min_score": "1"},
            ],
        }
        url = f"/api/v1/analytics/result-policies/templates/{world.template}"
        manager = identity_headers(Role.MANAGER, employee_id=people["head"])
        assert (await client.put(url, json=body, headers=manager)).status_code == 403
        response = await client.put(url, json=body, headers=identity_headers(Role.HR))
        assert response.status_code == 200, response.text
        lena = (
            await client.get(
                f"/api/v1/analytics/results/{people['Lena']}/{world.cycle}",
                headers=identity_headers(Role.HR),
            )
        ).json()
        # (50 * 0.9775 + 50 * 0.75) / 100 = 0.86375 → 0.8638, band B
        assert (lena["overall"], lena["band"], lena["kpi_weight"]) == ("0.8638", "B", "50.000")
        tom = (
            await client.get(
                f"/api/v1/analytics/results/{people['Tom']}/{world.cycle}",
                headers=identity_headers(Role.HR),
            )
        ).json()
        assert tom["kpi_weight"] == "70.000"  # no 360 of that template: the default applies
        audit = (await db_session.exec(select(AuditRecord))).all()
        assert [(a.entity_type, a.action) for a in audit] == [("result_policy", "set")]
