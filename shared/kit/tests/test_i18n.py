"""Problem titles in Simplified Chinese for `Accept-Language: zh-CN` (issue 19); English
answers stay byte for byte what they were."""

import pytest

from strata_contracts.identity import Role
from strata_kit.i18n import language

WIDGETS = "/api/v1/kittest/widgets"
MISSING = f"{WIDGETS}/00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("zh-CN", "zh-CN"),
        ("zh-Hans", "zh-CN"),
        ("zh", "zh-CN"),
        ("zh-TW", "en"),
        ("en-US,en;q=0.9", "en"),
        ("en;q=0.5, zh-CN;q=0.8", "zh-CN"),
        ("zh-CN;q=0.4, en", "en"),
        ("zh-CN;q=0", "en"),
        ("fr, de;q=0.9", "en"),
        ("zh-CN;q=abc", "en"),
        ("*", "en"),
    ],
)
def test_negotiation(header, expected):
    assert language(header) == expected


class TestProblemTitles:
    async def test_titles_follow_accept_language(self, client, identity_headers):
        headers = identity_headers(Role.HR)
        english = await client.get(MISSING, headers=headers)
        chinese = await client.get(MISSING, headers={**headers, "Accept-Language": "zh-CN"})
        assert english.status_code == chinese.status_code == 404
        assert english.json()["title"] == "Not found"
        assert chinese.json()["title"] == "未找到"
        # only the title changes
        assert {k: v for k, v in chinese.json().items() if k not in ("title", "request_id")} == {
            k: v for k, v in english.json().items() if k not in ("title", "request_id")
        }

    async def test_validation_and_untranslated_titles(self, client, identity_headers):
        zh = {**identity_headers(Role.HR), "Accept-Language": "zh-CN"}
        invalid = await client.post(WIDGETS, json={"name": 7}, headers=zh)
        assert invalid.status_code == 422
        assert invalid.json()["title"] == "校验失败"
        locked = await client.post(f"{WIDGETS}/then-fail", json={"name": "bolt"}, headers=zh)
        assert locked.json()["title"] == "组件已锁定"
        unauthenticated = await client.get(MISSING, headers={"Accept-Language": "zh-CN"})
        assert unauthenticated.json()["title"] in ("未认证", "无权访问")

    async def test_english_is_unchanged(self, client, identity_headers):
        headers = identity_headers(Role.HR)
        plain = await client.get(MISSING, headers=headers)
        asked = await client.get(MISSING, headers={**headers, "Accept-Language": "en-GB"})
        strip = lambda r: r.content.replace(r.headers["x-request-id"].encode(), b"")  # noqa: E731
        assert strip(plain) == strip(asked)
        assert b'"title":"Not found"' in plain.content
