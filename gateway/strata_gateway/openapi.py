"""The merged OpenAPI 3.1 document: the gateway's own operations plus every service's.

Each service's document is fetched with a platform identity (no tenant) and cached for a
minute; a service that is down is left out and named in `x-strata-unavailable`, so the
docs still load. Schema names that two services define differently are prefixed with the
service name and their references rewritten.
"""

import asyncio
import copy
import time
from pathlib import Path
from typing import Any

import fastapi_offline
import httpx
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from strata_contracts.identity import IDENTITY_HEADER, IdentityClaims
from strata_contracts.problem import PROBLEM_MEDIA_TYPE
from strata_kit.identity import mint_identity_token
from strata_kit.logging import get_logger

log = get_logger(__name__)
OFFLINE_ASSETS = Path(fastapi_offline.__file__).parent / "static"
CACHE_SECONDS = 60.0
PLATFORM_IDENTITY = IdentityClaims(subject="service:gateway")
SECURITY_SCHEMES = {
    "ApiKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key `strata_<prefix>_<secret>` (`strata key create`).",
    },
    "BearerJWT": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A portal user's JWT (issuer, audience and key set on the gateway).",
    },
}


class SpecCache:
    def __init__(self, upstreams: dict[str, httpx.AsyncClient], secret: str) -> None:
        self.upstreams = upstreams
        self.secret = secret
        self._specs: dict[str, tuple[dict[str, Any], float]] = {}

    async def fetch_all(self) -> tuple[dict[str, dict[str, Any]], list[str]]:
        now = time.monotonic()
        stale = [s for s in self.upstreams if self._specs.get(s, ({}, 0.0))[1] <= now]
        results = await asyncio.gather(*(self._fetch(s) for s in stale))
        missing = []
        for service, spec in zip(stale, results, strict=True):
            if spec is None:
                missing.append(service)
                self._specs.pop(service, None)
            else:
                self._specs[service] = (spec, now + CACHE_SECONDS)
        return {s: v[0] for s, v in self._specs.items()}, missing

    async def _fetch(self, service: str) -> dict[str, Any] | None:
        token = mint_identity_token(PLATFORM_IDENTITY, self.secret, 30)
        try:
            response = await self.upstreams[service].get(
                "/openapi.json", headers={IDENTITY_HEADER: token}, timeout=10.0
            )
            response.raise_for_status()
            spec: dict[str, Any] = response.json()
            return spec
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("openapi.fetch_failed", service=service, error=str(exc))
            return None


def merge(
    own: dict[str, Any],
    services: dict[str, dict[str, Any]],
    *,
    missing: list[str],
    public_prefixes: list[str],
) -> dict[str, Any]:
    """One document with every operation; unique operationIds are checked."""
    merged = copy.deepcopy(own)
    merged["openapi"] = "3.1.0"
    paths: dict[str, Any] = merged.setdefault("paths", {})
    schemas: dict[str, Any] = merged.setdefault("components", {}).setdefault("schemas", {})
    tags = {t["name"]: t for t in merged.get("tags", [])}
    for service, spec in sorted(services.items()):
        renames: dict[str, str] = {}
        for name, schema in spec.get("components", {}).get("schemas", {}).items():
            if name in schemas and schemas[name] != schema:
                renames[name] = f"{service}_{name}"
        spec = _rename_refs(spec, renames) if renames else spec
        for name, schema in spec.get("components", {}).get("schemas", {}).items():
            schemas[renames.get(name, name)] = schema
        for path, item in spec.get("paths", {}).items():
            paths[path] = item
        for tag in spec.get("tags", []):
            tags.setdefault(tag["name"], tag)
    seen: dict[str, str] = {}
    proxied = {path for spec in services.values() for path in spec.get("paths", {})}
    for path, item in paths.items():
        for operation in item.values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            op_id = operation["operationId"]
            if op_id in seen:
                raise ValueError(f"duplicate operationId {op_id}: {seen[op_id]} and {path}")
            seen[op_id] = path
            public = path.startswith(tuple(public_prefixes))
            if public:
                operation["security"] = []
            _edge_responses(operation, path, public=public, proxied=path in proxied)
    merged["components"]["securitySchemes"] = SECURITY_SCHEMES
    merged["security"] = [{"ApiKey": []}, {"BearerJWT": []}]
    if tags:
        merged["tags"] = list(tags.values())
    if missing:
        merged["x-strata-unavailable"] = sorted(missing)
    return merged


_EDGE = {
    401: "No valid API key or bearer token (the gateway).",
    413: "The body is larger than the gateway accepts.",
    429: "Rate limit exceeded for this key; see `Retry-After`.",
    503: "The service behind this route cannot be reached, or its database is unavailable.",
    504: "The service behind this route did not answer in time.",
}


def _edge_responses(operation: dict[str, Any], path: str, *, public: bool, proxied: bool) -> None:
    """What the gateway itself may answer on this operation, whatever the service says:
    401 and 429 at the edge, 413 for a body, 503 and 504 for a service behind it."""
    statuses = [429]
    if not public:
        statuses.append(401)
    if "requestBody" in operation:
        statuses.append(413)
    if proxied:
        statuses += [503, 504]
    scim = path.startswith("/scim/")
    responses = operation.setdefault("responses", {})
    for status in statuses:
        if str(status) in responses:
            continue
        if scim and status in (401, 413, 429):  # the edge answers SCIM clients in SCIM's shape
            content = {"application/scim+json": {"schema": {"type": "object"}}}
        else:
            content = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
        responses[str(status)] = {"description": _EDGE[status], "content": content}


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                name = value.rsplit("/", 1)[-1]
                if name in renames:
                    value = f"#/components/schemas/{renames[name]}"
            out[key] = _rename_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rename_refs(v, renames) for v in node]
    return node


DOCS_ASSETS = "/docs/assets"


def add_docs_routes(app: FastAPI, *, title: str, openapi_url: str = "/openapi.json") -> None:
    """Swagger UI at `/docs` and ReDoc at `/redoc`, their scripts and styles served from the
    installation (the `fastapi-offline` package ships both), never from a CDN: the docs work
    on an air-gapped installation."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=OFFLINE_ASSETS), name="docs-assets")

    async def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{title} - Swagger UI",
            swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
        )

    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{title} - ReDoc",
            redoc_js_url=f"{root}{DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
            with_google_fonts=False,
        )

    app.add_route("/docs", swagger, methods=["GET"], include_in_schema=False)
    app.add_route("/redoc", redoc, methods=["GET"], include_in_schema=False)
