"""The end-to-end `Stack` with what fault tests add: a patient start (a loaded CI machine
can take minutes to import five applications), freezing a process, and databases on a
PostgreSQL server created for the test and dropped after it."""

import asyncio
import os
import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from tests.e2e.stack import APPS, Stack

POSTGRES_ADMIN_URL = os.environ.get(
    "STRATA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
START_SECONDS = 600.0


class FaultStack(Stack):
    def up(self) -> None:
        self.cli("migrate")
        for app in APPS:
            self.start(app)
        self.wait_ready(*APPS, timeout=START_SECONDS)

    def freeze(self, app: str) -> None:
        """SIGSTOP: the process keeps its sockets (the kernel still accepts connections)
        but answers nothing: the slowest upstream there is."""
        self.processes[app].send_signal(signal.SIGSTOP)

    def thaw(self, app: str) -> None:
        self.processes[app].send_signal(signal.SIGCONT)

    def pid(self, app: str) -> int:
        return self.processes[app].pid


async def _admin(*statements: str) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=10)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@contextmanager
def postgres_databases() -> Iterator[dict[str, str]]:
    """One fresh database per application, `<APP>_DATABASE_URL` values; dropped after."""
    stem = f"strata_fault_{uuid.uuid4().hex[:10]}"
    names = {app: f"{stem}_{app}" for app in APPS}
    asyncio.run(_admin(*(f'CREATE DATABASE "{name}"' for name in names.values())))
    base = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+asyncpg")
    try:
        yield {
            f"{app.upper()}_DATABASE_URL": base.set(database=name).render_as_string(
                hide_password=False
            )
            for app, name in names.items()
        }
    finally:
        asyncio.run(
            _admin(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names.values()))
        )


def make_stack(root: Path, **extra_env: str) -> FaultStack:
    return FaultStack(root, extra_env=dict(extra_env))
