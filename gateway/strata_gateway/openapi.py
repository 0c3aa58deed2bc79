"""The merged OpenAPI 3.1 document: the gateway's own operations plus every service's.

Each service's document is fetched with a platform identity (no tenant) and cached for a
minute; a service that is down is left out and named in `x-strata-unavailable`, so the
docs still load. Schema names that two services define differently are prefixed with the
service name and their references rewritten.
"""

import asyncio
import copy
import time
from typing import Any

import httpx

from strata_contracts.identity import IDENTITY_HEADER, IdentityClaims
from strata_kit.identity import mint_identity_token
from strata_kit.logging import get_logger

log = get_logger(__name__)
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
    for path, item in paths.items():
        for operation in item.values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            op_id = operation["operationId"]
            if op_id in seen:
                raise ValueError(f"duplicate operationId {op_id}: {seen[op_id]} and {path}")
            seen[op_id] = path
            if path.startswith(tuple(public_prefixes)):
                operation["security"] = []
    merged["components"]["securitySchemes"] = SECURITY_SCHEMES
    merged["security"] = [{"ApiKey": []}, {"BearerJWT": []}]
    if tags:
        merged["tags"] = list(tags.values())
    if missing:
        merged["x-strata-unavailable"] = sorted(missing)
    return merged


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
