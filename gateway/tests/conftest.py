"""Gateway test fixtures: the gateway app on a fresh database, tenants and keys made
through the access service, and upstreams replaced by `httpx.MockTransport` handlers."""

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import strata_gateway
from strata_contracts.gateway import ApiKeyCreate, ApiKeyCreated, TenantCreated
from strata_contracts.identity import IDENTITY_HEADER, IdentityRead, Role
from strata_gateway.access.service import access_service
from strata_gateway.main import create_app
from strata_gateway.settings import GatewaySettings
from strata_kit.db import allow_cross_tenant, bind_tenant
from strata_kit.identity import verify_identity_token
from strata_kit.testing import TEST_SECRET

Handler = Callable[[httpx.Request], Awaitable[httpx.Response] | httpx.Response]


@pytest.fixture(scope="session")
def service_migrations() -> Path:
    return Path(strata_gateway.__file__).parent / "migrations"


@pytest.fixture
def gateway_overrides() -> dict[str, Any]:
    """Settings a test module changes (override this fixture)."""
    return {}


@pytest.fixture
def settings_factory(gateway_overrides: dict[str, Any]) -> Callable[..., GatewaySettings]:
    def make(**kwargs: Any) -> GatewaySettings:
        return GatewaySettings(
            **{"api_key_cache_seconds": 0, "upstream_check": False, **kwargs, **gateway_overrides}
        )

    return make


@pytest.fixture(scope="session")
def app_factory() -> Callable[[GatewaySettings], FastAPI]:
    return create_app


@pytest.fixture
def make_tenant(app: FastAPI) -> Callable[[str], Awaitable[TenantCreated]]:
    async def make(name: str = "Acme") -> TenantCreated:
        async with app.state.sessionmaker() as session:
            allow_cross_tenant(session)
            created = await access_service.create_tenant(session, name)
            await session.commit()
            return created

    return make


@pytest.fixture
def make_key(app: FastAPI) -> Callable[..., Awaitable[ApiKeyCreated]]:
    async def make(
        tenant_id: uuid.UUID, *roles: Role, employee_id: uuid.UUID | None = None
    ) -> ApiKeyCreated:
        async with app.state.sessionmaker() as session:
            bind_tenant(session, tenant_id)
            key = await access_service.create_key(
                session,
                tenant_id,
                ApiKeyCreate(name="test", roles=list(roles), employee_id=employee_id),
            )
            await session.commit()
            return key

    return make


def echo_identity(service: str) -> Handler:
    """An upstream that answers with the identity it was sent (as the kit would see it)."""

    def handler(request: httpx.Request) -> httpx.Response:
        claims = verify_identity_token(request.headers[IDENTITY_HEADER], TEST_SECRET)
        body = IdentityRead(
            service=service,
            subject=claims.subject,
            tenant_id=claims.tenant_id,
            employee_id=claims.employee_id,
            roles=sorted(claims.roles),
        )
        return httpx.Response(200, json=body.model_dump(mode="json"))

    return handler


@pytest.fixture
def upstream(app: FastAPI) -> Callable[[str, Handler], None]:
    """`upstream("goals", handler)`: route the goals service to `handler`."""

    def install(service: str, handler: Handler) -> None:
        app.state.upstreams[service] = httpx.AsyncClient(
            transport=httpx.MockTransport(handler), base_url=f"http://{service}"
        )

    return install


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
