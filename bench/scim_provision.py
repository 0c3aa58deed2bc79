"""Provision 10,000 users through SCIM the way an IdP does, and time it.

    .venv/bin/python bench/scim_provision.py [--users 10000] [--concurrency 16]
                                             [--backend all|sqlite|postgres]

The goals app runs in-process (its ASGI app, lifespan and all, behind an httpx client) on a
fresh SQLite file, and on a fresh PostgreSQL database when one answers at
`STRATA_BENCH_POSTGRES_URL` (default `postgresql://postgres@127.0.0.1:5432/postgres`); both
are migrated with Alembic like production. HR creates the enterprise unit first; then the
integration POSTs one user per request, `--concurrency` in flight, managers before their
reports (an IdP defers a report whose manager is not provisioned yet), every user with a
department (20 of them, created by the first user who names one) and a title (each
department's titles become its positions). Afterwards it checks what was stored and prints
users/s and total seconds per backend. The gateway's own cost (API-key check, proxying) is
not included: this measures the goals service's SCIM path.
"""

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

import strata_goals
from strata_contracts.identity import IDENTITY_HEADER, IdentityClaims, Role
from strata_goals.main import create_app
from strata_goals.settings import GoalsSettings
from strata_kit import migrations
from strata_kit.identity import mint_identity_token

MIGRATIONS = Path(strata_goals.__file__).parent / "migrations"
POSTGRES = os.environ.get(
    "STRATA_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
DEPARTMENTS = [
    "Sales", "Marketing", "Finance", "Legal", "Engineering", "Product", "Design", "Support",
    "Operations", "Logistics", "Procurement", "Quality", "Research", "Security", "Data",
    "People", "Facilities", "Training", "Partnerships", "Communications",
]  # fmt: skip
TITLES = ["Associate", "Specialist", "Senior specialist", "Analyst", "Coordinator"]


@dataclass
class Person:
    key: int
    department: str
    title: str
    manager: int | None
    level: int


def organisation(size: int) -> list[list[Person]]:
    """A CEO, a head per department, ten team leads per department, everyone else under a
    team lead: returned level by level (managers first)."""
    ceo = Person(0, DEPARTMENTS[0], "Chief executive", None, 0)
    heads = [Person(1 + i, d, "Head of department", 0, 1) for i, d in enumerate(DEPARTMENTS)]
    leads = [
        Person(1 + len(heads) + i, h.department, "Team lead", h.key, 2)
        for i, h in enumerate(h for h in heads for _ in range(10))
    ]
    people = [ceo, *heads, *leads][:size]
    for key in range(len(people), size):
        lead = leads[key % len(leads)]
        people.append(Person(key, lead.department, TITLES[key % len(TITLES)], lead.key, 3))
    return [[p for p in people if p.level == level] for level in range(4)]


def user_body(person: Person, manager_id: str | None) -> dict[str, Any]:
    enterprise: dict[str, Any] = {
        "employeeNumber": f"E{person.key:06d}",
        "department": person.department,
    }
    if manager_id is not None:
        enterprise["manager"] = {"value": manager_id}
    return {
        "schemas": [USER, ENTERPRISE],
        "externalId": f"E{person.key:06d}",
        "userName": f"person{person.key}@bench.example.com",
        "name": {"givenName": f"Given{person.key}", "familyName": f"Family{person.key}"},
        "displayName": f"Given{person.key} Family{person.key}",
        "emails": [
            {"value": f"person{person.key}@bench.example.com", "type": "work", "primary": True}
        ],
        "title": person.title,
        "active": True,
        ENTERPRISE: enterprise,
    }


def headers(tenant: uuid.UUID, role: Role) -> dict[str, str]:
    claims = IdentityClaims(
        subject=f"bench:{role.value}", tenant_id=tenant, roles=frozenset({role})
    )
    secret = os.environ["STRATA_INTERNAL_TOKEN_SECRET"]
    return {IDENTITY_HEADER: mint_identity_token(claims, secret, ttl_seconds=3600)}


async def provision(url: str, size: int, concurrency: int, baseline: int) -> dict[str, Any]:
    migrations.upgrade(MIGRATIONS, url)
    settings = GoalsSettings(
        database_url=url,
        database_pool_size=concurrency,
        event_relay=False,
        event_consumer=False,
        log_level="WARNING",
    )
    app = create_app(settings)
    tenant = uuid.uuid4()
    hr, integration = headers(tenant, Role.HR), headers(tenant, Role.INTEGRATION)
    scim = {**integration, "content-type": "application/scim+json"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://goals") as client:
            root = await client.post(
                "/api/v1/goals/org-units", json={"name": "Bench Corp"}, headers=hr
            )
            root.raise_for_status()
            ids: dict[int, str] = {}
            gate = asyncio.Semaphore(concurrency)
            failures: list[str] = []

            async def post(person: Person) -> None:
                manager = ids.get(person.manager) if person.manager is not None else None
                async with gate:
                    response = await client.post(
                        "/scim/v2/Users", json=user_body(person, manager), headers=scim
                    )
                if response.status_code != 201:
                    failures.append(f"{person.key}: {response.status_code} {response.text[:200]}")
                    return
                ids[person.key] = response.json()["id"]

            started, cpu = time.perf_counter(), time.process_time()
            for level in organisation(size):
                await asyncio.gather(*(post(p) for p in level))
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            check = await stored(client, integration, hr)
            rest = await rest_baseline(client, baseline, concurrency) if baseline else None
    result = {"elapsed": elapsed, "cpu": cpu, "created": len(ids), "failures": failures}
    return {**result, **check, "rest": rest}


async def rest_baseline(client: httpx.AsyncClient, size: int, concurrency: int) -> dict[str, Any]:
    """The same people created through `POST /api/v1/goals/employees` (the call SCIM wraps),
    in a tenant of their own whose units and positions HR made first: how much the SCIM
    mapping adds on this machine."""
    hr = headers(uuid.uuid4(), Role.HR)

    async def create(path: str, body: dict[str, Any]) -> str:
        response = await client.post(f"/api/v1/goals{path}", json=body, headers=hr)
        response.raise_for_status()
        return str(response.json()["id"])

    root = await create("/org-units", {"name": "Baseline Corp"})
    units = {d: await create("/org-units", {"name": d, "parent_id": root}) for d in DEPARTMENTS}
    titles = {*TITLES, "Chief executive", "Head of department", "Team lead"}
    positions = {
        (d, t): await create("/positions", {"title": t, "org_unit_id": units[d]})
        for d in DEPARTMENTS
        for t in titles
    }
    ids: dict[int, str] = {}
    gate = asyncio.Semaphore(concurrency)

    async def post(person: Person) -> None:
        body = {
            "name": f"Given{person.key} Family{person.key}",
            "email": f"person{person.key}@bench.example.com",
            "external_id": f"E{person.key:06d}",
            "org_unit_id": units[person.department],
            "position_id": positions[(person.department, person.title)],
            "manager_id": ids.get(person.manager) if person.manager is not None else None,
        }
        async with gate:
            ids[person.key] = await create("/employees", body)

    started, cpu = time.perf_counter(), time.process_time()
    for level in organisation(size):
        await asyncio.gather(*(post(p) for p in level))
    return {
        "elapsed": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "created": len(ids),
    }


async def stored(
    client: httpx.AsyncClient, integration: dict[str, str], hr: dict[str, str]
) -> dict[str, Any]:
    """What a client would check afterwards: totals through SCIM, units and positions."""
    users = await client.get("/scim/v2/Users", params={"count": 0}, headers=integration)
    groups = await client.get("/scim/v2/Groups", params={"count": 0}, headers=integration)
    positions = 0
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/goals/positions", params=params, headers=hr)).json()
        positions += len(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return {
        "users": users.json()["totalResults"],
        "groups": groups.json()["totalResults"],
        "positions": positions,
    }


async def postgres_database() -> str | None:
    """A fresh database on the benchmark server, or None when none answers."""
    name = f"strata_bench_scim_{uuid.uuid4().hex[:12]}"
    try:
        conn = await asyncpg.connect(POSTGRES, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"postgresql: skipped ({POSTGRES} does not answer: {exc})")
        return None
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return str(make_url(POSTGRES).set(drivername="postgresql+asyncpg", database=name))


async def drop_postgres(url: str) -> None:
    name = make_url(url).database
    conn = await asyncpg.connect(POSTGRES, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def report(backend: str, result: dict[str, Any], size: int) -> bool:
    rate = result["created"] / result["elapsed"]
    cpu_ms = result["cpu"] * 1000 / max(result["created"], 1)
    print(
        f"{backend:<10} {result['created']:>6} users in {result['elapsed']:7.1f} s = "
        f"{rate:5.0f} users/s, {cpu_ms:4.1f} ms CPU/user in-process   (stored: "
        f"{result['users']} users, {result['groups']} groups, {result['positions']} positions)"
    )
    # 1 enterprise unit + the departments; each department's titles, once each.
    expected_positions = len(DEPARTMENTS) * (len(TITLES) + 2) + 1 if size >= 1000 else None
    ok = not result["failures"] and result["users"] == size
    if expected_positions is not None and result["positions"] != expected_positions:
        print(f"  ! {result['positions']} positions, expected {expected_positions} (no duplicates)")
        ok = False
    rest = result["rest"]
    if rest:
        print(
            f"{'  REST':<10} {rest['created']:>6} users in {rest['elapsed']:7.1f} s = "
            f"{rest['created'] / rest['elapsed']:5.0f} users/s, "
            f"{rest['cpu'] * 1000 / max(rest['created'], 1):4.1f} ms CPU/user in-process   "
            "(POST /api/v1/goals/employees, the call SCIM wraps)"
        )
    for failure in result["failures"][:5]:
        print(f"  ! {failure}")
    return ok


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--backend", choices=["all", "sqlite", "postgres"], default="all")
    parser.add_argument(
        "--baseline",
        type=int,
        default=2000,
        help="also create this many employees through the REST API, for comparison (0: no)",
    )
    args = parser.parse_args(argv)
    # The app's settings read these when it is built (a local run needs no real secret).
    os.environ.setdefault(
        "STRATA_INTERNAL_TOKEN_SECRET", "bench-internal-secret-0123456789abcdef-not-for-production"
    )
    os.environ.setdefault("STRATA_ENVIRONMENT", "development")
    ok = True
    print(
        f"SCIM provisioning: {args.users} users, POST /scim/v2/Users, {args.concurrency} in "
        f"flight, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    if args.backend in ("all", "sqlite"):
        with tempfile.TemporaryDirectory(prefix="strata-bench-") as folder:
            url = f"sqlite+aiosqlite:///{folder}/goals.db"
            result = await provision(url, args.users, args.concurrency, args.baseline)
            ok &= report("sqlite", result, args.users)
    if args.backend in ("all", "postgres"):
        url_or_none = await postgres_database()
        if url_or_none is not None:
            try:
                result = await provision(url_or_none, args.users, args.concurrency, args.baseline)
                ok &= report("postgresql", result, args.users)
            finally:
                await drop_postgres(url_or_none)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
