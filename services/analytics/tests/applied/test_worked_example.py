"""Acceptance: results applied on the worked example's sales representatives, hand-computed.

Their overall results (see results/test_worked_example.py): Lena band 3, Omar band 5, Clara
band 1, Tom band 3 (plan only, no 360). Compensation imported here, with the built-in merit
matrix (compa-ratio bands: below 0.9, 0.9 to below 1.1, 1.1 and above):

| rep | salary | midpoint | compa-ratio | compa band | band | matrix % | matrix amount |
| --- | --- | --- | --- | --- | --- | --- | --- |
| Lena | 48,000 | 55,000 | 0.8727 | below_range | 3 | 4 | 1,920.00 |
| Omar | 60,000 | 55,000 | 1.0909 | in_range | 5 | 6.5 | 3,900.00 |
| Clara | 45,000 | 50,000 | 0.9000 | in_range (0.9 is the bound) | 1 | 0 | 0.00 |
| Tom | 66,000 | 55,000 | 1.2000 | above_range | 3 | 2 | 1,320.00 |

Payroll 219,000; matrix cost 7,140.

Merit within 3 % of payroll: budget 6,570.00 < 7,140, factor 6,570 / 7,140 = 219 / 238 =
0.920168. Exact amounts: Lena 1,920 * 219/238 = 1,766.7227; Omar 3,900 * 219/238 =
3,588.6555; Tom 1,320 * 219/238 = 1,214.6218; Clara 0. Cents floored: 1,766.72 + 3,588.65 +
1,214.62 = 6,569.99; the cent left goes to the largest remainder (Omar, .5462 of a cent):
3,588.66. Percents: 1,766.72 / 48,000 = 3.6807 %, 3,588.66 / 60,000 = 5.9811 %,
1,214.62 / 66,000 = 1.8403 %.

Merit within 10,000.00: no scaling; spend 7,140.00, 2,860.00 left.

Bonus pool 10,000.00 by salary * multiplier (band 1: 0, 3: 1, 5: 2): weights Lena 48,000,
Omar 120,000, Clara 0, Tom 66,000 = 234,000. Exact: 2,051.2821, 5,128.2051, 0, 2,820.5128;
floors 2,051.28 + 5,128.20 + 2,820.51 = 9,999.99; the cent goes to Omar (.5128 of a cent
beats .2821 and .2820 … of Lena's .2051 and Tom's .2820): 5,128.21.

Promotion (band 3 or above in 1 cycle, communication mean at least 4.0): Lena (3, 4.00) and
Omar (5, 4.75) are candidates; Clara fails both rules (band 1, communication 2.00); Tom has
band 3 but no 360, so the competency rule fails.

Training (communication 4.5, interpersonal 4.25 required): Lena communication 4.00 → gap 0.5
(rank 1), interpersonal 4.00 → gap 0.25 (rank 2); Omar 4.75 / 4.75 → none; Clara 2.00 / 2.00 →
gaps 2.5 (rank 1) and 2.25 (rank 2); Tom has no 360 → excluded.
"""

from decimal import Decimal

from strata_contracts.identity import Role

COMP = {
    "Lena": ("48000.00", "55000.00"),
    "Omar": ("60000.00", "55000.00"),
    "Clara": ("45000.00", "50000.00"),
    "Tom": ("66000.00", "55000.00"),
}
MERIT_3_PERCENT = {
    # name: (compa-ratio, compa band, band, matrix %, amount, recommended %)
    "Lena": ("0.8727", "below_range", "3", "4", "1766.7200", "3.6807"),
    "Omar": ("1.0909", "in_range", "5", "6.5", "3588.6600", "5.9811"),
    "Clara": ("0.9000", "in_range", "1", "0", "0.0000", "0.0000"),
    "Tom": ("1.2000", "above_range", "3", "2", "1214.6200", "1.8403"),
}
BONUS = {"Lena": "2051.28", "Omar": "5128.21", "Clara": "0.00", "Tom": "2820.51"}
INCLUDE_TOM = {
    "include_incomplete": True,
    "include_incomplete_reason": "Tom's 360 was not run; the worked example pays on his KPIs",
}
"""Tom's result is plan-only (complete: false): the runs of the worked example include him on
purpose (see test_incomplete.py for the default, which leaves him out)."""


async def import_pay(client, people, hr):  # type: ignore[no-untyped-def]
    rows = [
        {
            "employee_id": str(people[name]),
            "base_salary": salary,
            "currency": "EUR",
            "range_midpoint": midpoint,
        }
        for name, (salary, midpoint) in COMP.items()
    ]
    response = await client.put("/api/v1/analytics/compensation", json={"rows": rows}, headers=hr)
    assert response.status_code == 200, response.text
    return response.json()


def by_name(run):  # type: ignore[no-untyped-def]
    return {r["employee_name"]: r for r in run["recommendations"]}


class TestWorkedExample:
    async def test_merit_within_a_percent_of_payroll_is_scaled(
        self, client, world, example, identity_headers
    ):
        people = await example()
        hr = identity_headers(Role.HR)
        imported = await import_pay(client, people, hr)
        assert imported["created"] == 4
        assert {i["employee_name"]: i["compa_ratio"] for i in imported["items"]} == {
            name: row[0] for name, row in MERIT_3_PERCENT.items()
        }
        response = await client.post(
            "/api/v1/analytics/recommendation-runs/merit",
            json={
                "cycle_id": str(world.cycle),
                "currency": "EUR",
                "budget_percent": "3",
                **INCLUDE_TOM,
            },
            headers=hr,
        )
        assert response.status_code == 201, response.text
        run = response.json()
        got = {
            name: (
                r["inputs"]["compa_ratio"],
                r["inputs"]["compa_ratio_band"],
                r["inputs"]["band"],
                r["inputs"]["matrix_cell"]["percent"],
                r["proposed_value"],
                r["inputs"]["recommended_percent"],
            )
            for name, r in by_name(run).items()
        }
        assert got == MERIT_3_PERCENT
        summary = run["summary"]
        assert (
            summary["payroll"],
            summary["budget"],
            summary["matrix_spend"],
            summary["scale_factor"],
            summary["scaled"],
            summary["spend"],
            summary["remaining"],
        ) == ("219000.00", "6570.00", "7140.0000", "0.920168", True, "6570.00", "0.00")
        assert "scaled by 0.920168" in summary["notes"][0]
        assert {r["status"] for r in run["recommendations"]} == {"proposed"}
        assert {r["inputs"]["budget_scale_factor"] for r in run["recommendations"]} == {"0.920168"}
        assert {r["inputs"]["band_source"] for r in run["recommendations"]} == {"computed"}

    async def test_merit_within_an_amount_needs_no_scaling(
        self, client, world, example, identity_headers
    ):
        people = await example()
        hr = identity_headers(Role.HR)
        await import_pay(client, people, hr)
        run = (
            await client.post(
                "/api/v1/analytics/recommendation-runs/merit",
                json={
                    "cycle_id": str(world.cycle),
                    "currency": "EUR",
                    "budget_amount": "10000",
                    **INCLUDE_TOM,
                },
                headers=hr,
            )
        ).json()
        assert {n: r["proposed_value"] for n, r in by_name(run).items()} == {
            "Lena": "1920.0000",
            "Omar": "3900.0000",
            "Clara": "0.0000",
            "Tom": "1320.0000",
        }
        summary = run["summary"]
        assert (summary["scaled"], summary["scale_factor"], summary["spend"]) == (
            False,
            "1.000000",
            "7140.00",
        )
        assert summary["remaining"] == "2860.00"

    async def test_bonus_pool_shares_sum_to_the_pool(
        self, client, world, example, identity_headers
    ):
        people = await example()
        hr = identity_headers(Role.HR)
        await import_pay(client, people, hr)
        response = await client.post(
            "/api/v1/analytics/recommendation-runs/bonus",
            json={
                "cycle_id": str(world.cycle),
                "currency": "EUR",
                "pool_amount": "10000.00",
                **INCLUDE_TOM,
                "multipliers": [
                    {"band": "1", "multiplier": "0"},
                    {"band": "2", "multiplier": "0.5"},
                    {"band": "3", "multiplier": "1"},
                    {"band": "4", "multiplier": "1.5"},
                    {"band": "5", "multiplier": "2"},
                ],
            },
            headers=hr,
        )
        assert response.status_code == 201, response.text
        run = response.json()
        got = {n: Decimal(r["proposed_value"]) for n, r in by_name(run).items()}
        assert got == {n: Decimal(v) for n, v in BONUS.items()}
        assert sum(got.values()) == Decimal("10000.00")
        omar = by_name(run)["Omar"]["inputs"]
        assert (omar["weight"], omar["total_weight"], omar["exact_amount"]) == (
            "120000.00",
            "234000.00",
            "5128.2051",
        )
        assert (run["summary"]["spend"], run["summary"]["remaining"]) == ("10000.00", "0.00")

    async def test_promotion_candidates_with_evidence(
        self, client, world, example, identity_headers
    ):
        await example()
        hr = identity_headers(Role.HR)
        response = await client.post(
            "/api/v1/analytics/recommendation-runs/promotion",
            json={
                "cycle_ids": [str(world.cycle)],
                "min_band": "3",
                "consecutive_cycles": 1,
                "competency_minimums": [{"competency_key": "communication", "minimum": "4.0"}],
                **INCLUDE_TOM,
            },
            headers=hr,
        )
        assert response.status_code == 201, response.text
        run = response.json()
        assert sorted(r["employee_name"] for r in run["recommendations"]) == ["Lena", "Omar"]
        assert {r["proposed_value"] for r in run["recommendations"]} == {"1.0000"}
        evaluations = {
            e["employee_name"]: [(x["rule"], x["found"], x["passed"]) for x in e["evidence"]]
            for e in run["summary"]["evaluations"]
        }
        assert evaluations == {
            "Lena": [
                ("band_streak", "1 consecutive cycle(s) ending with the current one", True),
                ("competency_minimum:communication", "4.0000", True),
            ],
            "Omar": [
                ("band_streak", "1 consecutive cycle(s) ending with the current one", True),
                ("competency_minimum:communication", "4.7500", True),
            ],
            "Clara": [
                ("band_streak", "0 consecutive cycle(s) ending with the current one", False),
                ("competency_minimum:communication", "2.0000", False),
            ],
            "Tom": [
                ("band_streak", "1 consecutive cycle(s) ending with the current one", True),
                (
                    "competency_minimum:communication",
                    "not rated (or withheld) in the current cycle",
                    False,
                ),
            ],
        }

    async def test_training_needs_ranked_by_gap(self, client, world, example, identity_headers):
        people = await example()
        hr = identity_headers(Role.HR)
        url = "/api/v1/analytics/recommendation-runs/training"
        body = {"cycle_id": str(world.cycle)}
        refused = await client.post(url, json=body, headers=hr)
        assert refused.status_code == 409  # no requirements yet
        requirements = {
            "requirements": [
                {"competency_key": "communication", "required_level": 4.5},
                {"competency_key": "interpersonal", "required_level": 4.25},
            ]
        }
        put = await client.put(
            "/api/v1/analytics/competency-requirements", json=requirements, headers=hr
        )
        assert put.status_code == 200, put.text
        programme = (
            await client.post(
                "/api/v1/analytics/training-programmes",
                json={"name": "Clear communication", "competency_key": "communication"},
                headers=hr,
            )
        ).json()
        response = await client.post(url, json=body, headers=hr)
        assert response.status_code == 201, response.text
        run = response.json()
        got = sorted(
            (
                r["employee_name"],
                r["inputs"]["rank"],
                r["inputs"]["competency_key"],
                r["inputs"]["mean"],
                r["proposed_value"],
                [p["name"] for p in r["inputs"]["programmes"]],
            )
            for r in run["recommendations"]
        )
        assert got == [
            ("Clara", 1, "communication", "2.0000", "2.5000", ["Clear communication"]),
            ("Clara", 2, "interpersonal", "2.0000", "2.2500", []),
            ("Lena", 1, "communication", "4.0000", "0.5000", ["Clear communication"]),
            ("Lena", 2, "interpersonal", "4.0000", "0.2500", []),
        ]
        assert run["summary"]["excluded"] == [
            {"employee_id": str(people["Tom"]), "reason": "no_360", "missing": []}
        ]
        assert programme["competency_key"] == "communication"

    async def test_a_finalised_calibration_sets_the_band_used(
        self, client, world, example, identity_headers
    ):
        """Tom calibrated from band 3 to 4: while the session is open his merit still uses 3
        (2 % above range = 1,320.00); once finalised it uses 4 (3.5 % = 2,310.00)."""
        people = await example()
        hr = identity_headers(Role.HR)
        await import_pay(client, people, hr)
        session = (
            await client.post(
                "/api/v1/analytics/calibration-sessions",
                json={
                    "name": "Sales",
                    "cycle_id": str(world.cycle),
                    "guideline": [
                        {"band": b, "share": s}
                        for b, s in (("1", 10), ("2", 20), ("3", 40), ("4", 20), ("5", 10))
                    ],
                },
                headers=hr,
            )
        ).json()
        base = f"/api/v1/analytics/calibration-sessions/{session['id']}"
        adjusted = await client.post(
            f"{base}/adjustments",
            json={"employee_id": str(people["Tom"]), "calibrated_band": "4", "reason": "Peers"},
            headers=hr,
        )
        assert adjusted.status_code == 200, adjusted.text
        merit = {
            "cycle_id": str(world.cycle),
            "currency": "EUR",
            "budget_amount": "100000",
            **INCLUDE_TOM,
        }
        url = "/api/v1/analytics/recommendation-runs/merit"
        open_run = (await client.post(url, json=merit, headers=hr)).json()
        tom = by_name(open_run)["Tom"]
        assert (tom["inputs"]["band"], tom["proposed_value"]) == ("3", "1320.0000")
        assert (await client.post(f"{base}/finalise", headers=hr)).status_code == 200
        final_run = (await client.post(url, json=merit, headers=hr)).json()
        tom = by_name(final_run)["Tom"]
        assert (tom["inputs"]["band"], tom["inputs"]["band_source"], tom["proposed_value"]) == (
            "4",
            "calibrated",
            "2310.0000",
        )
        assert tom["inputs"]["calibration_session_id"] == session["id"]
