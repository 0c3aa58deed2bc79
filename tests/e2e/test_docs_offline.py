"""The interactive docs render with no network beyond 127.0.0.1 (issue 19): Swagger UI at
`/docs` and ReDoc at `/redoc`, their assets served by the gateway itself, rendered in
headless Chromium with every other host unresolvable."""

import re

import httpx
import pytest

from strata_kit import testing_browser as browser
from strata_kit.testing_artifacts import artifacts_dir

from .stack import Stack

pytestmark = pytest.mark.e2e


def _operation_ids(stack: Stack) -> set[str]:
    spec = httpx.get(f"{stack.url()}/openapi.json", timeout=30).json()
    assert "x-strata-unavailable" not in spec
    return {
        op["operationId"]
        for item in spec["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }


def test_swagger_ui_renders_offline_and_lists_the_operations(stack: Stack) -> None:
    dom = browser.render(f"{stack.url()}/docs")
    # Swagger UI draws one block per operation, its id `operations-<tag>-<operationId>`.
    rendered = set(re.findall(r'id="operations-[^"]*?-([A-Za-z0-9_]+)"', dom))
    expected = _operation_ids(stack)
    assert len(expected) > 100
    missing = expected - rendered
    assert not missing, f"{len(missing)} operations not rendered, e.g. {sorted(missing)[:5]}"
    shot = browser.screenshot(f"{stack.url()}/docs", artifacts_dir() / "docs-swagger.png")
    assert not browser.blank(shot)
    page = httpx.get(f"{stack.url()}/docs", timeout=10).text
    assert "https://" not in page


def test_redoc_renders_offline(stack: Stack) -> None:
    response = httpx.get(f"{stack.url()}/redoc", timeout=10)
    assert response.status_code == 200
    assert "fonts.googleapis" not in response.text
    dom = browser.render(f"{stack.url()}/redoc")
    # ReDoc lists every operation in its side menu, one label per operation summary.
    assert 'class="api-content"' in dom or "api-content" in dom
    assert dom.count('role="menuitem"') > 100
    shot = browser.screenshot(f"{stack.url()}/redoc", artifacts_dir() / "docs-redoc.png")
    assert not browser.blank(shot)


def test_docs_assets_are_served_by_the_gateway(stack: Stack) -> None:
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        response = httpx.get(f"{stack.url()}/docs/assets/{asset}", timeout=10)
        assert response.status_code == 200, asset
        assert len(response.content) > 100_000
