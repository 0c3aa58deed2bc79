"""Who may call /scim/v2, what another tenant sees, and errors in SCIM's shape."""

import uuid

import pytest

from strata_contracts.identity import Role
from strata_goals.scim.service import ScimService

from .conftest import SCIM, assert_scim_error, patch_body, user_body


class TestCallers:
    async def test_a_request_without_identity_is_refused(self, client):
        response = await client.get(f"{SCIM}/Users")
        assert response.status_code == 401

    @pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.MANAGER, Role.HR])
    async def test_roles_other_than_integration_and_admin_get_a_scim_403(
        self, client, identity_headers, company, role
    ):
        headers = identity_headers(role)
        for method, path in [("GET", "/Users"), ("POST", "/Users"), ("GET", "/Schemas")]:
            body = user_body(1) if method == "POST" else None
            response = await client.request(method, SCIM + path, json=body, headers=headers)
            assert_scim_error(response, 403)
        assert (await client.get(f"{SCIM}/Users", headers=identity_headers(Role.ADMIN))).json()[
            "totalResults"
        ] == 0

    @pytest.mark.parametrize("role", [Role.INTEGRATION, Role.ADMIN])
    async def test_integration_and_admin_may_provision(
        self, client, identity_headers, company, role
    ):
        response = await client.post(
            f"{SCIM}/Users", json=user_body(1), headers=identity_headers(role)
        )
        assert response.status_code == 201


class TestTenants:
    @pytest.fixture
    async def theirs(self, scim, company):
        """A user and a group of this tenant, looked at by another tenant's integration."""
        user = await scim.user(department="Sales")
        return user, user["groups"][0]["value"]

    @pytest.fixture
    def other(self, identity_headers):
        return identity_headers(Role.INTEGRATION, tenant=uuid.uuid4())

    async def test_another_tenants_user_and_group_are_not_found(self, client, theirs, other):
        user_id, group_id = theirs[0]["id"], theirs[1]
        for path in (f"/Users/{user_id}", f"/Groups/{group_id}"):
            assert_scim_error(await client.get(SCIM + path, headers=other), 404)
        patch = patch_body({"op": "replace", "path": "active", "value": False})
        response = await client.patch(f"{SCIM}/Users/{user_id}", json=patch, headers=other)
        assert_scim_error(response, 404)
        response = await client.put(f"{SCIM}/Users/{user_id}", json=user_body(9), headers=other)
        assert_scim_error(response, 404)
        assert_scim_error(await client.delete(f"{SCIM}/Users/{user_id}", headers=other), 404)

    async def test_another_tenant_lists_nothing_of_ours(self, client, theirs, other, scim):
        for path in ("/Users", "/Groups"):
            listed = (await client.get(SCIM + path, headers=other)).json()
            assert (listed["totalResults"], listed.get("Resources", [])) == (0, [])
        still = await scim.ok("GET", f"/Users/{theirs[0]['id']}")
        assert still["active"] is True

    async def test_another_tenants_user_cannot_be_made_a_manager(self, client, theirs, other):
        response = await client.post(
            f"{SCIM}/Users", json=user_body(5, manager=theirs[0]["id"]), headers=other
        )
        assert_scim_error(response, 400, "invalidValue")


class TestScimErrors:
    async def test_an_id_that_is_no_uuid_is_not_found(self, scim):
        assert_scim_error(await scim.request("GET", "/Users/not-a-uuid"), 404)

    async def test_an_unknown_endpoint_answers_a_scim_404(self, scim):
        assert_scim_error(await scim.request("GET", "/Widgets"), 404)

    async def test_an_unsupported_method_answers_a_scim_405(self, scim):
        assert_scim_error(await scim.request("DELETE", "/ServiceProviderConfig"), 405)

    async def test_a_body_that_is_not_json_is_invalid_syntax(self, scim, company):
        response = await scim.request(
            "POST", "/Users", content=b"{nope", headers={"content-type": "application/scim+json"}
        )
        assert_scim_error(response, 400, "invalidSyntax")

    async def test_an_attribute_no_schema_defines_is_refused(self, scim, company):
        response = await scim.request("POST", "/Users", user_body(1, shoeSize=44))
        assert_scim_error(response, 400, "invalidSyntax")

    async def test_an_unexpected_failure_is_a_scim_500_naming_the_request(
        self, scim, company, monkeypatch
    ):
        async def broken(*_args, **_kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr(ScimService, "get_user", broken)
        response = await scim.request("GET", f"/Users/{uuid.uuid4()}")
        assert_scim_error(response, 500)
        assert response.headers["x-request-id"] in response.json()["detail"]
        assert "boom" not in response.text
