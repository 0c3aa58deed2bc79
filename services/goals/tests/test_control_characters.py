"""Names with control characters are refused with 422 naming the field, and nothing is
stored (issue 16: NUL bytes were stored on SQLite and failed on PostgreSQL)."""

import pytest

from strata_contracts.identity import Role

P = "/api/v1/goals"
BAD = ["a\x00b", "a\x1bb", "a\x7fb", "a\u0085b", "a\ud800b"]
IDS = ["nul", "escape", "del", "c1", "lone-surrogate"]


async def count(client, headers, path: str) -> int:
    response = await client.get(P + path, params={"limit": 500}, headers=headers)
    assert response.status_code == 200, response.text
    return len(response.json()["items"])


def encoded(body: dict) -> bytes:
    import json

    return json.dumps(body).encode()  # ensure_ascii: control characters as \\u escapes


@pytest.mark.parametrize("bad", BAD, ids=IDS)
async def test_names_refuse_control_characters(client, api, identity_headers, bad):
    headers = identity_headers(Role.HR)
    unit = await api.org_unit()
    cases = [
        ("/org-units", "/org-units", {"name": bad}, "name"),
        ("/positions", "/positions", {"title": bad, "org_unit_id": unit["id"]}, "title"),
        (
            "/employees",
            "/employees",
            {"name": bad, "email": "x@example.com", "org_unit_id": unit["id"]},
            "name",
        ),
        (
            "/objectives",
            "/objectives",
            {"code": "O9", "title": bad, "perspective": "financial"},
            "title",
        ),
        (
            "/cycles",
            "/cycles",
            {"name": bad, "cadence": "monthly", "starts_on": "2026-04-01"},
            "name",
        ),
    ]
    for path, listing, body, field in cases:
        before = await count(client, headers, listing)
        response = await client.post(
            P + path, content=encoded(body), headers=headers | {"content-type": "application/json"}
        )
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["pointer"] for e in response.json()["errors"]] == [f"/body/{field}"], path
        assert await count(client, headers, listing) == before, path


async def test_tab_newline_and_cr_are_kept(client, api):
    unit = await api.org_unit(name="Line one\nline two\r\n\tindented")
    assert unit["name"] == "Line one\nline two\r\n\tindented"
