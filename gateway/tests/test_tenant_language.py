"""A tenant's default language: set by an admin (`PATCH /api/v1/tenant`), used for the
gateway's own problem titles and forwarded to the services as `Accept-Language` when a
request carries none; an explicit `Accept-Language` always wins."""

from typing import get_args

import httpx
import pytest

from strata_contracts.gateway import Language as ContractLanguage
from strata_contracts.identity import Role
from strata_kit.i18n import Language as KitLanguage

from .conftest import bearer

MISSING_KEY = "/api/v1/keys/00000000-0000-0000-0000-000000000000"


def recording(seen: list[httpx.Request]):
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    return handler


async def set_language(client, key: str, language: str) -> httpx.Response:
    return await client.patch(
        "/api/v1/tenant", headers=bearer(key), json={"default_language": language}
    )


def test_the_contract_offers_exactly_the_languages_the_kit_knows():
    assert set(get_args(ContractLanguage)) == set(get_args(KitLanguage))


class TestSettingTheLanguage:
    async def test_a_new_tenant_is_english(self, client, make_tenant):
        created = await make_tenant()
        assert created.tenant.default_language == "en"
        response = await client.get("/api/v1/tenant", headers=bearer(created.admin_key.secret))
        assert response.json()["default_language"] == "en"

    async def test_an_admin_sets_it_and_reads_it_back(self, client, make_tenant):
        created = await make_tenant()
        response = await set_language(client, created.admin_key.secret, "zh-CN")
        assert response.status_code == 200, response.text
        assert response.json()["default_language"] == "zh-CN"
        again = await client.get("/api/v1/tenant", headers=bearer(created.admin_key.secret))
        assert again.json()["default_language"] == "zh-CN"
        assert again.json()["name"] == created.tenant.name

    @pytest.mark.parametrize("language", ["fr", "zh-TW", "", "ZH-cn ", None, 3])
    async def test_an_unknown_language_is_422_naming_the_field(self, client, make_tenant, language):
        created = await make_tenant()
        response = await set_language(client, created.admin_key.secret, language)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        pointers = [e["pointer"] for e in response.json()["errors"]]
        assert pointers == ["/body/default_language"]
        after = await client.get("/api/v1/tenant", headers=bearer(created.admin_key.secret))
        assert after.json()["default_language"] == "en"

    async def test_an_unknown_field_is_422(self, client, make_tenant):
        created = await make_tenant()
        response = await client.patch(
            "/api/v1/tenant",
            headers=bearer(created.admin_key.secret),
            json={"name": "Renamed"},
        )
        assert response.status_code == 422
        assert "/body/name" in [e["pointer"] for e in response.json()["errors"]]

    @pytest.mark.parametrize("role", [Role.HR, Role.MANAGER, Role.EMPLOYEE, Role.INTEGRATION])
    async def test_only_an_admin_may_change_it(self, client, make_tenant, make_key, role):
        created = await make_tenant()
        key = await make_key(created.tenant.id, role)
        response = await set_language(client, key.secret, "zh-CN")
        assert response.status_code == 403
        after = await client.get("/api/v1/tenant", headers=bearer(created.admin_key.secret))
        assert after.json()["default_language"] == "en"

    async def test_it_never_reaches_another_tenant(self, client, make_tenant):
        a = await make_tenant("A")
        b = await make_tenant("B")
        await set_language(client, a.admin_key.secret, "zh-CN")
        response = await client.delete(MISSING_KEY, headers=bearer(b.admin_key.secret))
        assert response.json()["title"] == "API key not found"
        other = await client.get("/api/v1/tenant", headers=bearer(b.admin_key.secret))
        assert other.json()["default_language"] == "en"


class TestTheDefaultInUse:
    async def test_a_chinese_tenants_problem_title_is_chinese_without_a_header(
        self, client, make_tenant
    ):
        created = await make_tenant()
        await set_language(client, created.admin_key.secret, "zh-CN")
        response = await client.delete(MISSING_KEY, headers=bearer(created.admin_key.secret))
        assert response.status_code == 404
        assert response.json()["title"] == "未找到 API 密钥"
        invalid = await client.post(
            "/api/v1/keys", headers=bearer(created.admin_key.secret), json={"name": ""}
        )
        assert invalid.json()["title"] == "校验失败"

    async def test_an_explicit_accept_language_wins(self, client, make_tenant):
        created = await make_tenant()
        await set_language(client, created.admin_key.secret, "zh-CN")
        response = await client.delete(
            MISSING_KEY,
            headers={**bearer(created.admin_key.secret), "Accept-Language": "en"},
        )
        assert response.json()["title"] == "API key not found"

    async def test_an_english_tenant_is_unchanged(self, client, make_tenant, upstream):
        created = await make_tenant()
        key = bearer(created.admin_key.secret)
        before = await client.delete(MISSING_KEY, headers=key)
        # Set to English explicitly: the same bytes as a tenant that never chose.
        assert (await set_language(client, created.admin_key.secret, "en")).status_code == 200
        after = await client.delete(MISSING_KEY, headers=key)
        assert before.json()["title"] == "API key not found"
        assert after.content.replace(
            after.json()["request_id"].encode(), b""
        ) == before.content.replace(before.json()["request_id"].encode(), b"")
        seen: list[httpx.Request] = []
        upstream("reviews", recording(seen))
        await client.get("/api/v1/reviews/anything", headers=key)
        assert "accept-language" not in seen[0].headers

    async def test_the_default_is_forwarded_to_the_services(self, client, make_tenant, upstream):
        created = await make_tenant()
        await set_language(client, created.admin_key.secret, "zh-CN")
        seen: list[httpx.Request] = []
        upstream("reviews", recording(seen))
        key = bearer(created.admin_key.secret)
        await client.get("/api/v1/reviews/templates", headers=key)
        await client.get("/api/v1/reviews/templates", headers={**key, "Accept-Language": "en"})
        await client.get(
            "/api/v1/reviews/templates", headers={**key, "Accept-Language": "fr, en;q=0.5"}
        )
        assert [r.headers.get("accept-language") for r in seen] == [
            "zh-CN",
            "en",
            "fr, en;q=0.5",
        ]

    async def test_a_change_is_seen_by_the_next_request(self, client, make_tenant):
        created = await make_tenant()
        key = bearer(created.admin_key.secret)
        assert (await client.delete(MISSING_KEY, headers=key)).json()[
            "title"
        ] == "API key not found"
        await set_language(client, created.admin_key.secret, "zh-CN")
        assert (await client.delete(MISSING_KEY, headers=key)).json()["title"] == "未找到 API 密钥"
        await set_language(client, created.admin_key.secret, "en")
        assert (await client.delete(MISSING_KEY, headers=key)).json()[
            "title"
        ] == "API key not found"
