"""A training programme's name with a control character is 422 naming it (issue 16)."""

import json

import pytest

from strata_contracts.identity import Role

PROGRAMMES = "/api/v1/analytics/training-programmes"


@pytest.mark.parametrize("bad", ["a\x00b", "a\x1bb", "a\u0085b"], ids=["nul", "escape", "c1"])
async def test_programme_names_refuse_control_characters(client, identity_headers, bad):
    headers = identity_headers(Role.HR)
    before = (await client.get(PROGRAMMES, headers=headers)).json()["items"]
    response = await client.post(
        PROGRAMMES,
        content=json.dumps({"name": bad}).encode(),
        headers=headers | {"content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert [e["pointer"] for e in response.json()["errors"]] == ["/body/name"]
    assert (await client.get(PROGRAMMES, headers=headers)).json()["items"] == before
