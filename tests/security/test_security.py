"""Security, checked on every operation of a real stack.

The operations come from the merged `/openapi.json` the gateway serves, so a new route in any
service is checked as soon as it exists: without credentials (401 at the gateway, 401 at the
service without an internal token), with a refused role (403, from `roles.REFUSED`, which must
name every operation), and with another tenant's ids (404). Then: oversized bodies (413),
injection strings stored inert, rate limits, and no secret in any process log.
"""

import json
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest

from strata_contracts.identity import IDENTITY_HEADER, IdentityClaims, Role
from strata_kit.identity import mint_identity_token
from tests.e2e.stack import APPS, SERVICES, Stack, free_port

from .bodies import BODIES, GRANTED_TO_ADMINS, NOT_A_LOOKUP
from .operations import WRITE_METHODS, Operation, example, fill
from .roles import REFUSED
from .world import World, bearer

pytestmark = pytest.mark.e2e

START_SECONDS = 600.0
MAX_BODY = 16_384
PUBLIC_PREFIX = "/api/v1/reviews/external/"
# Path parameters that name no tenant's object (SCIM's discovery documents, export tables).
NOT_TENANT_OBJECTS = frozenset({"name", "urn", "table"})
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(
        tmp_path_factory.mktemp("security"),
        extra_env={
            "GATEWAY_RATE_LIMIT_BURST": "100000",
            "GATEWAY_RATE_LIMIT_PER_MINUTE": "1000000",
            "GATEWAY_MAX_BODY_BYTES": str(MAX_BODY),
            "GATEWAY_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
            # Nothing leaves the machine: webhooks are stored, never sent.
            "GATEWAY_WEBHOOK_DISPATCH": "false",
        },
    )
    try:
        running.cli("migrate")
        for app in APPS:
            running.start(app)
        running.wait_ready(*APPS, timeout=START_SECONDS)
        yield running
    finally:
        running.down()


@pytest.fixture(scope="module")
def world(stack: Stack) -> Iterator[World]:
    stack.cli("demo", "--quiet")
    demo = json.loads((stack.root / "data" / "demo.json").read_text())
    other = stack.create_tenant("Other Tenant Ltd")
    built = World(
        base_url=stack.url(),
        service_urls={s: stack.url(s) for s in SERVICES},
        admin_a=demo["admin_key"],
        admin_b=other["admin_key"]["secret"],
        tenant_a=demo["tenant_id"],
        platform_secret=stack.secret,
    )
    built.secrets.append(stack.secret)
    built.prepare()
    yield built
    built.close()


def call(
    world: World, op: Operation, key: str | None, *, base: str | None = None, **headers: str
) -> httpx.Response:
    ids = world.catalogue.ids_for(op) or {}
    if op.operation_id in BODIES:
        body = BODIES[op.operation_id](ids)
    else:
        body = example(world.spec, op.body_schema, ids) if op.body_schema else None
    if key is not None:
        headers = {**bearer(key), **headers}
    return httpx.request(
        op.method,
        (base or world.base_url) + fill(op, ids),
        json=body if op.method in WRITE_METHODS else None,
        headers=headers,
        timeout=120,
    )


def report(failures: list[str]) -> str:
    return f"{len(failures)} operation(s):\n" + "\n".join(failures)


class TestTheRouteTable:
    def test_every_operation_is_in_the_role_table(self, world):
        missing = sorted(op.operation_id for op in world.ops if op.operation_id not in REFUSED)
        assert not missing, "add these operations to tests/security/roles.py:\n" + "\n".join(
            missing
        )

    def test_the_role_table_names_only_real_operations(self, world):
        known = {op.operation_id for op in world.ops}
        assert not sorted(set(REFUSED) - known)

    def test_only_external_rater_links_are_public(self, world):
        public = {op.path for op in world.ops if op.public}
        assert public
        assert all(path.startswith(PUBLIC_PREFIX) for path in public), public

    def test_every_object_a_path_names_can_be_found_in_tenant_a(self, world):
        unfound = [
            str(op)
            for op in world.ops
            if not op.public
            and set(op.path_params) - NOT_TENANT_OBJECTS
            and world.catalogue.ids_for(op) is None
        ]
        assert not unfound, report(unfound)


class TestWithoutCredentials:
    def test_no_key_is_401_problem_on_every_operation(self, world):
        failures = []
        for op in world.ops:
            if op.public:
                continue
            response = call(world, op, None)
            expected_type = "application/scim+json" if op.path.startswith("/scim/") else PROBLEM
            if response.status_code != 401 or response.headers.get("content-type") != expected_type:
                failures.append(f"{op}: {response.status_code} {response.text[:120]}")
        assert not failures, report(failures)

    def test_an_unknown_or_malformed_key_is_401_on_every_operation(self, world):
        wrong = f"strata_{world.admin_a.split('_')[1]}_{'A' * 43}"
        failures = []
        for op in world.ops:
            if op.public:
                continue
            for key in (wrong, "not-a-key", "strata_"):
                response = call(world, op, key)
                if response.status_code != 401:
                    failures.append(f"{op} with {key[:12]}…: {response.status_code}")
        assert not failures, report(failures)

    def test_a_service_called_directly_is_401_without_a_valid_internal_token(self, world):
        forged = mint_identity_token(
            IdentityClaims(
                subject="attacker",
                tenant_id=uuid.UUID(world.tenant_a),
                roles=frozenset({Role.ADMIN}),
            ),
            "a-secret-that-is-not-the-installations-secret-0123456789",
        )
        expired = jwt.encode(
            {"iss": "strata-gateway", "aud": "strata-internal", "sub": "x", "iat": 1, "exp": 2},
            world.platform_secret,
            algorithm="HS256",
        )
        failures = []
        for op in world.ops:
            if op.owner == "gateway":
                continue
            base = world.service_urls[op.owner]
            attempts = {
                "no token": {},
                "an API key": bearer(world.admin_a),
                "a forged token": {IDENTITY_HEADER: forged},
                "an expired token": {IDENTITY_HEADER: expired},
            }
            for what, headers in attempts.items():
                response = call(world, op, None, base=base, **headers)
                if response.status_code != 401:
                    failures.append(f"{op} with {what}: {response.status_code}")
        assert not failures, report(failures)


class TestRoles:
    def test_every_refused_role_gets_403(self, world):
        failures = []
        for op in world.ops:
            for role in sorted(REFUSED.get(op.operation_id, ())):
                response = call(world, op, world.role_keys[role])
                if response.status_code != 403:
                    failures.append(
                        f"{op} as {role.value}: {response.status_code} {response.text[:120]}"
                    )
        assert not failures, report(failures)


class TestTenants:
    def test_another_tenants_ids_are_404_on_every_operation(self, world):
        failures, checked = [], 0
        for op in world.ops:
            if op.public or not set(op.path_params) - NOT_TENANT_OBJECTS:
                continue
            if op.operation_id in NOT_A_LOOKUP:
                continue
            pairs = [(world.admin_a, world.admin_b)]
            owner = world.catalogue.owner(op)
            if owner:
                # Objects only their own people see (a rater's invitation, a note): the same
                # person, by employee id, in tenant A and in tenant B.
                pairs.append(world.twin_keys(owner))
            refused = REFUSED.get(op.operation_id, frozenset())
            if Role.ADMIN in refused and op.operation_id not in GRANTED_TO_ADMINS:
                pairs = pairs[1:]
            if not pairs:
                failures.append(f"{op}: admin is refused and no owner is known (bad fixture)")
                continue
            key_b = pairs[0][1]
            if op.method == "GET":
                # The object exists and this caller may see it in its own tenant...
                for candidate in pairs:
                    if call(world, op, candidate[0]).status_code not in (403, 404):
                        key_b = candidate[1]
                        break
                else:
                    failures.append(f"{op}: not found even in its own tenant (bad fixture)")
                    continue
            # ...and the same caller in another tenant cannot tell it exists.
            theirs = call(world, op, key_b)
            checked += 1
            if theirs.status_code != 404:
                failures.append(f"{op} from tenant B: {theirs.status_code} {theirs.text[:120]}")
        assert checked > 50
        assert not failures, report(failures)


class TestBodyLimit:
    def test_every_write_with_a_declared_oversized_body_is_413(self, world):
        body = b'{"name": "' + b"x" * MAX_BODY + b'"}'
        failures = []
        for op in world.ops:
            if op.method not in WRITE_METHODS:
                continue
            ids = world.catalogue.ids_for(op) or {}
            response = httpx.request(
                op.method,
                world.base_url + fill(op, ids),
                content=body,
                headers={**bearer(world.admin_a), "Content-Type": "application/json"},
                timeout=120,
            )
            if response.status_code != 413:
                failures.append(f"{op}: {response.status_code}")
        assert not failures, report(failures)

    def test_every_write_with_a_streamed_oversized_body_is_413(self, world):
        def chunks() -> Iterator[bytes]:
            yield b'{"name": "'
            for _ in range(MAX_BODY // 1024 + 1):
                yield b"x" * 1024
            yield b'"}'

        failures = []
        for op in world.ops:
            if op.method not in WRITE_METHODS:
                continue
            ids = world.catalogue.ids_for(op) or {}
            for extra in ({}, {"Idempotency-Key": uuid.uuid4().hex}):
                response = httpx.request(
                    op.method,
                    world.base_url + fill(op, ids),
                    content=chunks(),
                    headers={
                        **bearer(world.admin_a),
                        "Content-Type": "application/json",
                        **extra,
                    },
                    timeout=120,
                )
                if response.status_code != 413:
                    failures.append(
                        f"{op} {extra and 'with Idempotency-Key'}: {response.status_code}"
                    )
        assert not failures, report(failures)


INJECTIONS = [
    "Robert'); DROP TABLE employee;--",
    "<script>alert(1)</script>",
    '" OR "1"="1',
    "1; SELECT pg_sleep(10); --",
    "%' UNION SELECT id, tenant_id FROM employee --",
]


class TestInjection:
    def test_sql_and_script_strings_are_stored_and_returned_verbatim(self, world):
        a = world.a
        before = a.get("/api/v1/goals/employees", params={"limit": 1}).json()
        unit = a.post(
            "/api/v1/goals/org-units",
            json={
                "name": INJECTIONS[1],
                "parent_id": (
                    a.get("/api/v1/goals/org-units", params={"limit": 1}).json()["items"][0]["id"]
                ),
            },
        )
        assert unit.status_code == 201, unit.text
        assert unit.json()["name"] == INJECTIONS[1]
        for i, text in enumerate(INJECTIONS):
            created = a.post(
                "/api/v1/goals/employees",
                json={
                    "name": text,
                    "email": f"inject{i}@security.example",
                    "org_unit_id": unit.json()["id"],
                    "external_id": f"INJ-{i}",
                },
            )
            assert created.status_code == 201, created.text
            read = a.get(f"/api/v1/goals/employees/{created.json()['id']}")
            assert read.headers["content-type"] == "application/json"
            assert read.json()["name"] == text
            # Filters take the string as a value, never as SQL.
            found = a.get("/api/v1/goals/employees", params={"external_id": text})
            assert found.status_code == 200
            assert found.json()["items"] == []
        # The tables are intact: what was there is still there, and readable.
        after = a.get("/api/v1/goals/employees", params={"limit": 1}).json()
        assert after["items"] == before["items"]
        listed = a.get("/api/v1/goals/employees", params={"org_unit_id": unit.json()["id"]})
        assert sorted(e["name"] for e in listed.json()["items"]) == sorted(INJECTIONS)
        # Tenant B sees none of it.
        other = world.b.get("/api/v1/goals/employees", params={"limit": 200}).json()["items"]
        assert not {e["name"] for e in other} & set(INJECTIONS)

    def test_injection_in_a_path_or_query_is_an_ordinary_miss(self, world):
        for text in INJECTIONS:
            by_path = world.a.get(f"/api/v1/goals/employees/{text}")
            assert by_path.status_code in (404, 422), by_path.text
            assert by_path.headers["content-type"] == PROBLEM
            by_cursor = world.a.get("/api/v1/goals/employees", params={"cursor": text})
            assert by_cursor.status_code in (400, 422), by_cursor.text


class TestRateLimit:
    def test_a_burst_beyond_the_bucket_gets_429_with_retry_after_and_the_limit_holds(
        self, stack, world
    ):
        burst = 5
        port = free_port()
        env = {
            **stack.env,
            "GATEWAY_PORT": str(port),
            "GATEWAY_RATE_LIMIT_BURST": str(burst),
            # One token a minute: within this test, the bucket refills at most once.
            "GATEWAY_RATE_LIMIT_PER_MINUTE": "1",
            "GATEWAY_WEBHOOK_DISPATCH": "false",
        }
        log = (stack.root / "gateway-limited.log").open("ab")
        limited = subprocess.Popen(
            [sys.executable, "-m", "strata_gateway", "serve"], env=env, stdout=log, stderr=log
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(url)
            answers = [
                httpx.get(f"{url}/api/v1/goals/me", headers=bearer(world.admin_a), timeout=120)
                for _ in range(burst * 4)
            ]
            codes = [a.status_code for a in answers]
            assert codes.count(200) <= burst + 1, codes
            assert codes[:burst] == [200] * burst, codes
            refused = [a for a in answers if a.status_code == 429]
            assert len(refused) >= burst * 4 - burst - 1
            for answer in refused:
                assert answer.headers["content-type"] == PROBLEM
                assert int(answer.headers["retry-after"]) >= 1
            # The bucket is the key's: another key of the same tenant still gets through.
            other = world.role_keys[Role.HR]
            assert (
                httpx.get(f"{url}/api/v1/goals/me", headers=bearer(other), timeout=120).status_code
                == 200
            )
        finally:
            limited.terminate()
            limited.wait(timeout=30)
            log.close()


def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(url)


# Shapes of secrets, whoever they belong to: a whole API key, a signed token, a webhook secret.
SECRET_SHAPES = {
    "API key": re.compile(r"strata_[0-9a-f]{8}_[A-Za-z0-9_-]{20,}"),
    "JWT": re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    "webhook secret": re.compile(r"whsec_[A-Za-z0-9+/=]{16,}"),
}


class TestLogs:
    def test_no_key_token_or_secret_appears_in_any_process_log(self, stack, world):
        # Traffic that carries every kind of secret, on success and on failure paths.
        for key in (*world.secrets[:2], *world.role_keys.values()):
            httpx.get(f"{stack.url()}/api/v1/goals/me", headers=bearer(key), timeout=60)
            httpx.get(f"{stack.url()}/api/v1/nope", headers=bearer(key + "x"), timeout=60)
        httpx.get(
            f"{stack.url()}/api/v1/goals/me", headers={"Authorization": "Bearer eyJhbGciOi.x.y"}
        )
        token = mint_identity_token(IdentityClaims(subject="probe"), stack.secret)
        httpx.get(f"{stack.url('goals')}/api/v1/goals/me", headers={IDENTITY_HEADER: token})
        httpx.get(
            f"{stack.url('goals')}/api/v1/goals/me", headers={IDENTITY_HEADER: token + "broken"}
        )
        logs = {
            path.name: path.read_text(errors="replace") for path in Path(stack.root).glob("*.log")
        }
        assert set(logs) >= {f"{app}.log" for app in APPS}
        leaks = []
        for name, text in logs.items():
            for secret in world.secrets:
                if secret in text:
                    leaks.append(f"{name}: a known secret ({secret[:10]}…)")
            for shape, pattern in SECRET_SHAPES.items():
                leaks += [f"{name}: {shape} {m[:16]}…" for m in pattern.findall(text)]
        assert not leaks, "\n".join(leaks)
