from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import strata_goals
from strata_contracts.identity import Role
from strata_goals.main import create_app
from strata_goals.settings import GoalsSettings


@pytest.fixture(scope="session")
def service_migrations() -> Path:
    return Path(strata_goals.__file__).parent / "migrations"


@pytest.fixture(scope="session")
def settings_factory() -> type[GoalsSettings]:
    return GoalsSettings


@pytest.fixture(scope="session")
def app_factory():  # type: ignore[no-untyped-def]
    return create_app


P = "/api/v1/goals"


class GoalsApi:
    """Small factories over the HTTP API, with keyword defaults (HR identity by default)."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    async def call(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        expect: int | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        response = await self.client.request(
            method, P + path, json=json, params=params, headers=headers or self.headers
        )
        wanted = expect or {"POST": 201}.get(method, 200)
        assert response.status_code == wanted, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    async def org_unit(self, *, parent_id: str | None = None, **fields: Any) -> dict[str, Any]:
        n = self._next()
        body = {"name": f"Unit {n}", "parent_id": parent_id, **fields}
        return await self.call("POST", "/org-units", body)  # type: ignore[no-any-return]

    async def position(self, org_unit_id: str, **fields: Any) -> dict[str, Any]:
        n = self._next()
        body = {"title": f"Post {n}", "org_unit_id": org_unit_id, **fields}
        return await self.call("POST", "/positions", body)  # type: ignore[no-any-return]

    async def employee(
        self,
        org_unit_id: str,
        *,
        manager_id: str | None = None,
        position_id: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        n = self._next()
        body = {
            "name": f"Person {n}",
            "email": f"person{n}@example.com",
            "org_unit_id": org_unit_id,
            "manager_id": manager_id,
            "position_id": position_id,
            **fields,
        }
        return await self.call("POST", "/employees", body)  # type: ignore[no-any-return]


@pytest.fixture
def api(client: httpx.AsyncClient, identity_headers: Callable[..., dict[str, str]]) -> GoalsApi:
    return GoalsApi(client, identity_headers(Role.HR, subject="hr-user"))
