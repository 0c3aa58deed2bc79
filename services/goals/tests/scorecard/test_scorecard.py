"""The Balanced Scorecard: perspective weights, balance rules, and attainment per
perspective at every level."""

from decimal import Decimal

from strata_contracts.identity import Role

P = "/api/v1/goals"
D = Decimal


def pointers(response):
    return [e["pointer"] for e in response.json()["errors"]]


class TestPerspectiveWeights:
    async def test_an_employee_cannot_set_them(self, client, identity_headers):
        response = await client.put(
            f"{P}/perspective-weights",
            json={"level": "post", "weights": {"financial": "100"}},
            headers=identity_headers(Role.EMPLOYEE),
        )
        assert response.status_code == 403

    async def test_they_must_total_100(self, api, client):
        response = await client.put(
            f"{P}/perspective-weights",
            json={"level": "post", "weights": {"financial": "50", "customer": "30"}},
            headers=api.headers,
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/weights"]
        assert await api.call("GET", "/perspective-weights") == []

    async def test_a_post_differs_from_its_configured_weights(self, api, worked_example):
        x = worked_example
        level = {
            "financial": "40",
            "customer": "30",
            "internal_process": "20",
            "learning_growth": "10",
        }
        await api.call("PUT", "/perspective-weights", {"level": "post", "weights": level})
        operator = {"internal_process": "100"}
        await api.call(
            "PUT", "/perspective-weights", {"position_id": x["operator_post"], "weights": operator}
        )
        report = await api.call("GET", "/scorecard/balance")
        posts = {p["position_id"]: p for p in report["posts"]}
        rep = posts[x["rep_post"]]
        assert rep["configured_source"] == "level"
        # Configured 40/30/20/10, actual 65/20/15/0.
        assert {
            (m["perspective"], D(m["configured"]), D(m["actual"])) for m in rep["mismatches"]
        } == {
            ("financial", 40, 65),
            ("customer", 30, 20),
            ("internal_process", 20, 15),
            ("learning_growth", 10, 0),
        }
        operator_post = posts[x["operator_post"]]
        assert (operator_post["configured_source"], operator_post["mismatches"]) == ("post", [])
        [post_level] = [lv for lv in report["levels"] if lv["level"] == "post"]
        assert post_level["violations"] == []  # 60 % non-financial


class TestBalanceRules:
    async def test_the_default_rule_applies_until_hr_sets_rules(self, api):
        rules = await api.call("GET", "/balance-rules")
        assert rules["default"] is True
        assert [r["id"] for r in rules["rules"]] == ["non_financial_min_40"]

    async def test_custom_rules_are_checked_on_every_post(self, api, worked_example):
        x = worked_example
        rules = {
            "rules": [
                {
                    "id": "learning_present",
                    "kind": "all_present",
                    "perspectives": ["learning_growth"],
                    "description": "every post grows someone",
                },
                {
                    "id": "financial_max_60",
                    "kind": "max_total",
                    "perspectives": ["financial"],
                    "limit": "60",
                    "description": "financial at most 60 %",
                },
            ]
        }
        stored = await api.call("PUT", "/balance-rules", rules)
        assert stored["default"] is False
        report = await api.call("GET", "/scorecard/balance")
        rep = next(p for p in report["posts"] if p["position_id"] == x["rep_post"])
        assert sorted(v["rule_id"] for v in rep["violations"]) == [
            "financial_max_60",
            "learning_present",
        ]

    async def test_a_rule_without_a_limit_is_refused(self, api, client):
        response = await client.put(
            f"{P}/balance-rules",
            json={
                "rules": [
                    {
                        "id": "x",
                        "kind": "min_total",
                        "perspectives": ["customer"],
                        "description": "x",
                    }
                ]
            },
            headers=api.headers,
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/rules/0/limit"]


class TestAttainment:
    async def test_only_hr_sees_everyones_results(self, client, worked_example):
        x = worked_example
        response = await client.get(
            f"{P}/scorecard", params={"cycle_id": x["cycle"]}, headers=x["as_director"]
        )
        assert response.status_code == 403
        tree = await client.get(
            f"{P}/cascade", params={"cycle_id": x["cycle"]}, headers=x["as_rep"]
        )
        assert tree.status_code == 403
        plain = await client.get(f"{P}/cascade", headers=x["as_rep"])
        assert plain.status_code == 200

    async def test_every_level_reports_each_perspective(self, api, worked_example):
        x = worked_example
        report = await api.call("GET", "/scorecard", params={"cycle_id": x["cycle"]})

        def by_perspective(entry):
            return {
                p["perspective"]: (D(p["attainment"]) if p["attainment"] else None)
                for p in entry["perspectives"]
            }

        # One scored plan: every level shows the sales rep's perspectives.
        expected = {
            "financial": D("1.0231"),
            "customer": D("0.8333"),
            "internal_process": D("0.75"),
            "learning_growth": None,
        }
        assert report["enterprise"]["id"] == x["company"]
        assert by_perspective(report["enterprise"]) == expected
        assert D(report["enterprise"]["total"]) == D("0.9442")
        assert [(d["id"], d["plans"]) for d in report["departments"]] == [(x["sales"], 1)]
        assert by_perspective(report["departments"][0]) == expected
        assert [(p["id"], p["name"]) for p in report["posts"]] == [
            (x["rep_post"], "Sales representative")
        ]
        assert [e["id"] for e in report["employees"]] == [x["rep"]]
