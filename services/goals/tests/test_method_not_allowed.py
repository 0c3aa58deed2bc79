"""405 for a method the path does not have, with the path's own methods in `Allow`, even
where a `/{id}` route of that method would match the path (issue 16)."""

import uuid

import pytest

P = "/api/v1/goals"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PATCH", "/employees/bulk-upsert", "POST"),
        ("DELETE", "/employees/bulk-upsert", "POST"),
        ("PATCH", "/positions/bulk-upsert", "POST"),
        ("PATCH", "/org-units/bulk-upsert", "POST"),
        ("PUT", "/employees/bulk-upsert/jobs", "POST"),
        ("PUT", "/employees/6f1c2b1e-0000-4000-8000-000000000001", None),
    ],
)
async def test_is_405_with_the_paths_methods(client, api, method, path, allow):
    response = await client.request(method, P + path, headers=api.headers, json={})
    assert response.status_code == 405, response.text
    assert response.headers["content-type"] == "application/problem+json"
    methods = set(response.headers["allow"].split(", "))
    if allow is not None:
        assert methods == set(allow.split(", "))
    assert method not in methods


async def test_allow_is_the_union_of_the_paths_routes(client, api):
    # GET and PATCH of /employees/{employee_id} are two routes; Allow names both.
    response = await client.put(f"{P}/employees/{uuid.uuid4()}", headers=api.headers, json={})
    assert {"GET", "PATCH"} <= set(response.headers["allow"].split(", "))
