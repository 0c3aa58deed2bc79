"""A tenant's default language through the real stack (issue 19): the gateway forwards it as
`Accept-Language` to the services when a request sends none, so the default 360 template and
the services' problem titles come in the tenant's language; an explicit header wins."""

import json
import uuid

import httpx
import pytest

from .stack import Stack

pytestmark = pytest.mark.e2e

TEMPLATE = "/api/v1/reviews/templates/default-definition"


def _bearer(created: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {created['admin_key']['secret']}"}


def test_a_chinese_tenant_gets_chinese_from_the_services_and_english_wins_when_asked(
    stack: Stack,
) -> None:
    chinese = json.loads(stack.cli("tenant", "create", "Huaxia E2E", "--language", "zh-CN"))
    english = stack.create_tenant("Plain E2E")
    assert chinese["tenant"]["default_language"] == "zh-CN"
    with httpx.Client(base_url=stack.url(), timeout=30) as http:
        zh_key, en_key = _bearer(chinese), _bearer(english)
        template = http.get(TEMPLATE, headers=zh_key)
        assert template.status_code == 200, template.text
        assert template.json()["competencies"][0]["name"] == "沟通能力"
        asked = http.get(TEMPLATE, headers={**zh_key, "Accept-Language": "en"})
        plain = http.get(TEMPLATE, headers=en_key)
        assert asked.content == plain.content
        assert plain.json()["competencies"][0]["name"] != "沟通能力"

        missing = f"/api/v1/goals/employees/{uuid.uuid4()}"
        zh_problem = http.get(missing, headers=zh_key)
        en_problem = http.get(missing, headers=en_key)
        assert zh_problem.status_code == en_problem.status_code == 404
        assert zh_problem.json()["title"] == "未找到员工"
        assert en_problem.json()["title"] == "Employee not found"

        # An admin switches the Chinese tenant back: the next request is English.
        switched = http.patch("/api/v1/tenant", headers=zh_key, json={"default_language": "en"})
        assert switched.status_code == 200, switched.text
        assert http.get(missing, headers=zh_key).json()["title"] == "Employee not found"
