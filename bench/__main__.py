"""`make bench` (`python -m bench`): start the stack, load a realistic tenant, drive each
scenario with wrk at a fixed concurrency, and write the report under bench/results/.

    python -m bench [--employees 10000] [--ratings 2000000] [--invitations 5000]
                    [--concurrency 32] [--seconds 20] [--backend auto|postgres|sqlite]
                    [--only fairness]

PostgreSQL is used when a server answers at STRATA_BENCH_POSTGRES_URL (default
postgresql://postgres@127.0.0.1:5432/postgres): fresh databases, dropped afterwards.
Otherwise SQLite files in a temporary folder. The report says which.
"""

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench import analytics_scale, provision, report, tenant, wrk
from bench.stack import READ_TIMEOUT_SECONDS, BenchStack, postgres_reachable
from strata_contracts.identity import IDENTITY_HEADER, IdentityClaims, Role
from strata_kit.identity import mint_identity_token

SETTLE_SECONDS = 5


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--ratings", type=int, default=2_000_000)
    parser.add_argument("--invitations", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--backend", choices=["auto", "postgres", "sqlite"], default="auto")
    parser.add_argument(
        "--only",
        choices=["provision", "fairness"],
        default=None,
        help="run one scenario alone: provision is (g), 10,000 people provisioned on a fresh "
        "stack; fairness is (f), without the wrk scenarios (a)-(e)",
    )
    args = parser.parse_args()

    if args.only is None:
        wrk.wrk_binary()
    note = ""
    backend = args.backend
    if backend == "auto":
        backend = "postgres" if postgres_reachable() else "sqlite"
        if backend == "sqlite":
            note = "no PostgreSQL answered, so the embedded default"
    elif backend == "postgres" and not postgres_reachable():
        raise SystemExit("bench: --backend postgres, but no PostgreSQL answers")
    print(f"bench: backend {backend}{f' ({note})' if note else ''}", flush=True)

    started_at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    load_before = os.getloadavg()[0]
    if args.only == "provision":
        only_provision(backend, args.employees)
        return
    with tempfile.TemporaryDirectory(prefix="strata-bench-") as tmp:
        stack = BenchStack(Path(tmp), backend)
        stack.create_databases()
        try:
            stack.start()
            print("bench: stack up; loading the tenant", flush=True)
            loading = time.perf_counter()
            world = tenant.run(
                stack,
                employees=args.employees,
                invitations=args.invitations,
                ratings=args.ratings,
            )
            load_seconds = round(time.perf_counter() - loading, 1)
            print(f"bench: tenant loaded in {load_seconds} s {world.timings}", flush=True)
            # Idle memory: every application restarted on the loaded databases, then left
            # alone, as a replica that has just been scheduled (the loader's own work, such
            # as a 10,000-employee upsert, is not an idle state).
            for app in ("gateway", "goals", "reviews", "feedback", "analytics"):
                stack.restart(app)
            time.sleep(SETTLE_SECONDS)
            idle = stack.memory()
            scenarios = run_scenarios(stack, world, args)
            provisioned = provision.run(stack, args.employees) if args.only is None else None
            end = stack.memory()
        finally:
            stack.stop()
            stack.drop_databases()

    result: dict[str, Any] = {
        "started_at": started_at,
        "backend": backend,
        "backend_note": note,
        "commit": _commit(),
        "gateway_read_timeout_seconds": READ_TIMEOUT_SECONDS,
        "concurrency": args.concurrency,
        "threads": wrk.THREADS,
        "seconds": args.seconds,
        "machine": {
            "cores": os.cpu_count(),
            "load_before": round(load_before, 2),
            "load_after": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
        },
        "tenant": {
            "employees": len(world.employee_ids),
            "plans": world.plans,
            "invitations": len(world.submissions),
            "ratings": world.ratings,
            "rating_campaigns": world.campaigns,
            "load_seconds": load_seconds,
            "timings": world.timings,
        },
        "scenarios": scenarios,
        "provision": provisioned,
        "memory": {"idle": idle, "end": end},
    }
    if args.only is not None:
        # One scenario is not a report to compare runs by: printed and written apart.
        path = Path(tempfile.gettempdir()) / f"strata-bench-{args.only}-{started_at}.json"
        path.write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps({k: v for k, v in scenarios["fairness"].items() if k != "checks"}))
        print(f"bench: wrote {path}")
        return
    result["ratios"] = report.ratios(scenarios)
    result["targets"] = report.targets(result)
    json_path, md_path = report.write(result)
    print(report.markdown(result))
    print(f"bench: wrote {json_path} and {md_path} (and latest.*)")


def only_provision(backend: str, people: int) -> None:
    """(g) alone: a fresh stack, the two provisioning runs, their table and targets."""
    with tempfile.TemporaryDirectory(prefix="strata-bench-") as tmp:
        stack = BenchStack(Path(tmp), backend)
        stack.create_databases()
        try:
            stack.start()
            result = provision.run(stack, people)
        finally:
            stack.stop()
            stack.drop_databases()
    print("\n".join(report.provision_markdown(result)))
    for check in report.provision_targets(result):
        print(f"- {check['target']}: {check['measured']} ({'met' if check['met'] else 'NOT met'})")


def run_scenarios(stack: BenchStack, world: tenant.Tenant, args: Any) -> dict[str, Any]:
    api_key = {"Authorization": f"Bearer {world.admin_key}"}
    identity = IdentityClaims(
        subject="bench", tenant_id=uuid.UUID(world.tenant_id), roles=frozenset({Role.ADMIN})
    )
    # A direct call carries what the gateway would have signed (long-lived for the run).
    token = {IDENTITY_HEADER: mint_identity_token(identity, stack.secret, 3600)}
    employee = world.employee_ids[len(world.employee_ids) // 2]
    read = f"/api/v1/goals/employees/{employee}"
    answers = json.dumps({"answers": world.answers})
    if args.only is None:
        stack.start_anchor(world.tenant_id, employee)
    plan: list[wrk.Scenario] = [
        wrk.Scenario("ceiling", "(a) bare FastAPI constant (ceiling)", stack.ceiling_url,
                     path="/constant"),
        wrk.Scenario("anchor_read", "(a2) the same read, minimal FastAPI + SQLModel (anchor)",
                     stack.anchor_url, path=f"/employees/{employee}"),
        wrk.Scenario("direct_read", "(b) read one employee, direct to goals",
                     stack.url("goals"), path=read, headers=token),
        wrk.Scenario("gateway_read", "(c) the same read through the gateway", stack.url(),
                     path=read, headers=api_key),
        wrk.Scenario("submit_360", "(d) submit a 20-item 360 response (gateway)", stack.url(),
                     method="POST", body=answers, rotate=world.submissions),
        wrk.Scenario("list_employees", "(e) list a page of 100 employees (gateway)",
                     stack.url(), path="/api/v1/goals/employees?limit=100", headers=api_key),
    ]  # fmt: skip
    results: dict[str, Any] = {}
    for scenario in plan if args.only is None else []:
        check = _one_call(scenario)
        print(f"bench: {scenario.name}: one call {check['status']} in {check['ms']} ms", flush=True)
        if scenario.name != "submit_360" and check["status"] != 200:
            raise SystemExit(f"bench: {scenario.name} answered {check['status']}: {check['body']}")
        measured = wrk.run(
            scenario, connections=args.concurrency, seconds=args.seconds, timeout=120
        )
        measured["title"] = scenario.title
        measured["single_call_ms"] = check["ms"]
        results[scenario.name] = measured
        print(f"bench: {scenario.name}: {measured}", flush=True)
        if scenario.name == "anchor_read":
            stack.stop_anchor()  # 32 + 32 connections of its own, on a server of 100
    # The loaded applications keep their pools' connections open once the load is gone
    # (32 each): with the reference's own reads on top, a server of 100 runs out. Restarted,
    # they hold none until (f) and (g) ask.
    for app in ("gateway", "goals", "reviews"):
        stack.restart(app)
    # (f) The fairness statistics over the whole cycle (every rating loaded), one client at
    # a time, beside pandas and DuckDB on the same rows of the same database: 32 concurrent
    # multi-million-row computations measure the queue, not the computation.
    results["fairness"] = analytics_scale.run(
        stack,
        tenant_id=world.tenant_id,
        cycle_id=world.cycle_id,
        ratings=world.ratings,
        api_key=api_key,
        token=token,
    )
    return results


def _one_call(scenario: wrk.Scenario, timeout: float = 600) -> dict[str, Any]:
    """One request before the load: the answer must be right, and its time alone is noted."""
    if scenario.rotate:
        return {"status": "n/a", "ms": None, "body": ""}
    started = time.perf_counter()
    try:
        response = httpx.request(
            scenario.method,
            scenario.url + scenario.path,
            headers=scenario.headers,
            timeout=timeout,
        )
    except httpx.TimeoutException:
        return {
            "status": "timeout",
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "body": "",
        }
    return {
        "status": response.status_code,
        "ms": round((time.perf_counter() - started) * 1000, 1),
        "body": response.text[:300],
    }


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":
    main()
