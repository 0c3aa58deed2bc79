"""Every public operation, read from the merged OpenAPI document, and what a checker needs
to call one: its path parameters filled from a catalogue of ids, and a body that passes
schema validation (so the check under test, not a 422, decides the answer).

The list comes from the document the gateway serves, so a route added to any service is
checked without anyone touching these tests.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    public: bool
    path_params: tuple[str, ...]
    int_params: frozenset[str] = field(default_factory=frozenset)
    # Path parameters that take one of a few names (`/exports/{table}`): the first one.
    enum_params: tuple[tuple[str, str], ...] = ()
    body_schema: dict[str, Any] | None = field(default=None, compare=False, hash=False)

    @property
    def owner(self) -> str:
        """The process that serves it: `gateway` or a service (operation ids are
        `<app>_<function>`, see `strata_kit.app.operation_id`)."""
        return self.operation_id.split("_", 1)[0]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def operations(spec: dict[str, Any]) -> list[Operation]:
    out = []
    for path, item in sorted(spec["paths"].items()):
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = [*item.get("parameters", []), *op.get("parameters", [])]
            in_path = [p for p in params if p.get("in") == "path"]
            enums = tuple(
                (p["name"], str(schema["enum"][0]))
                for p in in_path
                if "enum" in (schema := _resolve(spec, p.get("schema", {})))
            )
            ints = {
                p["name"]
                for p in in_path
                if _resolve(spec, p.get("schema", {})).get("type") == "integer"
            }
            body = (
                op.get("requestBody", {}).get("content", {}).get("application/json", {})
                or op.get("requestBody", {}).get("content", {}).get("application/scim+json", {})
            ).get("schema")
            out.append(
                Operation(
                    operation_id=op["operationId"],
                    method=method.upper(),
                    path=path,
                    public=op.get("security") == [],
                    path_params=tuple(
                        sorted((p["name"] for p in in_path), key=lambda n: path.index(f"{{{n}}}"))
                    ),
                    int_params=frozenset(ints),
                    enum_params=enums,
                    body_schema=body,
                )
            )
    return out


def fill(op: Operation, ids: dict[str, str]) -> str:
    """The path with each parameter replaced by `ids[name]` (a fresh value when absent)."""
    path = op.path
    ids = {**dict(op.enum_params), **ids}
    for name in op.path_params:
        default = "1" if name in op.int_params else str(uuid.uuid4())
        path = path.replace("{" + name + "}", ids.get(name, default))
    return path


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def example(spec: dict[str, Any], schema: dict[str, Any], ids: dict[str, str]) -> Any:
    """A small instance of `schema`: required properties only, first alternatives, lower
    bounds; `*_id` strings take the id of that name from `ids` (the caller's own objects)."""
    return _example(spec, schema, ids, name=None, depth=0)


def _example(
    spec: dict[str, Any], schema: dict[str, Any], ids: dict[str, str], name: str | None, depth: int
) -> Any:
    schema = _resolve(spec, schema)
    if depth > 12:
        return None
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [o for o in schema[key] if _resolve(spec, o).get("type") != "null"]
            return _example(spec, (options or schema[key])[0], ids, name, depth + 1)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(_resolve(spec, part))
        return _example(spec, merged, ids, name, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {
            key: _example(spec, properties.get(key, {}), ids, key, depth + 1)
            for key in schema.get("required", [])
        }
    if kind == "array":
        count = schema.get("minItems", 0)
        return [_example(spec, schema.get("items", {}), ids, name, depth + 1) for _ in range(count)]
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "uuid":
            return ids.get(name or "", str(uuid.uuid4()))
        if fmt == "date-time":
            return datetime.now(UTC).isoformat()
        if fmt == "date":
            return date.today().isoformat()
        if fmt == "email":
            return "someone@example.com"
        if fmt in ("uri", "url"):
            return "https://example.com/hook"
        return "x" * max(1, schema.get("minLength", 1))
    if kind in ("integer", "number"):
        if "minimum" in schema:
            return schema["minimum"]
        if "exclusiveMinimum" in schema:
            return schema["exclusiveMinimum"] + 1
        return 1
    if kind == "boolean":
        return True
    return None
