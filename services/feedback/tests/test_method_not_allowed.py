"""`PATCH …/overdue-sweep` is 405 (POST only), not taken by `PATCH …/{action_id}` (issue 16)."""

from strata_contracts.identity import Role


async def test_patch_on_the_sweep_is_405(client, identity_headers):
    response = await client.patch(
        "/api/v1/feedback/improvement-actions/overdue-sweep",
        json={},
        headers=identity_headers(Role.HR),
    )
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "POST"
    assert response.headers["content-type"] == "application/problem+json"
