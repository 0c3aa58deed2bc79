"""405s name the methods the path really has, and a literal path is never taken by a
`/{id}` route of another method (issue 16)."""

import uuid

WIDGETS = "/api/v1/kittest/widgets"


class TestMethodNotAllowed:
    async def test_a_literal_path_is_not_shadowed_by_an_id_route(self, client, identity_headers):
        # DELETE /widgets/{widget_id} exists; /widgets/count is GET only: 405, not 422.
        response = await client.delete(f"{WIDGETS}/count", headers=identity_headers())
        assert response.status_code == 405, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["allow"] == "GET"

    async def test_allow_names_every_method_of_the_path(self, client, identity_headers):
        response = await client.put(f"{WIDGETS}/{uuid.uuid4()}", headers=identity_headers())
        assert response.status_code == 405
        assert response.headers["allow"] == "DELETE, GET"
        response = await client.patch(WIDGETS, headers=identity_headers())
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, POST"

    async def test_an_unknown_path_is_still_404(self, client, identity_headers):
        response = await client.patch("/api/v1/kittest/nowhere", headers=identity_headers())
        assert response.status_code == 404

    async def test_the_id_route_still_serves_ids(self, client, identity_headers):
        response = await client.get(f"{WIDGETS}/{uuid.uuid4()}", headers=identity_headers())
        assert response.status_code == 404
        response = await client.get(f"{WIDGETS}/not-an-id", headers=identity_headers())
        assert response.status_code == 422
