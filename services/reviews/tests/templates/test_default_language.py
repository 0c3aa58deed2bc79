"""The default 360 template in Simplified Chinese for `Accept-Language: zh-CN` (issue 19):
the same keys, scale values and structure, every text translated; English unchanged."""

import importlib.util
import json
from pathlib import Path

from strata_reviews.templates.defaults import ZH, default_definition

BASE = "/api/v1/reviews/templates"
TEXT = ("name", "label", "anchor", "description", "text")


def _texts(node, key=None):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        return [t for k, v in node.items() for t in _texts(v, k)]
    if isinstance(node, list):
        return [t for v in node for t in _texts(v, key)]
    return [node] if isinstance(node, str) and key in TEXT else []


def _shape(node, key=None):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        return {k: _shape(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_shape(v, key) for v in node]
    return "<text>" if isinstance(node, str) and key in TEXT else node


async def test_chinese_default_template(client, hr):
    english = (await client.get(f"{BASE}/default-definition", headers=hr)).json()
    chinese = (
        await client.get(f"{BASE}/default-definition", headers={**hr, "Accept-Language": "zh-CN"})
    ).json()
    assert _shape(chinese) == _shape(english)
    texts = _texts(chinese)
    assert texts
    assert all(any("\u4e00" <= c <= "\u9fff" for c in t) for t in texts), texts
    assert chinese["competencies"][0]["name"] == "沟通能力"
    assert set(_texts(english)) == set(ZH)


async def test_english_is_what_it_was(client, hr):
    english = (await client.get(f"{BASE}/default-definition", headers=hr)).json()
    asked = (
        await client.get(f"{BASE}/default-definition", headers={**hr, "Accept-Language": "en-GB"})
    ).json()
    assert english == asked == default_definition().model_dump(mode="json")
    assert json.dumps(english, sort_keys=True) == json.dumps(
        _before().model_dump(mode="json"), sort_keys=True
    )


def _before():  # type: ignore[no-untyped-def]
    """The default model as the reviews service shipped it before the translation."""
    path = Path(__file__).parent / "default_definition_before.py"
    spec = importlib.util.spec_from_file_location("default_definition_before", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.default_definition()
