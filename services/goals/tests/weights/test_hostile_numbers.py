"""AHP with numbers no float holds (issue 16): 422 naming the cell, never a 500."""

import pytest

from strata_contracts.identity import Role

P = "/api/v1/goals"


class TestAhpWithHugeNumbers:
    async def test_a_400_digit_integer_is_refused_at_the_edge(self, client, identity_headers):
        body = b'{"matrix": [[1, ' + b"9" * 400 + b"], [1, 1]]}"
        response = await client.post(
            f"{P}/ahp",
            content=body,
            headers=identity_headers(Role.EMPLOYEE) | {"content-type": "application/json"},
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["code"] == "number_too_large"

    @pytest.mark.parametrize(
        "entry",
        ["9" * 400, "1/" + "9" * 400, 10**39, "1/" + "7" * 39, 1e39],
        ids=["400-digit-string", "tiny-fraction", "39-digit-int", "tiny-39", "float-1e39"],
    )
    async def test_an_entry_far_off_the_scale_names_its_cell(self, client, identity_headers, entry):
        response = await client.post(
            f"{P}/ahp",
            json={"matrix": [[1, entry], [1, 1]]},
            headers=identity_headers(Role.EMPLOYEE),
        )
        assert response.status_code == 422, response.text
        pointers = [e["pointer"] for e in response.json()["errors"]]
        assert "/body/matrix/0/1" in pointers


class TestUnboundedInputsFoundByTheFuzzStage:
    async def test_an_ahp_label_of_100000_characters_is_422(self, client, identity_headers):
        response = await client.post(
            f"{P}/ahp",
            json={"matrix": [[1, 3], ["1/3", 1]], "labels": ["x" * 100_000, "y"]},
            headers=identity_headers(Role.EMPLOYEE),
        )
        assert response.status_code == 422, response.text
        assert [e["pointer"] for e in response.json()["errors"]] == ["/body/labels/0"]

    @pytest.mark.parametrize(
        ("change", "pointer"),
        [
            ({"limit": 2**64}, "/body/rules/0/limit"),
            ({"description": "x" * 100_000}, "/body/rules/0/description"),
            ({"id": "x" * 1000}, "/body/rules/0/id"),
        ],
        ids=["limit-2^64", "oversized-description", "oversized-id"],
    )
    async def test_a_balance_rule_out_of_bounds_is_422_and_not_stored(
        self, api, client, change, pointer
    ):
        before = await api.call("GET", "/balance-rules")
        rule = {
            "id": "r1",
            "kind": "min_total",
            "perspectives": ["customer"],
            "limit": "40",
            "description": "Customer weighs at least 40 %",
        }
        response = await client.put(
            f"{P}/balance-rules", json={"rules": [rule | change]}, headers=api.headers
        )
        assert response.status_code == 422, response.text
        assert [e["pointer"] for e in response.json()["errors"]] == [pointer]
        assert await api.call("GET", "/balance-rules") == before
