"""What every service guarantees: probes, identity enforced, problem details."""

from strata_contracts.identity import Role


class TestProbes:
    async def test_healthz_needs_no_identity(self, client):
        response = await client.get("/healthz")
        assert response.status_code == 200
        assert response.json()["service"] == "goals"

    async def test_readyz_checks_the_database(self, client):
        response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["checks"] == {"database": "ok"}


class TestIdentityRequired:
    async def test_no_token_is_401_problem(self, client):
        response = await client.get("/api/v1/goals/me")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 401

    async def test_valid_token_is_seen_as_the_caller(self, client, identity_headers, tenant_id):
        response = await client.get("/api/v1/goals/me", headers=identity_headers(Role.HR))
        assert response.status_code == 200
        body = response.json()
        assert body == {
            "service": "goals",
            "subject": "test",
            "tenant_id": str(tenant_id),
            "employee_id": None,
            "roles": ["hr"],
        }
