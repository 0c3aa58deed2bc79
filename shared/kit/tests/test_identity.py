"""The internal identity token and the checks built on it."""

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from strata_contracts.identity import IDENTITY_HEADER, IdentityClaims, Role
from strata_kit.errors import Forbidden
from strata_kit.identity import (
    AUDIENCE,
    ISSUER,
    IdentityMiddleware,
    InvalidIdentity,
    TenantIdentity,
    get_tenant_identity,
    mint_identity_token,
    verify_identity_token,
)
from strata_kit.testing import TEST_SECRET

SECRET = "a-signing-secret-of-at-least-thirty-two-characters"
PROBLEM = "application/problem+json"


def claims(**changes) -> IdentityClaims:
    values = {
        "subject": "user:ada",
        "tenant_id": uuid.uuid4(),
        "employee_id": uuid.uuid4(),
        "roles": frozenset({Role.MANAGER, Role.EMPLOYEE}),
    } | changes
    return IdentityClaims(**values)


def signed(payload_changes: dict, secret: str = SECRET) -> str:
    now = datetime.now(UTC)
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user:ada",
        "iat": now,
        "exp": now + timedelta(minutes=1),
        "roles": ["hr"],
        "tid": str(uuid.uuid4()),
    } | payload_changes
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, "HS256")


class TestTokens:
    @pytest.mark.parametrize(
        "token",
        [
            pytest.param(mint_identity_token(claims(), SECRET, ttl_seconds=-30), id="expired"),
            pytest.param(mint_identity_token(claims(), "another-secret" * 4), id="wrong-secret"),
            pytest.param(signed({"aud": "somebody-else"}), id="wrong-audience"),
            pytest.param(signed({"iss": "somebody-else"}), id="wrong-issuer"),
            pytest.param(signed({"exp": None}), id="no-expiry"),
            pytest.param(
                jwt.encode({"sub": "x", "aud": AUDIENCE, "iss": ISSUER}, None, "none"),
                id="unsigned",
            ),
            pytest.param(signed({"roles": ["emperor"]}), id="unknown-role"),
            pytest.param("not-a-token", id="garbage"),
        ],
    )
    def test_a_bad_token_is_refused(self, token):
        with pytest.raises(InvalidIdentity):
            verify_identity_token(token, SECRET)

    def test_a_minted_token_verifies_to_the_same_claims(self):
        original = claims()
        verified = verify_identity_token(mint_identity_token(original, SECRET), SECRET)
        assert verified.model_dump(exclude={"expires_at"}) == original.model_dump(
            exclude={"expires_at"}
        )
        assert verified.expires_at > datetime.now(UTC)

    def test_a_platform_identity_round_trips_without_tenant(self):
        original = claims(tenant_id=None, employee_id=None, roles=frozenset())
        verified = verify_identity_token(mint_identity_token(original, SECRET), SECRET)
        assert (verified.subject, verified.tenant_id, verified.roles) == ("user:ada", None, set())


class TestIdentityRequired:
    @pytest.mark.parametrize(
        "path",
        [
            "/api/v1/kittest/widgets",
            "/api/v1/kittest/me",
            "/api/v1/kittest/no-such-route",
            "/openapi.json",
        ],
    )
    async def test_no_token_is_401_problem_on_every_path(self, client, path):
        response = await client.get(path)
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["www-authenticate"] == "Bearer"
        body = response.json()
        assert body["type"] == "https://strata.dev/problems/unauthorized"
        assert body["instance"] == path
        assert body["request_id"] == response.headers["x-request-id"]

    @pytest.mark.parametrize(
        "token",
        [
            pytest.param("not-a-token", id="garbage"),
            pytest.param(mint_identity_token(claims(), SECRET), id="wrong-secret"),
            pytest.param(mint_identity_token(claims(), TEST_SECRET, ttl_seconds=-30), id="expired"),
        ],
    )
    async def test_a_bad_token_is_401_problem(self, client, token):
        response = await client.get("/api/v1/kittest/widgets", headers={IDENTITY_HEADER: token})
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        assert "invalid or expired" in response.json()["detail"]

    @pytest.mark.parametrize("path", ["/healthz", "/readyz"])
    async def test_probes_need_no_token(self, client, path):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.json()["service"] == "kittest"

    async def test_a_valid_token_is_seen_as_the_caller(self, client, identity_headers, tenant_id):
        employee = uuid.uuid4()
        response = await client.get(
            "/api/v1/kittest/me", headers=identity_headers(Role.HR, employee_id=employee)
        )
        assert response.status_code == 200
        assert response.json() == {
            "service": "kittest",
            "subject": "test",
            "tenant_id": str(tenant_id),
            "employee_id": str(employee),
            "roles": ["hr"],
        }


class TestRequireRoles:
    async def test_a_caller_without_the_role_is_403_naming_the_roles(
        self, client, identity_headers
    ):
        response = await client.delete(
            f"/api/v1/kittest/widgets/{uuid.uuid4()}",
            headers=identity_headers(Role.MANAGER, Role.EMPLOYEE),
        )
        assert response.status_code == 403
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["detail"] == "This call needs one of the roles: admin, hr."

    async def test_a_caller_with_one_of_the_roles_passes(self, client, identity_headers):
        response = await client.delete(
            f"/api/v1/kittest/widgets/{uuid.uuid4()}", headers=identity_headers(Role.HR)
        )
        assert response.status_code == 404  # past the role check, to the lookup


class TestTenantRoutes:
    @pytest.fixture
    def platform_headers(self) -> dict[str, str]:
        platform = IdentityClaims(subject="service:gateway", roles=frozenset({Role.ADMIN}))
        return {IDENTITY_HEADER: mint_identity_token(platform, TEST_SECRET)}

    async def test_a_platform_identity_is_403_on_tenant_routes(self, client, platform_headers):
        response = await client.get("/api/v1/kittest/widgets", headers=platform_headers)
        assert response.status_code == 403
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["detail"] == "This call needs a tenant-scoped identity."

    async def test_a_platform_identity_may_ask_who_it_is(self, client, platform_headers):
        response = await client.get("/api/v1/kittest/me", headers=platform_headers)
        assert response.status_code == 200
        assert response.json()["tenant_id"] is None


class TestTenantIdentityOncePerToken:
    """A tenant caller's identity is built once per token, not once per request."""

    async def test_the_middleware_hands_the_same_tenant_identity_to_each_request(self):
        seen: list[object] = []

        async def app(scope, receive, send):  # type: ignore[no-untyped-def]
            seen.append(scope["state"]["identity"])

        middleware = IdentityMiddleware(app, secret=TEST_SECRET)
        claims = IdentityClaims(subject="s", tenant_id=uuid.uuid4(), roles=frozenset({Role.HR}))
        token = mint_identity_token(claims, TEST_SECRET)
        for _ in range(2):
            scope = {
                "type": "http",
                "path": "/api/v1/x",
                "headers": [(IDENTITY_HEADER.lower().encode(), token.encode())],
            }
            await middleware(scope, None, None)  # type: ignore[arg-type]
        assert isinstance(seen[0], TenantIdentity)
        assert seen[0] is seen[1]
        assert (seen[0].tenant_id, seen[0].roles) == (claims.tenant_id, claims.roles)
        assert await get_tenant_identity(seen[0]) is seen[0]  # type: ignore[arg-type]

    async def test_an_identity_without_a_tenant_stays_plain_and_is_refused(self):
        claims = IdentityClaims(subject="s", roles=frozenset({Role.ADMIN}))
        with pytest.raises(Forbidden):
            await get_tenant_identity(claims)
