"""Decisions wait for complete results (issue 17.1): merit, bonus and promotion runs leave out
people whose result lacks a part the policy weighs, unless HR includes them on purpose with a
reason (audited); every run lists who was left out and why, in its answer and when read back.

The worked example's Tom has a plan score and no 360 (`complete: false`)."""

from sqlmodel import select

from strata_analytics.models import AuditRecord
from strata_contracts.identity import Role

from .test_worked_example import INCLUDE_TOM, by_name, import_pay

RUNS = "/api/v1/analytics/recommendation-runs"
BONUS_BANDS = [{"band": b, "multiplier": m} for b, m in (("1", "0"), ("3", "1"), ("5", "2"))]


def bodies(cycle: str) -> dict[str, dict[str, object]]:
    return {
        "merit": {"cycle_id": cycle, "currency": "EUR", "budget_amount": "10000"},
        "bonus": {
            "cycle_id": cycle,
            "currency": "EUR",
            "pool_amount": "1000.00",
            "multipliers": BONUS_BANDS,
        },
        "promotion": {"cycle_ids": [cycle], "min_band": "3", "consecutive_cycles": 1},
    }


class TestCompleteResultsOnly:
    async def test_incomplete_results_are_left_out_by_default_and_listed(
        self, client, world, example, identity_headers
    ):
        people = await example()
        hr = identity_headers(Role.HR)
        await import_pay(client, people, hr)
        tom = str(people["Tom"])
        result = await client.get(f"/api/v1/analytics/results/{tom}/{world.cycle}", headers=hr)
        assert result.status_code == 200, result.text
        assert result.json()["complete"] is False
        for kind, body in bodies(str(world.cycle)).items():
            response = await client.post(f"{RUNS}/{kind}", json=body, headers=hr)
            assert response.status_code == 201, (kind, response.text)
            run = response.json()
            assert "Tom" not in by_name(run), kind
            left_out = {
                "employee_id": tom,
                "reason": "incomplete_result",
                "missing": ["competency_score"],
            }
            assert left_out in run["summary"]["excluded"], kind
            assert run["summary"]["included_incomplete"] == []
            if kind == "promotion":
                assert "Tom" not in {e["employee_name"] for e in run["summary"]["evaluations"]}
            stored = (await client.get(f"{RUNS}/{run['id']}", headers=hr)).json()
            assert left_out in stored["summary"]["excluded"], kind
        merit = by_name(
            (
                await client.post(
                    f"{RUNS}/merit", json=bodies(str(world.cycle))["merit"], headers=hr
                )
            ).json()
        )
        assert {n: r["proposed_value"] for n, r in merit.items()} == {
            "Lena": "1920.0000",
            "Omar": "3900.0000",
            "Clara": "0.0000",
        }

    async def test_including_them_needs_a_reason_and_is_audited(
        self, client, world, example, identity_headers, db_session
    ):
        people = await example()
        hr = identity_headers(Role.HR)
        await import_pay(client, people, hr)
        for kind, body in bodies(str(world.cycle)).items():
            refused = await client.post(
                f"{RUNS}/{kind}", json={**body, "include_incomplete": True}, headers=hr
            )
            assert refused.status_code == 422, (kind, refused.text)
            assert [e["pointer"] for e in refused.json()["errors"]] == [
                "/body/include_incomplete_reason"
            ]
            response = await client.post(f"{RUNS}/{kind}", json={**body, **INCLUDE_TOM}, headers=hr)
            assert response.status_code == 201, (kind, response.text)
            summary = response.json()["summary"]
            assert summary["included_incomplete"] == [
                {"employee_id": str(people["Tom"]), "missing": ["competency_score"]}
            ]
            assert summary["include_incomplete_reason"] == INCLUDE_TOM["include_incomplete_reason"]
            assert not any(e["reason"] == "incomplete_result" for e in summary["excluded"])
        assert "Tom" in by_name(response.json()) or any(
            e["employee_name"] == "Tom" for e in response.json()["summary"]["evaluations"]
        )
        audit = (
            await db_session.exec(
                select(AuditRecord).where(AuditRecord.entity_type == "recommendation_run")
            )
        ).all()
        assert sorted(a.action for a in audit) == ["computed_including_incomplete"] * 3
        assert {a.reason for a in audit} == {INCLUDE_TOM["include_incomplete_reason"]}
