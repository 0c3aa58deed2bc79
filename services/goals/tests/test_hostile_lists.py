"""Lists refuse hostile cursors and time filters (issue 16): 422 naming the parameter."""

import base64

import pytest

from strata_contracts.identity import Role

P = "/api/v1/goals"
DEEP = base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode()


@pytest.mark.parametrize("path", ["/employees", "/positions", "/org-units", "/cycles"])
async def test_a_deeply_nested_cursor_is_422(client, identity_headers, path):
    response = await client.get(
        P + path, params={"cursor": DEEP}, headers=identity_headers(Role.EMPLOYEE)
    )
    assert response.status_code == 422, response.text
    assert [e["pointer"] for e in response.json()["errors"]] == ["/query/cursor"]


@pytest.mark.parametrize("name", ["since", "until", "updated_since"])
async def test_audit_time_filters_are_iso_8601(client, identity_headers, name):
    response = await client.get(
        f"{P}/audit", params={name: "0.5"}, headers=identity_headers(Role.HR)
    )
    assert response.status_code == 422, response.text
    assert [e["pointer"] for e in response.json()["errors"]] == [f"/query/{name}"]
