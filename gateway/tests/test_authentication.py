"""Who may come in: API keys, bearer JWTs, services' internal tokens, nobody else."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from strata_contracts.identity import IDENTITY_HEADER, IdentityClaims, Role
from strata_kit.identity import mint_identity_token
from strata_kit.testing import TEST_SECRET

from .conftest import bearer, echo_identity

JWT_SECRET = "portal-signing-secret-0123456789abcdef0123456789"


def _portal_token(**overrides: object) -> str:
    claims = {
        "sub": "user-42",
        "iss": "https://idp.example",
        "aud": "strata",
        "exp": datetime.now(UTC) + timedelta(minutes=5),
        "tenant_id": str(overrides.pop("tenant_id", uuid.uuid4())),
        "roles": ["manager", "not-a-role"],
        "employee_id": str(uuid.UUID(int=7)),
    }
    claims.update(overrides)
    return jwt.encode(claims, JWT_SECRET, algorithm="HS256")


class TestApiKeys:
    async def test_no_credentials_is_401_problem(self, client, upstream):
        upstream("goals", echo_identity("goals"))
        response = await client.get("/api/v1/goals/me")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["title"] == "Unauthorized"

    @pytest.mark.parametrize(
        "credential",
        ["strata_deadbeef_wrong", "strata_short", "nonsense", "strata__"],
    )
    async def test_unknown_or_malformed_key_is_401(self, client, upstream, make_tenant, credential):
        await make_tenant()
        upstream("goals", echo_identity("goals"))
        response = await client.get("/api/v1/goals/me", headers=bearer(credential))
        assert response.status_code == 401

    async def test_right_prefix_wrong_secret_is_401(self, client, upstream, make_tenant):
        created = await make_tenant()
        upstream("goals", echo_identity("goals"))
        forged = created.admin_key.secret[:-4] + "AAAA"
        response = await client.get("/api/v1/goals/me", headers=bearer(forged))
        assert response.status_code == 401

    async def test_valid_key_reaches_the_service_as_its_tenant_and_roles(
        self, client, upstream, make_tenant, make_key
    ):
        created = await make_tenant()
        employee = uuid.uuid4()
        key = await make_key(created.tenant.id, Role.HR, Role.MANAGER, employee_id=employee)
        upstream("goals", echo_identity("goals"))
        response = await client.get("/api/v1/goals/me", headers=bearer(key.secret))
        assert response.status_code == 200
        assert response.json() == {
            "service": "goals",
            "subject": f"key:{key.id}",
            "tenant_id": str(created.tenant.id),
            "employee_id": str(employee),
            "roles": ["hr", "manager"],
        }

    async def test_x_api_key_header_works_too(self, client, upstream, make_tenant):
        created = await make_tenant()
        upstream("goals", echo_identity("goals"))
        response = await client.get(
            "/api/v1/goals/me", headers={"X-API-Key": created.admin_key.secret}
        )
        assert response.status_code == 200

    async def test_revoked_key_is_refused(self, client, upstream, make_tenant):
        created = await make_tenant()
        upstream("goals", echo_identity("goals"))
        admin = bearer(created.admin_key.secret)
        other = (
            await client.post(
                "/api/v1/keys", headers=admin, json={"name": "hris", "roles": ["integration"]}
            )
        ).json()
        assert (
            await client.get("/api/v1/goals/me", headers=bearer(other["secret"]))
        ).status_code == 200
        revoked = await client.delete(f"/api/v1/keys/{other['id']}", headers=admin)
        assert revoked.status_code == 200
        assert revoked.json()["revoked_at"] is not None
        assert (
            await client.get("/api/v1/goals/me", headers=bearer(other["secret"]))
        ).status_code == 401

    async def test_credentials_never_reach_the_service(self, client, upstream, make_tenant):
        created = await make_tenant()
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(200, json={})

        upstream("goals", handler)
        await client.get(
            "/api/v1/goals/me",
            headers={**bearer(created.admin_key.secret), "Cookie": "session=1", "X-API-Key": "x"},
        )
        forwarded = {k.lower() for k in seen[0].headers}
        assert "authorization" not in forwarded
        assert "cookie" not in forwarded
        assert "x-api-key" not in forwarded
        assert IDENTITY_HEADER.lower() in forwarded


class TestJwt:
    @pytest.fixture
    def gateway_overrides(self):
        return {
            "jwt_key": JWT_SECRET,
            "jwt_issuer": "https://idp.example",
            "jwt_audience": "strata",
            "jwt_algorithms": ["HS256"],
        }

    async def test_valid_portal_token_maps_tenant_roles_and_employee(self, client, upstream):
        tenant = uuid.uuid4()
        upstream("goals", echo_identity("goals"))
        response = await client.get(
            "/api/v1/goals/me", headers=bearer(_portal_token(tenant_id=tenant))
        )
        assert response.status_code == 200
        assert response.json() == {
            "service": "goals",
            "subject": "user:user-42",
            "tenant_id": str(tenant),
            "employee_id": str(uuid.UUID(int=7)),
            "roles": ["manager"],
        }

    @pytest.mark.parametrize(
        "overrides",
        [
            {"aud": "someone-else"},
            {"iss": "https://evil.example"},
            {"exp": datetime.now(UTC) - timedelta(minutes=1)},
            {"tenant_id": "not-a-uuid"},
        ],
        ids=["audience", "issuer", "expired", "tenant"],
    )
    async def test_invalid_portal_token_is_401(self, client, upstream, overrides):
        upstream("goals", echo_identity("goals"))
        response = await client.get("/api/v1/goals/me", headers=bearer(_portal_token(**overrides)))
        assert response.status_code == 401

    async def test_token_signed_with_another_key_is_401(self, client, upstream):
        upstream("goals", echo_identity("goals"))
        token = jwt.encode(
            {
                "sub": "x",
                "iss": "https://idp.example",
                "aud": "strata",
                "tenant_id": str(uuid.uuid4()),
                "exp": datetime.now(UTC) + timedelta(minutes=5),
            },
            "another-secret-another-secret-another-secret",
            algorithm="HS256",
        )
        assert (await client.get("/api/v1/goals/me", headers=bearer(token))).status_code == 401


class TestJwtDisabled:
    async def test_jwt_is_refused_when_not_configured(self, client, upstream):
        upstream("goals", echo_identity("goals"))
        response = await client.get("/api/v1/goals/me", headers=bearer(_portal_token()))
        assert response.status_code == 401
        assert "not enabled" in response.json()["detail"]


class TestServiceToService:
    async def test_a_services_internal_token_is_accepted_and_refreshed(self, client, upstream):
        tenant = uuid.uuid4()
        claims = IdentityClaims(subject="key:abc", tenant_id=tenant, roles=frozenset({Role.HR}))
        upstream("goals", echo_identity("goals"))
        token = mint_identity_token(claims, TEST_SECRET)
        response = await client.get("/api/v1/goals/me", headers={IDENTITY_HEADER: token})
        assert response.status_code == 200
        assert response.json()["tenant_id"] == str(tenant)
        assert response.json()["roles"] == ["hr"]

    async def test_a_forged_internal_token_is_401(self, client, upstream):
        claims = IdentityClaims(subject="x", tenant_id=uuid.uuid4(), roles=frozenset({Role.ADMIN}))
        upstream("goals", echo_identity("goals"))
        token = mint_identity_token(claims, "not-the-platform-secret-0123456789abcdef")
        response = await client.get("/api/v1/goals/me", headers={IDENTITY_HEADER: token})
        assert response.status_code == 401


class TestPublicPaths:
    async def test_external_rater_links_pass_without_a_key_as_anonymous(self, client, upstream):
        upstream("reviews", echo_identity("reviews"))
        response = await client.get("/api/v1/reviews/external/some-token")
        assert response.status_code == 200
        assert response.json()["subject"] == "anonymous"
        assert response.json()["tenant_id"] is None
        assert response.json()["roles"] == []


class TestLinkTokensNotLogged:
    async def test_the_request_log_redacts_public_link_paths(self, client, upstream, caplog):
        upstream("reviews", echo_identity("reviews"))
        with caplog.at_level("DEBUG"):
            await client.get("/api/v1/reviews/external/invitations/s3cr3t-link-token/form")
        assert "s3cr3t-link-token" not in caplog.text
        assert "/api/v1/reviews/external/[redacted]" in caplog.text
