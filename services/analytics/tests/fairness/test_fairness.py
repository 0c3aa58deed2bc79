"""Rater bias, standardised scores and reliability: access, input, and hand-checked values
on the worked example (computed from counted ratings only)."""

import uuid

import pytest

from strata_contracts.identity import Role

F = "/api/v1/analytics/fairness"


class TestAccess:
    async def test_hr_only_and_another_tenants_campaign_is_404(
        self, client, world, example, reviews, identity_headers
    ):
        await example()
        campaign = reviews.answers[0].campaign_id
        url = f"{F}/reliability?campaign_id={campaign}"
        assert (await client.get(url)).status_code == 401
        for role in (Role.MANAGER, Role.EMPLOYEE, Role.INTEGRATION):
            assert (await client.get(url, headers=identity_headers(role))).status_code == 403
        other = identity_headers(Role.HR, tenant=uuid.uuid4())
        assert (await client.get(url, headers=other)).status_code == 404
        assert (await client.get(url, headers=identity_headers(Role.HR))).status_code == 200

    async def test_bad_input_names_the_parameter(self, client, identity_headers):
        hr = identity_headers(Role.HR)
        missing = await client.get(f"{F}/raters", headers=hr)
        assert missing.status_code == 422
        assert missing.json()["errors"][0]["pointer"] == "/query/campaign_id"
        bad = await client.get(f"{F}/reliability?campaign_id={uuid.uuid4()}&target=1.5", headers=hr)
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["pointer"] == "/query/target"


class TestFigures:
    async def test_population_and_raters_from_counted_ratings(
        self, client, world, example, reviews, identity_headers
    ):
        people = await example()
        campaign = reviews.answers[0].campaign_id
        body = (
            await client.get(
                f"{F}/raters?campaign_id={campaign}", headers=identity_headers(Role.HR)
            )
        ).json()
        # Counted, three items each: Jonas 4 (Lena), 5 (Omar), 2 (Clara): 33; Lena's peers
        # 5, 4, 3: 36; Omar's peers 5, 5, 4: 42. Customers, selves and Clara's two peers
        # are not counted. Each peer rated fewer than k = 3 ratees: their rows would
        # single them out, so they enter no rater-level figure, the population included
        # (which minus Jonas would give them back): Jonas alone, 9 ratings, mean 33 / 9.
        assert body["population"]["ratings"] == 9
        assert body["population"]["mean"] == pytest.approx(33 / 9, abs=1e-12)
        assert [r["rater_key"] for r in body["raters"]] == ["key-jonas"]
        assert body["withheld_raters"] == 3  # the three peers
        assert all(r["ratees"] >= 3 for r in body["raters"])
        jonas = next(r for r in body["raters"] if r["rater_key"] == "key-jonas")
        assert (jonas["ratees"], jonas["mean"]) == (3, pytest.approx(11 / 3, abs=1e-12))
        assert jonas["supervisor_employee_id"] is None  # the fake feed names nobody
        assert jonas["halo"] in (True, False)
        standard = (
            await client.get(
                f"{F}/standardised?campaign_id={campaign}", headers=identity_headers(Role.HR)
            )
        ).json()
        lena_peers = next(
            g
            for g in standard["groups"]
            if g["ratee_id"] == str(people["Lena"]) and g["relationship"] == "peer"
        )
        assert (lena_peers["status"], lena_peers["raters"], lena_peers["raw_mean"]) == (
            "shown",
            3,
            4.0,
        )

    async def test_reliability_per_group_and_raters_needed(
        self, client, world, example, reviews, identity_headers
    ):
        people = await example()
        campaign = reviews.answers[0].campaign_id
        body = (
            await client.get(
                f"{F}/reliability?campaign_id={campaign}", headers=identity_headers(Role.HR)
            )
        ).json()
        lena = next(
            g
            for g in body["groups"]
            if g["ratee_id"] == str(people["Lena"]) and g["relationship"] == "peer"
        )
        # Peers rate 5, 4, 3 on every item: s² = 1 per item, σ²_EU = (25 - 1) / 12 = 2,
        # r_wg(J) with J = 3: 3 * 0.5 / (3 * 0.5 + 0.5) = 0.75.
        assert (lena["items"], lena["rwg_j"]) == (3, 0.75)
        peers = next(r for r in body["relationships"] if r["relationship"] == "peer")
        # Clara's two peers never reach the statistic: only Lena's and Omar's groups count.
        assert (peers["ratees"], peers["excluded_ratees"]) == (2, 0)
