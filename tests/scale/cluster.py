"""Several replicas of Strata's applications as real processes on one machine, sharing
PostgreSQL databases (fresh ones, dropped afterwards) and a Redis, the way Kubernetes runs
them: each replica is its own process with its own port, started with `python -m
strata_<app> serve` and the settings of docs/configuration.md.

Kept apart from tests/e2e/stack.py (one process per application, SQLite) on purpose: the
scale tests need several processes per application and PostgreSQL.
"""

import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
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

APPS = ("gateway", "goals", "reviews", "feedback", "analytics")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A private redis-server on a free port, keeping nothing on disk; it can be killed."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            if redis_answers(self.port):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@dataclass
class Replica:
    name: str
    app: str
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    """Fresh PostgreSQL databases for some applications, and replicas started on them."""

    root: Path
    admin_url: str
    apps: tuple[str, ...]
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    prefix: str = field(default_factory=lambda: f"strata_scale_{uuid.uuid4().hex[:10]}_")
    replicas: dict[str, Replica] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)

    # --- databases -------------------------------------------------------------------------

    def database(self, app: str) -> str:
        return f"{self.prefix}{app}"

    def database_url(self, app: str, driver: str = "postgresql+asyncpg") -> str:
        url = make_url(self.admin_url).set(drivername=driver, database=self.database(app))
        return url.render_as_string(hide_password=False)

    async def _admin(self, *statements: str) -> None:
        conn = await asyncpg.connect(self.admin_url, timeout=10)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    def create_databases(self) -> None:
        for app in self.apps:
            asyncio.run(self._admin(f'CREATE DATABASE "{self.database(app)}"'))
            self.created.append(self.database(app))
        migrations = [
            subprocess.Popen(
                [sys.executable, "-m", f"strata_{app}", "migrate"],
                env=self.base_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for app in self.apps
        ]
        for app, process in zip(self.apps, migrations, strict=True):
            out, _ = process.communicate(timeout=600)
            if process.returncode != 0:
                raise RuntimeError(f"{app} migrations failed:\n{out.decode()[-3000:]}")

    def drop_databases(self) -> None:
        statements = [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in self.created]
        if statements:
            asyncio.run(self._admin(*statements))

    async def query(self, app: str, sql: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.database_url(app, driver="postgresql"), timeout=10)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    # --- processes -------------------------------------------------------------------------

    def base_env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(tuple(f"{app.upper()}_" for app in APPS))
        }
        env.update(
            STRATA_INTERNAL_TOKEN_SECRET=self.secret,
            STRATA_ENVIRONMENT="test",
            STRATA_DATA_DIR=str(self.root / "data"),
            PYTHONUNBUFFERED="1",
        )
        for app in self.apps:
            env[f"{app.upper()}_DATABASE_URL"] = self.database_url(app)
        return env

    def add(self, name: str, app: str, **settings: str) -> Replica:
        """Declare a replica; `settings` are its own environment (full variable names)."""
        port = free_port()
        env = self.base_env()
        env.update({f"{app.upper()}_PORT": str(port), f"{app.upper()}_LOG_JSON": "true"})
        env.update(settings)
        replica = Replica(name, app, port, env)
        self.replicas[name] = replica
        return replica

    def start(self, *names: str) -> None:
        for name in names:
            replica = self.replicas[name]
            replica.log = replica.log or open(self.root / f"{name}.log", "ab")  # noqa: SIM115
            replica.process = subprocess.Popen(
                [sys.executable, "-m", f"strata_{replica.app}", "serve"],
                env=replica.env,
                stdout=replica.log,
                stderr=subprocess.STDOUT,
            )

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        replica = self.replicas[name]
        if replica.process is None:
            return
        replica.process.send_signal(sig)
        try:
            replica.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            replica.process.kill()
            replica.process.wait()
        replica.process = None

    def wait_ready(self, *names: str, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        pending = set(names)
        while pending:
            for name in sorted(pending):
                replica = self.replicas[name]
                if replica.process is not None and replica.process.poll() is not None:
                    raise RuntimeError(f"{name} exited:\n{self.log_text(name)[-3000:]}")
                try:
                    if httpx.get(f"{replica.url}/readyz", timeout=2.0).status_code == 200:
                        pending.discard(name)
                except httpx.HTTPError:
                    pass
            if pending and time.monotonic() > deadline:
                raise TimeoutError(f"not ready: {sorted(pending)}")
            time.sleep(0.2)

    def log_text(self, name: str) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def log_events(self, name: str, event: str) -> list[dict[str, Any]]:
        """The JSON log lines of `name` whose event is `event`."""
        found = []
        for line in self.log_text(name).splitlines():
            if not line.startswith("{"):
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("event") == event:
                found.append(record)
        return found

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "strata_gateway.cli", *args],
            env=self.base_env(),
            capture_output=True,
            check=True,
            timeout=180,
        )
        return done.stdout.decode()

    def down(self) -> None:
        running = [r for r in self.replicas.values() if r.process is not None]
        for replica in running:  # all at once: each takes a moment to drain
            assert replica.process is not None
            replica.process.send_signal(signal.SIGTERM)
        for replica in running:
            assert replica.process is not None
            try:
                replica.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                replica.process.kill()
                replica.process.wait()
            replica.process = None
        for replica in self.replicas.values():
            if replica.log is not None:
                replica.log.close()
