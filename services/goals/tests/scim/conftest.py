"""Helpers for the SCIM tests: an integration caller speaking SCIM, and a small organisation
(the enterprise unit, made through the REST API as HR would) to provision into."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from strata_contracts.identity import Role

SCIM = "/scim/v2"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SCIM_JSON = "application/scim+json"


def user_body(n: int | str, **fields: Any) -> dict[str, Any]:
    """A User as an IdP sends it; `department`, `manager`, `employeeNumber` go in the
    enterprise extension."""
    enterprise = {
        key: fields.pop(key) for key in ("department", "manager", "employeeNumber") if key in fields
    }
    if isinstance(enterprise.get("manager"), str):
        enterprise["manager"] = {"value": enterprise["manager"]}
    user_name = fields.get("userName", f"user{n}@example.com")
    email = user_name if "@" in user_name else f"user{n}@example.com"
    body: dict[str, Any] = {
        "schemas": [USER, ENTERPRISE] if enterprise else [USER],
        "userName": f"user{n}@example.com",
        "name": {"givenName": "Given", "familyName": f"Family{n}"},
        "emails": [{"value": email, "type": "work", "primary": True}],
        "active": True,
        **fields,
    }
    if enterprise:
        body[ENTERPRISE] = enterprise
    return body


def patch_body(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def assert_scim_error(response: httpx.Response, status: int, scim_type: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == SCIM_JSON
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type


class ScimApi:
    """SCIM calls as the tenant's integration key would make them through the gateway."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers
        self._n = 0

    async def request(
        self, method: str, path: str, json: Any = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        if json is not None:
            headers.setdefault("content-type", SCIM_JSON)
        return await self.client.request(method, SCIM + path, json=json, headers=headers, **kwargs)

    async def ok(
        self, method: str, path: str, json: Any = None, expect: int = 200, **kw: Any
    ) -> Any:
        response = await self.request(method, path, json, **kw)
        assert response.status_code == expect, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    async def user(self, **fields: Any) -> dict[str, Any]:
        """Create a user; keyword fields override the defaults of `user_body`."""
        self._n += 1
        return await self.ok("POST", "/Users", user_body(self._n, **fields), expect=201)  # type: ignore[no-any-return]

    async def group(
        self, name: str, members: list[str] | None = None, **fields: Any
    ) -> dict[str, Any]:
        body = {
            "schemas": [GROUP],
            "displayName": name,
            "members": [{"value": m} for m in members or []],
            **fields,
        }
        return await self.ok("POST", "/Groups", body, expect=201)  # type: ignore[no-any-return]

    async def patch(self, path: str, *operations: dict[str, Any], expect: int = 200) -> Any:
        return await self.ok("PATCH", path, patch_body(*operations), expect=expect)


@pytest.fixture
def scim(client: httpx.AsyncClient, identity_headers: Callable[..., dict[str, str]]) -> ScimApi:
    return ScimApi(client, identity_headers(Role.INTEGRATION, subject="key:okta"))


@pytest.fixture
async def company(api: Any) -> dict[str, Any]:
    """The tenant's enterprise unit, made by HR through the REST API before the IdP connects."""
    return await api.org_unit(name="Acme Ltd", code="ACME")
