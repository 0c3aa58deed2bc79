"""A real Strata stack for end-to-end tests: gateway and services as separate processes on
free ports, SQLite files in a temporary data directory, started and stopped one by one.

`stack.cli("migrate")` on SQLite runs the real `strata migrate` once per test process and
copies the migrated files into every later stack's data directory (the same schema, a
fraction of the time: migrating imports every application, one after the other). A stack
whose databases are elsewhere (`*_DATABASE_URL`, e.g. PostgreSQL) always migrates for real.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

SERVICES = ("goals", "reviews", "feedback", "analytics")
APPS = ("gateway", *SERVICES)

_MIGRATED: dict[str, Path] = {}
"""Per test process: the data directory `strata migrate` made, by database placement."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    root: Path
    ports: dict[str, int] = field(default_factory=lambda: {app: free_port() for app in APPS})
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, IO[bytes]] = field(default_factory=dict)
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))

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
            STRATA_ENVIRONMENT="test",
            STRATA_ENV_FILE="",  # never a developer's var/strata.env
            PYTHONUNBUFFERED="1",
        )
        for app, port in self.ports.items():
            env[f"{app.upper()}_PORT"] = str(port)
            env[f"{app.upper()}_LOG_JSON"] = "true"
        # Every internal URL follows from the ports (strata_kit.topology), as under `make run`.
        env.update(self.extra_env)
        return env

    def url(self, app: str = "gateway") -> str:
        return f"http://127.0.0.1:{self.ports[app]}"

    def cli(self, *args: str) -> str:
        if args == ("migrate",) and self._migrate_from_template():
            return ""
        done = subprocess.run(
            [sys.executable, "-m", "strata_gateway.cli", *args],
            env=self.env,
            capture_output=True,
            check=True,
            timeout=180,
        )
        return done.stdout.decode()

    def _migrate_from_template(self) -> bool:
        """Copy a migrated SQLite data directory if this process has one; else make one
        with the real command. False when the databases are not SQLite files here."""
        env = self.env
        if any(key.endswith("_DATABASE_URL") for key in env):
            return False
        data = Path(env["STRATA_DATA_DIR"])
        if data.exists() and any(data.iterdir()):
            return False  # a stack migrating what it already has: the real command
        key = "sqlite-in-data-dir"
        template = _MIGRATED.get(key)
        if template is None:
            template = Path(tempfile.mkdtemp(prefix="migrated-", dir=self.root.parent))
            subprocess.run(
                [sys.executable, "-m", "strata_gateway.cli", "migrate"],
                env={**env, "STRATA_DATA_DIR": str(template)},
                capture_output=True,
                check=True,
                timeout=300,
            )
            _MIGRATED[key] = template
        shutil.copytree(template, data, dirs_exist_ok=True)
        return True

    def create_tenant(self, name: str) -> dict[str, Any]:
        return json.loads(self.cli("tenant", "create", name))  # type: ignore[no-any-return]

    def start(self, app: str) -> None:
        log = self.logs.get(app) or open(self.root / f"{app}.log", "ab")  # noqa: SIM115
        self.logs[app] = log
        self.processes[app] = subprocess.Popen(
            [sys.executable, "-m", f"strata_{app}", "serve"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def stop(self, app: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(app, None)
        if process is None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def wait_ready(self, *apps: str, timeout: float | None = None) -> None:
        # Five processes importing at once take long on a loaded machine (2 cores shared).
        timeout = timeout or float(os.environ.get("STRATA_TEST_STACK_TIMEOUT", "240"))
        deadline = time.monotonic() + timeout
        pending = set(apps or self.processes)
        while pending:
            for app in list(pending):
                process = self.processes.get(app)
                if process is not None and process.poll() is not None:
                    raise RuntimeError(
                        f"{app} exited with {process.returncode}:\n{self.log_text(app)[-3000:]}"
                    )
                try:
                    if httpx.get(f"{self.url(app)}/readyz", timeout=1.0).status_code == 200:
                        pending.discard(app)
                except httpx.HTTPError:
                    pass
            if pending and time.monotonic() > deadline:
                raise TimeoutError(f"not ready: {sorted(pending)}")
            time.sleep(0.2)

    def log_text(self, app: str) -> str:
        path = self.root / f"{app}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def up(self) -> None:
        self.cli("migrate")
        for app in APPS:
            self.start(app)
        self.wait_ready(*APPS)

    def down(self) -> None:
        for app in list(self.processes):
            self.stop(app)
        for log in self.logs.values():
            log.close()
