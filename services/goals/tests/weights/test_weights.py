"""Post weights: direct entry within bounds, AHP (consistent applied, inconsistent refused
naming the worst pairs), the calculator, and the audit of every change."""

import uuid
from decimal import Decimal

from sqlmodel import select

from strata_contracts.identity import Role
from strata_goals.models import AuditRecord, OutboxEvent

P = "/api/v1/goals"

# Saaty's consistent example: A is 3x B and 9x C; B is 3x C (weights 9/13, 3/13, 1/13).
CONSISTENT = [["1", "3", "9"], ["1/3", "1", "3"], ["1/9", "1/3", "1"]]
# A > B, B > C, but C > A: intransitive judgments.
INCONSISTENT = [["1", "5", "1/5"], ["1/5", "1", "5"], ["5", "1/5", "1"]]
# (2, 1) says 3 where the reciprocal of (1, 2) = 3 would be 1/3.
NOT_RECIPROCAL = [["1", "3", "9"], ["1/3", "1", "3"], ["1/9", "3", "1"]]


def pointers(response):
    return [e["pointer"] for e in response.json()["errors"]]


async def post_with_three(api, **policy):
    unit = await api.org_unit()
    post = await api.position(unit["id"])
    ids = []
    for name in ("Output", "Quality", "Safety"):
        indicator = await api.call(
            "POST",
            "/indicators",
            {
                "name": name,
                "level": "post",
                "position_id": post["id"],
                "perspective": "internal_process",
                "direction": "higher_is_better",
                "threshold": "1",
                "target": "2",
            },
        )
        ids.append(indicator["id"])
    if policy:
        await api.call("PATCH", "/policy", policy)
    return post["id"], ids


class TestDirectWeights:
    async def test_an_employee_cannot_set_weights(self, api, client, identity_headers):
        post, ids = await post_with_three(api)
        response = await client.put(
            f"{P}/positions/{post}/weights",
            json={"items": [{"indicator_id": i, "weight": "33.34"} for i in ids]},
            headers=identity_headers(Role.EMPLOYEE),
        )
        assert response.status_code == 403

    async def test_weights_in_bounds_are_stored_and_audited(self, api, db_session):
        post, ids = await post_with_three(api)
        body = {
            "items": [
                {"indicator_id": ids[0], "weight": "40"},
                {"indicator_id": ids[1], "weight": "35"},
                {"indicator_id": ids[2], "weight": "25"},
            ],
            "reason": "Quality complaints doubled last quarter",
        }
        stored = await api.call("PUT", f"/positions/{post}/weights", body)
        assert [Decimal(i["weight"]) for i in stored["items"]] == [40, 35, 25]
        assert (Decimal(stored["total"]), stored["problems"]) == (100, [])
        [record] = (
            await db_session.exec(
                select(AuditRecord).where(AuditRecord.entity_type == "post_weights")
            )
        ).all()
        assert record.entity_id == uuid.UUID(post)
        assert record.reason == body["reason"]
        assert record.before["weights"][ids[0]] is None
        assert Decimal(record.after["weights"][ids[0]]) == 40
        [event] = (
            await db_session.exec(
                select(OutboxEvent).where(OutboxEvent.type == "goals.weights.changed")
            )
        ).all()
        assert event.data["method"] == "direct"

    async def test_a_weight_above_the_bound_is_named(self, api, client):
        post, ids = await post_with_three(api)
        response = await client.put(
            f"{P}/positions/{post}/weights",
            json={
                "items": [
                    {"indicator_id": ids[0], "weight": "50"},
                    {"indicator_id": ids[1], "weight": "30"},
                    {"indicator_id": ids[2], "weight": "20"},
                ]
            },
            headers=api.headers,
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/items/0/weight"]
        assert response.json()["errors"][0]["code"] == "above_max"

    async def test_the_policy_sets_the_bounds(self, api):
        post, ids = await post_with_three(api, max_weight="60")
        body = {
            "items": [
                {"indicator_id": ids[0], "weight": "50"},
                {"indicator_id": ids[1], "weight": "30"},
                {"indicator_id": ids[2], "weight": "20"},
            ]
        }
        stored = await api.call("PUT", f"/positions/{post}/weights", body)
        assert Decimal(stored["total"]) == 100

    async def test_every_indicator_of_the_post_needs_a_weight(self, api, client):
        post, ids = await post_with_three(api)
        response = await client.put(
            f"{P}/positions/{post}/weights",
            json={
                "items": [
                    {"indicator_id": ids[0], "weight": "60"},
                    {"indicator_id": str(uuid.uuid4()), "weight": "40"},
                ]
            },
            headers=api.headers,
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/items/1/indicator_id", "/body/items"]


class TestAhp:
    async def test_a_consistent_matrix_sets_the_weights(self, api):
        post, ids = await post_with_three(api, max_weight="70")
        result = await api.call(
            "POST",
            f"/positions/{post}/weights/ahp",
            {"indicator_ids": ids, "matrix": CONSISTENT, "apply": True},
            expect=200,
        )
        assert result["applied"] is True
        assert result["ahp"]["consistent"] is True
        assert abs(result["ahp"]["cr"]) < 1e-9
        # 9/13, 3/13, 1/13 in percent, two places, adding up to 100.
        assert [Decimal(w["weight"]) for w in result["weights"]] == [
            Decimal("69.23"),
            Decimal("23.08"),
            Decimal("7.69"),
        ]
        stored = await api.call("GET", f"/positions/{post}/weights")
        assert [Decimal(i["weight"]) for i in stored["items"]] == [
            Decimal("69.23"),
            Decimal("23.08"),
            Decimal("7.69"),
        ]

    async def test_an_inconsistent_matrix_is_refused_naming_the_pairs(self, api, client):
        post, ids = await post_with_three(api)
        response = await client.post(
            f"{P}/positions/{post}/weights/ahp",
            json={"indicator_ids": ids, "matrix": INCONSISTENT, "apply": True},
            headers=api.headers,
        )
        assert response.status_code == 422
        body = response.json()
        assert body["type"].endswith("ahp-inconsistent")
        assert body["ahp"]["cr"] >= 0.10
        assert body["errors"]
        assert all(e["pointer"].startswith("/body/matrix/") for e in body["errors"])
        assert "Output" in body["errors"][0]["detail"] or "Safety" in body["errors"][0]["detail"]
        stored = await api.call("GET", f"/positions/{post}/weights")
        assert [i["weight"] for i in stored["items"]] == [None, None, None]

    async def test_weights_outside_bounds_are_not_applied(self, api, client):
        post, ids = await post_with_three(api)  # default bound: 40 %
        response = await client.post(
            f"{P}/positions/{post}/weights/ahp",
            json={"indicator_ids": ids, "matrix": CONSISTENT, "apply": True},
            headers=api.headers,
        )
        assert response.status_code == 422
        assert pointers(response) == ["/body/matrix"]  # 69.23 % for Output, above 40 %
        assert "69.23" in response.json()["errors"][0]["detail"]

    async def test_a_malformed_matrix_names_its_cells(self, api, client):
        post, ids = await post_with_three(api)
        response = await client.post(
            f"{P}/positions/{post}/weights/ahp",
            json={
                "indicator_ids": ids,
                "matrix": [["1", "3", "9"], ["1/3", "1", "3"], ["1/9", "3", "1"]],
            },
            headers=api.headers,
        )
        assert response.status_code == 422
        assert any(p.startswith("/body/matrix/") for p in pointers(response))

    async def test_the_calculator(self, client, identity_headers):
        response = await client.post(
            f"{P}/ahp",
            json={"matrix": INCONSISTENT, "labels": ["A", "B", "C"]},
            headers=identity_headers(Role.EMPLOYEE),
        )
        assert response.status_code == 200
        body = response.json()
        assert body["consistent"] is False
        assert body["ri"] == 0.58
        assert body["inconsistencies"]
