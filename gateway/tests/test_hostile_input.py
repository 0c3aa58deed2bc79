"""Keys and webhooks take only what they document (issue 16): extra fields, NaN, control
characters and employees that are not the tenant's are refused with 422, nothing stored."""

import uuid

import httpx
import pytest

from strata_contracts.identity import Role

from .conftest import bearer

KEYS = "/api/v1/keys"
HOOKS = "/api/v1/webhooks"


def goals_knowing(*employees: uuid.UUID):  # type: ignore[no-untyped-def]
    """A goals upstream that knows these employees (in the caller's tenant) and no other."""

    def handler(request: httpx.Request) -> httpx.Response:
        wanted = request.url.path.rsplit("/", 1)[-1]
        if request.url.path.startswith("/api/v1/goals/employees/") and wanted in {
            str(e) for e in employees
        }:
            return httpx.Response(
                200,
                json={
                    "id": wanted,
                    "created_at": "2026-01-01T00:00:00Z",
                    "updated_at": "2026-01-01T00:00:00Z",
                    "external_id": None,
                    "name": "Known",
                    "email": "known@example.com",
                    "org_unit_id": str(uuid.uuid4()),
                    "position_id": None,
                    "manager_id": None,
                    "status": "active",
                    "hire_date": None,
                },
            )
        return httpx.Response(
            404,
            json={"title": "Not found", "status": 404, "type": "about:blank"},
            headers={"content-type": "application/problem+json"},
        )

    return handler


async def key_count(client, admin) -> int:
    return len((await client.get(KEYS, headers=admin, params={"limit": 500})).json()["items"])


async def hook_count(client, admin) -> int:
    return len((await client.get(HOOKS, headers=admin, params={"limit": 500})).json()["items"])


class TestKeys:
    @pytest.mark.parametrize(
        "body",
        [
            b'{"name": "k", "roles": ["admin"], "extra": 1}',
            b'{"name": "k", "roles": ["admin"], "extra": NaN}',
            b'{"name": "k\\u0000", "roles": ["admin"]}',
            b'{"name": "k\\u0007bell", "roles": ["admin"]}',
        ],
        ids=["extra-field", "extra-nan", "nul-in-name", "bell-in-name"],
    )
    async def test_is_422_and_no_key_is_made(self, client, make_tenant, body):
        created = await make_tenant()
        admin = bearer(created.admin_key.secret)
        before = await key_count(client, admin)
        response = await client.post(
            KEYS, content=body, headers=admin | {"content-type": "application/json"}
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert await key_count(client, admin) == before

    async def test_the_name_with_a_nul_is_named(self, client, make_tenant):
        admin = bearer((await make_tenant()).admin_key.secret)
        response = await client.post(
            KEYS, json={"name": "a\x00b", "roles": ["admin"]}, headers=admin
        )
        assert response.status_code == 422
        assert [e["pointer"] for e in response.json()["errors"]] == ["/body/name"]

    async def test_an_employee_the_tenant_does_not_have_is_refused(
        self, client, make_tenant, upstream
    ):
        known = uuid.uuid4()
        upstream("goals", goals_knowing(known))
        admin = bearer((await make_tenant()).admin_key.secret)
        before = await key_count(client, admin)
        response = await client.post(
            KEYS,
            json={"name": "person", "roles": ["employee"], "employee_id": str(uuid.uuid4())},
            headers=admin,
        )
        assert response.status_code == 422, response.text
        assert [e["pointer"] for e in response.json()["errors"]] == ["/body/employee_id"]
        assert await key_count(client, admin) == before
        response = await client.post(
            KEYS,
            json={"name": "person", "roles": ["employee"], "employee_id": str(known)},
            headers=admin,
        )
        assert response.status_code == 201, response.text
        assert response.json()["employee_id"] == str(known)

    async def test_goals_down_refuses_a_person_key_with_503(self, client, make_tenant, upstream):
        def down(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("refused", request=request)

        upstream("goals", down)
        admin = bearer((await make_tenant()).admin_key.secret)
        before = await key_count(client, admin)
        response = await client.post(
            KEYS,
            json={"name": "p", "roles": ["employee"], "employee_id": str(uuid.uuid4())},
            headers=admin,
        )
        assert response.status_code == 503
        assert await key_count(client, admin) == before
        # A key bound to no employee needs no check.
        ok = await client.post(KEYS, json={"name": "i", "roles": ["integration"]}, headers=admin)
        assert ok.status_code == 201


class TestWebhooks:
    @pytest.mark.parametrize(
        "body",
        [
            b'{"url": "https://hooks.example/x", "extra": true}',
            b'{"url": "https://hooks.example/x", "extra": NaN}',
            b'{"url": "https://hooks.example/x", "description": "a\\u0000b"}',
            b'{"url": "https://hooks.example/x", "event_types": ["goals.\\u001b"]}',
        ],
        ids=["extra-field", "nan", "nul-in-description", "escape-in-event-type"],
    )
    async def test_is_422_and_nothing_is_subscribed(self, client, make_tenant, body):
        admin = bearer((await make_tenant()).admin_key.secret)
        before = await hook_count(client, admin)
        response = await client.post(
            HOOKS, content=body, headers=admin | {"content-type": "application/json"}
        )
        assert response.status_code == 422, response.text
        assert await hook_count(client, admin) == before

    async def test_an_update_with_extra_fields_is_422(self, client, make_tenant):
        admin = bearer((await make_tenant()).admin_key.secret)
        hook = await client.post(HOOKS, json={"url": "https://hooks.example/x"}, headers=admin)
        assert hook.status_code == 201, hook.text
        response = await client.patch(
            f"{HOOKS}/{hook.json()['id']}", json={"secret": "mine"}, headers=admin
        )
        assert response.status_code == 422, response.text


class TestTenantRoles:
    async def test_an_hr_key_cannot_make_keys_at_all(self, client, make_tenant, make_key):
        created = await make_tenant()
        hr = await make_key(created.tenant.id, Role.HR)
        response = await client.post(
            KEYS, json={"name": "x", "roles": ["admin"]}, headers=bearer(hr.secret)
        )
        assert response.status_code == 403


class TestMethodNotAllowed:
    async def test_the_gateways_own_paths_name_their_methods(self, client, make_tenant):
        admin = bearer((await make_tenant()).admin_key.secret)
        response = await client.put(KEYS, json={}, headers=admin)
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, POST"

    async def test_a_services_405_and_its_allow_reach_the_client(
        self, client, make_tenant, upstream
    ):
        seen: list[str] = []

        def goals(request: httpx.Request) -> httpx.Response:
            seen.append(request.method)
            return httpx.Response(
                405,
                json={"title": "Method not allowed", "status": 405},
                headers={"allow": "POST", "content-type": "application/problem+json"},
            )

        upstream("goals", goals)
        admin = bearer((await make_tenant()).admin_key.secret)
        response = await client.patch("/api/v1/goals/employees/bulk-upsert", headers=admin)
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert seen == ["PATCH"]


class TestProxiedBodies:
    async def test_are_judged_by_the_service_not_twice(self, client, make_tenant, upstream):
        """The gateway relays a proxied body unread; the service applies the limits in its
        own error format (SCIM's), so the gateway does not answer for it."""
        received: list[bytes] = []

        def goals(request: httpx.Request) -> httpx.Response:
            received.append(request.content)
            return httpx.Response(400, json={"status": "400"})

        upstream("goals", goals)
        admin = bearer((await make_tenant()).admin_key.secret)
        deep = b"[" * 2000 + b"]" * 2000
        response = await client.post(
            "/scim/v2/Users", content=deep, headers=admin | {"content-type": "application/json"}
        )
        assert response.status_code == 400
        assert received == [deep]
