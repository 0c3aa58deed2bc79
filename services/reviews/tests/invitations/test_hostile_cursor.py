"""The invitations list judges its cursor even when it has no rows to read (issue 16: a
garbage cursor answered 200 and an empty page)."""

import base64
import uuid

import pytest

from strata_contracts.identity import Role

DEEP = base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode()


@pytest.mark.parametrize("cursor", ["garbage", DEEP, "W05hTl0"], ids=["garbage", "deep", "nan"])
@pytest.mark.parametrize("employee", [True, False], ids=["employee", "no-employee"])
async def test_a_bad_cursor_is_422_naming_it(client, identity_headers, cursor, employee):
    headers = identity_headers(Role.HR, employee_id=uuid.uuid4() if employee else None)
    response = await client.get(
        "/api/v1/reviews/invitations", params={"cursor": cursor}, headers=headers
    )
    assert response.status_code == 422, response.text
    assert [e["pointer"] for e in response.json()["errors"]] == ["/query/cursor"]


async def test_updated_since_as_a_number_is_422(client, identity_headers):
    response = await client.get(
        "/api/v1/reviews/invitations",
        params={"updated_since": "0.5"},
        headers=identity_headers(Role.HR, employee_id=uuid.uuid4()),
    )
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == ["/query/updated_since"]
