"""The processes `make bench` measures: gateway, four services, the bare FastAPI ceiling
and the minimal FastAPI + SQLModel anchor on goals' database (`bench/anchor.py`), each a
real process on a free port, on PostgreSQL when a server answers (fresh databases, dropped
afterwards) or on SQLite files otherwise."""

import asyncio
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

SERVICES = ("goals", "reviews", "feedback", "analytics")
APPS = ("gateway", *SERVICES)
POSTGRES_URL = os.environ.get(
    "STRATA_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
START_SECONDS = 600.0
READ_TIMEOUT_SECONDS = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _pg(*statements: str) -> None:
    conn = await asyncpg.connect(POSTGRES_URL, timeout=5)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def postgres_reachable() -> bool:
    try:
        asyncio.run(_pg("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    return True


def memory(pid: int) -> dict[str, float]:
    """Resident and peak resident memory of a process, in MiB (from /proc)."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) / 1024
    return {"rss_mib": round(values["VmRSS"], 1), "peak_rss_mib": round(values["VmHWM"], 1)}


@dataclass
class BenchStack:
    root: Path
    backend: str
    ports: dict[str, int] = field(default_factory=lambda: {a: free_port() for a in APPS})
    ceiling_port: int = field(default_factory=free_port)
    anchor_port: int = field(default_factory=free_port)
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    jwt_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    databases: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: list[IO[bytes]] = field(default_factory=list)

    JWT_ISSUER = "strata-bench"
    JWT_AUDIENCE = "strata"

    @property
    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("GATEWAY_", "GOALS_", "REVIEWS_", "FEEDBACK_", "ANALYTICS_"))
        }
        env.update(
            STRATA_INTERNAL_TOKEN_SECRET=self.secret,
            STRATA_DATA_DIR=str(self.root / "data"),
            STRATA_ENVIRONMENT="production",
            PYTHONUNBUFFERED="1",
            # The bench measures throughput, not the per-key limit: lift it out of the way.
            GATEWAY_RATE_LIMIT_BURST="100000000",
            GATEWAY_RATE_LIMIT_PER_MINUTE="100000000",
            GATEWAY_WEBHOOK_DISPATCH="false",
            # The loader's department-sized plan assignments (500 plans in one request) can
            # outlast the production default of 15 s on a busy machine.
            GATEWAY_READ_TIMEOUT_SECONDS=str(READ_TIMEOUT_SECONDS),
            # A 2,000-ratee campaign is created in one request that calls goals for minutes
            # on a busy machine; its internal token must outlive it (default 60 s).
            STRATA_INTERNAL_TOKEN_TTL_SECONDS=str(READ_TIMEOUT_SECONDS * 5),
            GATEWAY_JWT_KEY=self.jwt_key,
            GATEWAY_JWT_ALGORITHMS="HS256",
            GATEWAY_JWT_ISSUER=self.JWT_ISSUER,
            GATEWAY_JWT_AUDIENCE=self.JWT_AUDIENCE,
            ANALYTICS_REVIEWS_URL=self.url("reviews"),
        )
        for app, port in self.ports.items():
            env[f"{app.upper()}_PORT"] = str(port)
            env[f"{app.upper()}_LOG_LEVEL"] = "WARNING"
        for service in SERVICES:
            env[f"GATEWAY_{service.upper()}_URL"] = self.url(service)
            env[f"{service.upper()}_GATEWAY_URL"] = self.url("gateway")
        env.update(self.databases)
        return env

    def url(self, app: str = "gateway") -> str:
        return f"http://127.0.0.1:{self.ports[app]}"

    @property
    def ceiling_url(self) -> str:
        return f"http://127.0.0.1:{self.ceiling_port}"

    @property
    def anchor_url(self) -> str:
        return f"http://127.0.0.1:{self.anchor_port}"

    def start_anchor(self, tenant_id: str, employee_id: str) -> None:
        """The minimal app on goals' database, once the tenant is loaded (it serves that
        tenant's rows); ready when it answers the read it will be measured on."""
        self._spawn(
            "anchor",
            [
                sys.executable,
                "-m",
                "bench.anchor",
                str(self.anchor_port),
                self.database_url("goals"),
                tenant_id,
            ],
        )
        probe = f"{self.anchor_url}/employees/{employee_id}"
        deadline = time.monotonic() + START_SECONDS
        while True:
            if self.processes["anchor"].poll() is not None:
                log = (self.root / "anchor.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"anchor exited:\n{log}")
            try:
                if httpx.get(probe, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("the anchor is not ready")
            time.sleep(0.3)

    def create_databases(self) -> None:
        if self.backend != "postgres":
            return
        stem = f"strata_bench_{uuid.uuid4().hex[:8]}"
        names = {app: f"{stem}_{app}" for app in APPS}
        asyncio.run(_pg(*(f'CREATE DATABASE "{n}"' for n in names.values())))
        base = make_url(POSTGRES_URL).set(drivername="postgresql+asyncpg")
        self.databases = {
            f"{app.upper()}_DATABASE_URL": base.set(database=name).render_as_string(
                hide_password=False
            )
            for app, name in names.items()
        }

    def drop_databases(self) -> None:
        if not self.databases:
            return
        names = [make_url(url).database for url in self.databases.values()]
        asyncio.run(_pg(*(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in names)))

    def cli(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603 (our own command line)
            [sys.executable, "-m", "strata_gateway.cli", *args],
            env=self.env,
            capture_output=True,
            check=True,
            timeout=900,
        )
        return done.stdout.decode()

    def database_url(self, app: str) -> str:
        """The SQLAlchemy URL of `app`'s database (for the bulk loader)."""
        key = f"{app.upper()}_DATABASE_URL"
        if key in self.databases:
            return self.databases[key]
        return f"sqlite+aiosqlite:///{self.root / 'data' / f'{app}.db'}"

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = (self.root / f"{name}.log").open("ab")
        self.logs.append(log)
        self.processes[name] = subprocess.Popen(  # noqa: S603 (our own command line)
            argv, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def start(self) -> None:
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        self.cli("migrate")
        for app in APPS:
            self._spawn(app, [sys.executable, "-m", f"strata_{app}", "serve"])
        self._spawn("ceiling", [sys.executable, "-m", "bench.ceiling", str(self.ceiling_port)])
        self.wait_ready()

    def stop_anchor(self) -> None:
        """The anchor gone once measured: its pool's connections back to the server."""
        process = self.processes.pop("anchor", None)
        if process is not None:
            process.terminate()
            process.wait(timeout=60)

    def restart(self, app: str) -> None:
        """Stop and start one application (to measure it idle and fresh)."""
        process = self.processes.pop(app)
        process.terminate()
        process.wait(timeout=60)
        self._spawn(app, [sys.executable, "-m", f"strata_{app}", "serve"])
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        probes = {app: f"{self.url(app)}/readyz" for app in APPS}
        probes["ceiling"] = f"{self.ceiling_url}/constant"
        pending = set(probes)
        while pending:
            for name in list(pending):
                if self.processes[name].poll() is not None:
                    log = (self.root / f"{name}.log").read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"{name} exited:\n{log}")
                try:
                    if httpx.get(probes[name], timeout=2).status_code == 200:
                        pending.discard(name)
                except httpx.HTTPError:
                    pass
            if pending and time.monotonic() > deadline:
                raise TimeoutError(f"not ready: {sorted(pending)}")
            time.sleep(0.3)

    def _scalar(self, app: str, sql: str) -> int:
        """One number from `app`'s database (0 when the table is not one this app has)."""
        url = self.database_url(app)
        if url.startswith("sqlite"):
            with sqlite3.connect(make_url(url).database or "") as conn:
                try:
                    return int(conn.execute(sql).fetchone()[0] or 0)
                except sqlite3.OperationalError as exc:
                    if "no such table" in str(exc):
                        return 0
                    raise

        async def fetch() -> int:
            dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
            conn = await asyncpg.connect(dsn)
            try:
                return int(await conn.fetchval(sql) or 0)
            except asyncpg.UndefinedTableError:
                return 0
            finally:
                await conn.close()

        return asyncio.run(fetch())

    def backlog(self) -> dict[str, int]:
        """Background work still to do: events not yet relayed, jobs not finished, and
        events the gateway holds that analytics has not applied yet."""
        waiting = {
            f"{app} outbox": self._scalar(
                app, "SELECT count(*) FROM outbox_event WHERE published_at IS NULL"
            )
            for app in SERVICES
        }
        waiting |= {
            f"{app} jobs": self._scalar(
                app, "SELECT count(*) FROM job WHERE status IN ('queued', 'running')"
            )
            for app in SERVICES
        }
        newest = self._scalar("gateway", "SELECT max(position) FROM event")
        applied = self._scalar("analytics", "SELECT max(position) FROM consumer_cursor")
        waiting["analytics behind the event hub"] = max(0, newest - applied)
        return waiting

    def wait_quiet(self, timeout: float = 1800) -> float:
        """Wait until the load's background work (relays, jobs, the analytics consumer)
        is done, so it does not share the CPU with the measurements. Returns the seconds
        waited."""
        started = time.monotonic()
        while True:
            left = self.backlog()
            if not any(left.values()):
                return round(time.monotonic() - started, 1)
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"background work did not finish: {left}")
            time.sleep(2)

    def memory(self) -> dict[str, dict[str, Any]]:
        return {name: memory(p.pid) for name, p in self.processes.items()}

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        for log in self.logs:
            log.close()
