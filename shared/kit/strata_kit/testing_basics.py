"""What every service guarantees, written once: probes, identity enforced, problem details.
Each service's suite subclasses `ServiceBasics` with its name (pytest collects the
subclass, named `Test...`, with the service's own `client` and `identity_headers` fixtures)."""

import uuid
from typing import ClassVar

import httpx

from strata_contracts.identity import Role
from strata_kit.testing import IdentityHeaders


class ServiceBasics:
    service: ClassVar[str]

    async def test_healthz_needs_no_identity(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz")
        assert response.status_code == 200
        assert response.json()["service"] == self.service

    async def test_readyz_checks_the_database(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["checks"] == {"database": "ok"}

    async def test_no_token_is_401_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/api/v1/{self.service}/me")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 401

    async def test_valid_token_is_seen_as_the_caller(
        self, client: httpx.AsyncClient, identity_headers: IdentityHeaders, tenant_id: uuid.UUID
    ) -> None:
        response = await client.get(f"/api/v1/{self.service}/me", headers=identity_headers(Role.HR))
        assert response.status_code == 200
        body = response.json()
        assert body == {
            "service": self.service,
            "subject": "test",
            "tenant_id": str(tenant_id),
            "employee_id": None,
            "roles": ["hr"],
        }
