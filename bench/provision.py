"""(g) 10,000 people provisioned from an empty tenant, through the gateway, the two ways an
integration does it (issue 13.5): (i) the HRIS bulk upsert (`POST /api/v1/goals/…/bulk-upsert`:
the org units, positions, then the people in bodies under the gateway's 1 MB limit, managers
before their reports) and (ii) SCIM `/Bulk` (1,000 operations a request, the most
`maxOperations` allows; a manager in the same request is named by `bulkId`, one of an
earlier request by id; departments and titles are created by SCIM on the way, as an IdP's
push does). Each way gets a fresh tenant and API key from `strata tenant create`; the
clock runs from the first request to the last answer, and what was stored is checked after.

    .venv/bin/python -m bench --only provision      # the stack, then this scenario alone
"""

import asyncio
import json
import os
import time
from typing import Any

import asyncpg
import httpx

from bench.stack import BenchStack

DEPARTMENTS = 20
TEAMS = 10
TITLES = ("Associate", "Specialist", "Analyst")
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
HRIS_CHUNK = 2_500
"""People per HRIS request: about 500 kB, under the gateway's 1 MB body limit."""
SCIM_CHUNK = 1_000
"""Operations per /Bulk request: the advertised maxOperations."""
QUIET_FALLBACK_SECONDS = 30
TARGETS = {"hris": 5.0, "scim": 10.0}
"""Seconds for 10,000 people (issue 13 acceptance)."""


def people(size: int) -> list[dict[str, Any]]:
    """A CEO, a head per department, a lead per team, staff under the leads: managers
    always before their reports."""
    rows = [{"n": 0, "department": None, "team": None, "title": "Chief executive", "manager": None}]
    rows += [
        {"n": 1 + d, "department": d, "team": None, "title": "Head of department", "manager": 0}
        for d in range(DEPARTMENTS)
    ]
    first_lead = len(rows)
    rows += [
        {
            "n": first_lead + d * TEAMS + t,
            "department": d,
            "team": t,
            "title": "Team lead",
            "manager": 1 + d,
        }
        for d in range(DEPARTMENTS)
        for t in range(TEAMS)
    ]
    for n in range(len(rows), size):
        team = n % (DEPARTMENTS * TEAMS)
        d, t = divmod(team, TEAMS)
        rows.append(
            {
                "n": n,
                "department": d,
                "team": t,
                "title": TITLES[n % 3],
                "manager": first_lead + team,
            }
        )
    return rows[:size]


def _check(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise SystemExit(f"bench: provision: {response.status_code} {response.text[:500]}")
    return response.json()


def _tenant(stack: BenchStack, name: str) -> dict[str, str]:
    created = stack.cli("tenant", "create", name)
    body = json.loads(created[created.index("{") :])
    return {"Authorization": f"Bearer {body['admin_key']['secret']}"}


def _unit(d: int | None, t: int | None = None) -> str:
    return "ENT" if d is None else f"D{d:02}" if t is None else f"D{d:02}T{t}"


async def hris(http: httpx.AsyncClient, size: int) -> dict[str, Any]:
    """Units, positions, then people, by HRIS key; seconds for each part and in all."""
    started = time.perf_counter()
    units = [{"external_id": "ENT", "name": "Bench Ltd"}]
    units += [
        {"external_id": _unit(d), "name": f"Department {d}", "parent_external_id": "ENT"}
        for d in range(DEPARTMENTS)
    ]
    units += [
        {"external_id": _unit(d, t), "name": f"Team {d}.{t}", "parent_external_id": _unit(d)}
        for d in range(DEPARTMENTS)
        for t in range(TEAMS)
    ]
    _check(await http.post("/api/v1/goals/org-units/bulk-upsert", json={"items": units}))
    everyone = people(size)
    posts = {(_unit(p["department"], p["team"]), p["title"]) for p in everyone}
    positions = [
        {"external_id": f"P-{unit}-{title}", "title": title, "org_unit_external_id": unit}
        for unit, title in sorted(posts)
    ]
    _check(await http.post("/api/v1/goals/positions/bulk-upsert", json={"items": positions}))
    org_done = time.perf_counter()
    items = [
        {
            "external_id": f"E{p['n']:06}",
            "name": f"Employee {p['n']}",
            "email": f"e{p['n']}@bench.example",
            "org_unit_external_id": _unit(p["department"], p["team"]),
            "position_external_id": f"P-{_unit(p['department'], p['team'])}-{p['title']}",
            "manager_external_id": f"E{p['manager']:06}" if p["manager"] is not None else None,
        }
        for p in everyone
    ]
    created = 0
    for start in range(0, len(items), HRIS_CHUNK):
        chunk = items[start : start + HRIS_CHUNK]
        answer = _check(
            await http.post("/api/v1/goals/employees/bulk-upsert", json={"items": chunk})
        )
        created += answer["created"]
    done = time.perf_counter()
    return {
        "created": created,
        "requests": 2 + -(-len(items) // HRIS_CHUNK),
        "org_s": round(org_done - started, 2),
        "people_s": round(done - org_done, 2),
        "elapsed_s": round(done - started, 2),
    }


def _user(p: dict[str, Any], manager: str | None) -> dict[str, Any]:
    enterprise: dict[str, Any] = {"employeeNumber": f"E{p['n']:06}"}
    if p["department"] is not None:
        enterprise["department"] = f"Department {p['department']}"
    if manager is not None:
        enterprise["manager"] = {"value": manager}
    return {
        "schemas": [USER, ENTERPRISE],
        "externalId": f"E{p['n']:06}",
        "userName": f"person{p['n']}@bench.example",
        "name": {"givenName": f"Given{p['n']}", "familyName": f"Family{p['n']}"},
        "emails": [{"value": f"person{p['n']}@bench.example", "type": "work", "primary": True}],
        "title": p["title"],
        "active": True,
        ENTERPRISE: enterprise,
    }


async def scim(http: httpx.AsyncClient, size: int) -> dict[str, Any]:
    """/Bulk requests of 1,000 operations; managers named by bulkId inside a request and by
    the id an earlier request answered otherwise."""
    everyone = people(size)
    ids: dict[int, str] = {}
    headers = {"content-type": "application/scim+json"}
    failures: list[str] = []
    started = time.perf_counter()
    for start in range(0, len(everyone), SCIM_CHUNK):
        chunk = everyone[start : start + SCIM_CHUNK]
        inside = {p["n"] for p in chunk}
        operations = []
        for p in chunk:
            manager = p["manager"]
            ref = (
                None
                if manager is None
                else f"bulkId:u{manager}"
                if manager in inside
                else ids[manager]
            )
            operations.append(
                {"method": "POST", "path": "/Users", "bulkId": f"u{p['n']}", "data": _user(p, ref)}
            )
        body = {"schemas": [BULK], "Operations": operations}
        answer = _check(await http.post("/scim/v2/Bulk", json=body, headers=headers))
        for operation in answer["Operations"]:
            n = int(operation["bulkId"][1:])
            if operation["status"] == "201":
                ids[n] = operation["location"].rsplit("/", 1)[-1]
            else:
                failures.append(f"{n}: {operation['status']} {operation.get('response')}")
    elapsed = time.perf_counter() - started
    return {
        "created": len(ids),
        "failures": failures[:5],
        "failed": len(failures),
        "requests": -(-len(everyone) // SCIM_CHUNK),
        "elapsed_s": round(elapsed, 2),
    }


async def _stored(http: httpx.AsyncClient) -> int:
    """How many Users the tenant has (SCIM's totalResults: one COUNT)."""
    answer = _check(await http.get("/scim/v2/Users", params={"count": 0}))
    return int(answer["totalResults"])


async def _employees(http: httpx.AsyncClient) -> int:
    count, cursor = 0, None
    while True:
        params: dict[str, Any] = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = _check(await http.get("/api/v1/goals/employees", params=params))
        count += len(page["items"])
        cursor = page.get("next_cursor")
        if not cursor or not page["items"]:
            return count


async def _run(stack: BenchStack, size: int) -> dict[str, Any]:
    results: dict[str, Any] = {"people": size}
    ways = (("hris", hris, _employees), ("scim", scim, _stored))
    for way, provision, stored in ways:
        headers = _tenant(stack, f"Bench provisioning ({way})")
        async with httpx.AsyncClient(base_url=stack.url(), headers=headers, timeout=600) as http:
            load_before = os.getloadavg()
            result = await provision(http, size)
            result["load_before"] = [round(v, 2) for v in load_before]
            result["load_after"] = [round(v, 2) for v in os.getloadavg()]
            result["stored"] = await stored(http)
        result["target_s"] = TARGETS[way]
        results[way] = result
        print(f"bench: provision {way}: {result}", flush=True)
        if way != ways[-1][0]:
            # The events these writes left for the relay and analytics must not share the
            # CPU with the next measurement.
            try:
                await asyncio.to_thread(stack.wait_quiet)
            except asyncpg.TooManyConnectionsError:
                # a shared server full of other clients: say so rather than lose the run
                results["note"] = f"after {way}: no free PostgreSQL connection to wait with"
                await asyncio.sleep(QUIET_FALLBACK_SECONDS)
    return results


def run(stack: BenchStack, size: int = 10_000) -> dict[str, Any]:
    return asyncio.run(_run(stack, size))
