"""Hostile input to every operation of the merged OpenAPI, through the gateway of a real stack
(issue 16), on SQLite and on PostgreSQL.

Where `test_openapi_fuzz.py` sends schema-valid data, this stage sends what a schema does not
describe: JSON nested 1,000 and 100,000 levels deep, 400-digit integers and `1e400`, `NaN` and
`Infinity`, control characters (NUL, ESC, C1) and lone surrogates in every string, strings of
100,000 characters, bodies that are not UTF-8, and in the query garbage or deeply nested
cursors, `updated_since=0.5`, control characters and huge numbers; in the path NUL and bytes
that are not UTF-8. Each operation gets every variant that applies to it, its other inputs
filled with plausible values so the hostile one is what the server has to judge.

Every answer must be below 500, a status the operation documents, with a documented content
type; and nothing may be stored: every list the admin can read (the first 500 rows of each)
is the same after the run as before it.
"""

import base64
import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.e2e.stack import APPS, Stack
from tests.fault.stack import postgres_databases
from tests.security.world import bearer, merged_spec

pytestmark = pytest.mark.e2e

DEEP = 1000
DEEPER = 100_000
HUGE_INT = "9" * 400
LONG = 100_000
METHODS = ("get", "post", "put", "patch", "delete")
ONLY = re.compile(os.environ.get("STRATA_FUZZ_ONLY", ""))
"""Only operations whose path matches (a regular expression; for a quick local run)."""
_MARK = "\u2603HOSTILE\u2603"


@pytest.fixture(
    scope="module",
    params=[
        # On SQLite: the fuzz stages' shared stack (tests/fuzz/conftest.py), this module in
        # a tenant of its own; `make test` runs it on the worker that has that stack.
        pytest.param("sqlite", marks=pytest.mark.xdist_group("stack:fuzz/fuzz_sqlite_stack")),
        pytest.param("postgres", marks=pytest.mark.postgres),
    ],
)
def hostile_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    if request.param == "sqlite":
        yield request.getfixturevalue("fuzz_sqlite_stack")
        return
    env = {
        "GATEWAY_RATE_LIMIT_BURST": "1000000",
        "GATEWAY_RATE_LIMIT_PER_MINUTE": "10000000",
        "GATEWAY_WEBHOOK_DISPATCH": "false",
    }
    stack = Stack(tmp_path_factory.mktemp("hostile-postgres"), extra_env=env)
    with postgres_databases() as urls:
        stack.extra_env.update(urls)
        try:
            stack.cli("migrate")
            for app in APPS:
                stack.start(app)
            stack.wait_ready(*APPS, timeout=600)
            yield stack
        finally:
            stack.down()


# --------------------------------------------------------------------------- the document


def resolve(spec: dict[str, Any], schema: dict[str, Any] | None, depth: int = 0) -> dict[str, Any]:
    """`schema` with `$ref`s, `allOf` and nullable `anyOf` resolved (a few levels)."""
    schema = schema or {}
    if depth > 8:
        return {}
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return resolve(spec, spec["components"]["schemas"][name], depth + 1)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return resolve(spec, options[0] if options else {}, depth + 1)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(resolve(spec, part, depth + 1))
        return merged
    return schema


def plausible(spec: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> Any:
    """A value of the schema's shape a server might accept (required fields only)."""
    schema = resolve(spec, schema)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        return {
            name: plausible(spec, sub, depth + 1)
            for name, sub in schema.get("properties", {}).items()
            if name in schema.get("required", [])
        }
    if kind == "array":
        return [plausible(spec, schema.get("items", {}), depth + 1)] * max(
            schema.get("minItems", 0), 0
        )
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    fmt = schema.get("format")
    if fmt == "uuid":
        return str(uuid.uuid4())
    if fmt == "date-time":
        return "2026-01-01T00:00:00Z"
    if fmt == "date":
        return "2026-01-01"
    if fmt in ("uri", "url"):
        return "https://hooks.example/x"
    if fmt == "email":
        return "a@example.com"
    if schema.get("pattern"):
        return "x"
    return "x" * max(schema.get("minLength", 1), 1)


def fill(spec: dict[str, Any], schema: dict[str, Any], kinds: set[str], depth: int = 0) -> Any:
    """The schema's properties, every leaf whose type is in `kinds` replaced by `_MARK`."""
    schema = resolve(spec, schema)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        return {
            name: fill(spec, sub, kinds, depth + 1)
            for name, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [fill(spec, schema.get("items", {}), kinds, depth + 1)]
    if (kind or "string") in kinds and "enum" not in schema:
        return _MARK
    return plausible(spec, schema, depth)


@dataclass
class Operation:
    method: str
    path: str
    spec: dict[str, Any]
    doc: dict[str, Any]

    @property
    def params(self) -> list[dict[str, Any]]:
        return list(self.doc.get("parameters", []))

    def query(self) -> dict[str, str]:
        out = {}
        for p in self.params:
            if p["in"] == "query" and p.get("required"):
                out[p["name"]] = str(plausible(self.spec, p.get("schema", {})))
        return out

    def url(self, path_value: str | None = None) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if path_value is not None:
                return path_value
            schema = next(
                (
                    p.get("schema", {})
                    for p in self.params
                    if p["name"] == name and p["in"] == "path"
                ),
                {},
            )
            return quote(str(plausible(self.spec, schema)), safe="")

        return re.sub(r"\{([^}]+)\}", value, self.path)

    def body_schema(self) -> dict[str, Any] | None:
        content = self.doc.get("requestBody", {}).get("content", {})
        for media, entry in content.items():
            if "json" in media:
                return dict(entry.get("schema", {}))
        return None

    def media_type(self) -> str:
        content = self.doc.get("requestBody", {}).get("content", {})
        return next((m for m in content if "json" in m), "application/json")


def operations(spec: dict[str, Any]) -> list[Operation]:
    return [
        Operation(method.upper(), path, spec, doc)
        for path, item in spec["paths"].items()
        for method, doc in item.items()
        if method in METHODS and ONLY.search(path)
    ]


# --------------------------------------------------------------------------- the variants


@dataclass
class Attempt:
    operation: Operation
    label: str
    url: str
    params: dict[str, str]
    content: bytes | None = None


def _dumps_with(value: Any, token: str) -> bytes | None:
    """`value` as JSON with every `_MARK` replaced by `token` (None: no place for it)."""
    text = json.dumps(value)
    if json.dumps(_MARK) not in text:
        return None
    return text.replace(json.dumps(_MARK), token).encode("utf-8", "surrogatepass")


def body_variants(op: Operation) -> Iterator[tuple[str, bytes]]:
    for label, body in _body_variants(op):
        if body is not None:
            yield label, body


def _body_variants(op: Operation) -> Iterator[tuple[str, bytes | None]]:
    schema = op.body_schema()
    if schema is None:
        return
    base = plausible(op.spec, schema)
    yield "deep-array", ("[" * DEEPER + "]" * DEEPER).encode()
    if isinstance(base, dict):
        first = next(iter(resolve(op.spec, schema).get("properties", {})), "x")
        deep = dict(base)
        deep[first] = _MARK
        yield "deep-field", _dumps_with(deep, "[" * DEEP + "]" * DEEP)
        yield "deep-object", _dumps_with(deep, '{"a":' * DEEP + "1" + "}" * DEEP)
    numbers = fill(op.spec, schema, {"integer", "number"})
    for label, token in [
        ("int-400-digits", HUGE_INT),
        ("negative-int-400-digits", "-" + HUGE_INT),
        ("exponent-400", "1e400"),
        ("nan", "NaN"),
        ("infinity", "-Infinity"),
        ("int-64-bit-overflow", str(2**64)),
    ]:
        yield label, _dumps_with(numbers, token)
    strings = fill(op.spec, schema, {"string"})
    for label, token in [
        ("nul", json.dumps("a\x00b")),
        ("escape", json.dumps("a\x1bb")),
        ("c1", json.dumps("a\u0085b", ensure_ascii=False)),
        ("lone-surrogate", '"a\\ud800b"'),
        ("oversized-string", json.dumps("x" * LONG)),
    ]:
        yield label, _dumps_with(strings, token)
    whole = isinstance(base, dict) and base
    prefix = json.dumps(base).encode()[:-1] + b", " if whole else b"{"
    yield "invalid-utf8", prefix + b'"\xff\xfe": "\xc3\x28"}'


def deep_cursor() -> str:
    return base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode()


def query_variants(op: Operation) -> Iterator[tuple[str, dict[str, str]]]:
    base = op.query()
    for p in op.params:
        if p["in"] != "query":
            continue
        name = p["name"]
        schema = resolve(op.spec, p.get("schema", {}))
        kind, fmt = schema.get("type", "string"), schema.get("format")
        if name == "cursor":
            yield "deep-cursor", base | {name: deep_cursor()}
            yield "garbage-cursor", base | {name: base64.urlsafe_b64encode(b"\xff" * 30).decode()}
            yield "nan-cursor", base | {name: base64.urlsafe_b64encode(b"[NaN, 1]").decode()}
        if fmt == "date-time":
            yield f"{name}-number", base | {name: "0.5"}
        if kind in ("integer", "number"):
            yield f"{name}-huge", base | {name: HUGE_INT}
            yield f"{name}-nan", base | {name: "NaN"}
        if kind == "string" and "enum" not in schema:
            yield f"{name}-nul", base | {name: "a\x00b"}
            yield f"{name}-c1", base | {name: "a\u0085b"}
            yield f"{name}-oversized", base | {name: "x" * 5000}


def attempts(op: Operation) -> Iterator[Attempt]:
    query = op.query()
    for label, content in body_variants(op):
        yield Attempt(op, f"body {label}", op.url(), query, content)
    for label, params in query_variants(op):
        yield Attempt(op, f"query {label}", op.url(), params, _plain_body(op))
    if "{" in op.path:
        for label, value in [("nul", "%00"), ("not-utf8", "%FF%FE"), ("oversized", "x" * 3000)]:
            yield Attempt(op, f"path {label}", op.url(value), query, _plain_body(op))


def _plain_body(op: Operation) -> bytes | None:
    schema = op.body_schema()
    return None if schema is None else json.dumps(plausible(op.spec, schema)).encode()


# --------------------------------------------------------------------------- the checks


def documented(op: Operation, response: httpx.Response) -> str | None:
    """Why the answer breaks the operation's document, or None."""
    if response.status_code >= 500:
        return f"{response.status_code} {response.text[:300]}"
    responses = op.doc.get("responses", {})
    status = str(response.status_code)
    entry = responses.get(status) or responses.get(f"{status[0]}XX") or responses.get("default")
    if entry is None:
        return f"undocumented status {status} ({sorted(responses)}): {response.text[:200]}"
    media = response.headers.get("content-type", "").split(";")[0].strip()
    content = entry.get("content")
    if content and response.content and media not in content:
        return f"{status} with undocumented content type {media!r} ({sorted(content)})"
    return None


def lists(spec: dict[str, Any]) -> list[str]:
    """Every list the admin reads without path parameters: `GET` answering a page."""
    out = []
    for op in operations(spec):
        if op.method != "GET" or "{" in op.path:
            continue
        if any(p.get("required") for p in op.params):
            continue
        ok = op.doc.get("responses", {}).get("200", {}).get("content", {})
        schema = resolve(spec, next(iter(ok.values()), {}).get("schema", {}))
        if "items" in schema.get("properties", {}) and "next_cursor" in schema.get(
            "properties", {}
        ):
            out.append(op.path)
    return out


def snapshot(client: httpx.Client, paths: list[str]) -> dict[str, Any]:
    seen = {}
    for path in paths:
        response = client.get(path, params={"limit": 500})
        if response.status_code != 200:
            seen[path] = response.status_code
            continue
        items = response.json()["items"]
        seen[path] = sorted(json.dumps(i, sort_keys=True) for i in items)
    return seen


def test_hostile_input_to_every_operation(hostile_stack: Stack) -> None:
    spec = merged_spec(hostile_stack.url())
    tenant = hostile_stack.create_tenant("Hostile Ltd")
    headers = bearer(tenant["admin_key"]["secret"])
    ops = operations(spec)
    readable = lists(spec)
    failures: list[str] = []
    accepted: list[str] = []
    sent = 0
    started = time.monotonic()
    with httpx.Client(base_url=hostile_stack.url(), headers=headers, timeout=120) as client:
        before = snapshot(client, readable)
        for op in ops:
            for attempt in attempts(op):
                request_headers = {"content-type": op.media_type()} if attempt.content else {}
                response = client.request(
                    op.method,
                    attempt.url,
                    params=attempt.params,
                    content=attempt.content,
                    headers=request_headers,
                )
                sent += 1
                if op.method != "GET" and response.status_code < 300:
                    accepted.append(
                        f"{op.method} {op.path} [{attempt.label}] {response.status_code}"
                    )
                problem = documented(op, response)
                if problem:
                    failures.append(f"{op.method} {op.path} [{attempt.label}]: {problem}")
        after = snapshot(client, readable)
    elapsed = time.monotonic() - started
    changed = [path for path in readable if before[path] != after[path]]
    print(
        f"\nhostile fuzz: {len(ops)} operations, {sent} requests, {len(readable)} lists "
        f"read back, {elapsed:.0f} s"
    )
    assert len(ops) > 100 or ONLY.pattern
    assert not failures, f"{len(failures)} answer(s) broke the document:\n" + "\n".join(
        failures[:80]
    )
    assert not changed, f"hostile requests stored something: {changed}"
    assert not accepted, "hostile writes were accepted:\n" + "\n".join(accepted)
