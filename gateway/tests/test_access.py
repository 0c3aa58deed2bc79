"""The gateway's own API: tenants and keys, admin only, never across tenants."""

import uuid

import pytest

from strata_contracts.identity import Role

from .conftest import bearer


class TestKeyManagementRoles:
    async def test_no_key_is_401(self, client):
        assert (await client.get("/api/v1/keys")).status_code == 401

    @pytest.mark.parametrize("role", [Role.HR, Role.MANAGER, Role.EMPLOYEE, Role.INTEGRATION])
    async def test_non_admin_is_403(self, client, make_tenant, make_key, role):
        created = await make_tenant()
        key = await make_key(created.tenant.id, role)
        for call in (
            client.get("/api/v1/keys", headers=bearer(key.secret)),
            client.post(
                "/api/v1/keys", headers=bearer(key.secret), json={"name": "x", "roles": ["admin"]}
            ),
            client.delete(f"/api/v1/keys/{key.id}", headers=bearer(key.secret)),
        ):
            response = await call
            assert response.status_code == 403
            assert "admin" in response.json()["detail"]


class TestKeyLifecycle:
    async def test_created_key_is_shown_once_and_stored_hashed(self, client, make_tenant, app):
        created = await make_tenant()
        admin = bearer(created.admin_key.secret)
        response = await client.post(
            "/api/v1/keys", headers=admin, json={"name": "HRIS sync", "roles": ["integration"]}
        )
        assert response.status_code == 201
        body = response.json()
        assert body["secret"].startswith(body["prefix"] + "_")
        listed = (await client.get("/api/v1/keys", headers=admin)).json()["items"]
        assert {k["name"] for k in listed} == {"initial admin key", "HRIS sync"}
        assert all("secret" not in k for k in listed)
        from sqlalchemy import text

        async with app.state.engine.connect() as conn:
            stored = (await conn.execute(text("SELECT secret_hash, prefix FROM api_key"))).all()
        assert body["secret"] not in {value for row in stored for value in row}

    async def test_invalid_body_is_422_naming_the_field(self, client, make_tenant):
        created = await make_tenant()
        response = await client.post(
            "/api/v1/keys",
            headers=bearer(created.admin_key.secret),
            json={"name": "x", "roles": ["superuser"]},
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "/body/roles/0"

    async def test_current_tenant(self, client, make_tenant):
        created = await make_tenant("Northwind")
        response = await client.get("/api/v1/tenant", headers=bearer(created.admin_key.secret))
        assert response.json()["name"] == "Northwind"


class TestTenantIsolation:
    async def test_another_tenants_key_is_404_and_untouched(self, client, make_tenant):
        a = await make_tenant("A")
        b = await make_tenant("B")
        response = await client.delete(
            f"/api/v1/keys/{b.admin_key.id}", headers=bearer(a.admin_key.secret)
        )
        assert response.status_code == 404
        still = await client.get("/api/v1/keys", headers=bearer(b.admin_key.secret))
        assert still.status_code == 200
        assert still.json()["items"][0]["revoked_at"] is None

    async def test_lists_show_only_the_callers_tenant(self, client, make_tenant):
        a = await make_tenant("A")
        b = await make_tenant("B")
        listed = (await client.get("/api/v1/keys", headers=bearer(a.admin_key.secret))).json()
        assert [k["id"] for k in listed["items"]] == [str(a.admin_key.id)]
        assert str(b.admin_key.id) not in str(listed)

    async def test_unknown_key_id_is_404(self, client, make_tenant):
        a = await make_tenant()
        response = await client.delete(
            f"/api/v1/keys/{uuid.uuid4()}", headers=bearer(a.admin_key.secret)
        )
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
