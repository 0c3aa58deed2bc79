"""Pytest plugin shared by every Strata test suite (enabled in the root `conftest.py`).

Each test that asks for `database_url` runs twice: on SQLite and on PostgreSQL, each on a
fresh database copied from a template migrated once per session with the service's
Alembic revisions (no `create_all`). PostgreSQL tests skip with a message when no server
is reachable, and fail instead when `CI=true`.

A suite provides three fixtures: `service_migrations` (the migrations folder),
`settings_factory` (the settings class) and `app_factory` (the `create_app` function).
It then gets `app`, `client`, `tenant_id`, `identity_headers(...)` and `db_session`.
"""

import asyncio
import hashlib
import os
import shutil
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.identity import IDENTITY_HEADER, IdentityClaims, Role
from strata_kit import migrations
from strata_kit.db import bind_tenant, create_engine, create_sessionmaker
from strata_kit.identity import mint_identity_token
from strata_kit.settings import KitSettings

TEST_SECRET = "test-internal-secret-0123456789abcdef-not-for-production"  # noqa: S105
# Forced, not defaulted: a developer's exported secret must not turn every test into a 401.
os.environ["STRATA_INTERNAL_TOKEN_SECRET"] = TEST_SECRET
os.environ["STRATA_ENVIRONMENT"] = "test"

POSTGRES_ADMIN_URL = os.environ.get(
    "STRATA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() == "true"


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


async def _pg_execute(url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url, timeout=5)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _pg_url(database: str) -> str:
    return str(make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+asyncpg", database=database))


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    """Whether the test PostgreSQL answers; CI insists that it does."""
    try:
        asyncio.run(_pg_execute(POSTGRES_ADMIN_URL, "SELECT 1"))
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"CI=true but PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc}")
        return False
    return True


class _Databases:
    """Fresh PostgreSQL databases copied from templates, made ahead and dropped behind.

    `CREATE DATABASE … TEMPLATE` and `DROP DATABASE` wait for the server's disk (hundreds
    of milliseconds each on a busy machine). A thread per test process does both on one
    admin connection while tests run: it keeps `AHEAD` copies of each template in use ready
    and drops the databases tests are done with. Every test still gets its own untouched
    copy of the migrated template; none is ever reused.
    """

    AHEAD = 2

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._ready: dict[str, list[str]] = {}
        self._done: list[str] = []
        self._taken: set[str] = set()
        self._failed: dict[str, BaseException] = {}
        self._undropped: list[str] = []
        self._closing = False
        self._thread = threading.Thread(target=self._work, name="strata-test-databases")
        self._thread.daemon = True
        self._thread.start()

    def take(self, template: str) -> str:
        """A new database copied from `template` (made now if none is ready)."""
        with self._changed:
            ready = self._ready.setdefault(template, [])
            self._changed.notify_all()
            while not ready and template not in self._failed:
                if not self._thread.is_alive():
                    raise RuntimeError("the thread making test databases stopped")
                self._changed.wait(timeout=1.0)
            if not ready:
                error = self._failed.pop(template)  # the next test tries again
                raise RuntimeError(f"copying the template {template} failed") from error
            self._changed.notify_all()
            name = ready.pop(0)
            self._taken.add(name)
            return name

    def release(self, name: str) -> None:
        """`name` is no longer used: drop it (in the background)."""
        with self._changed:
            self._taken.discard(name)
            self._done.append(name)
            self._changed.notify_all()

    def close(self) -> None:
        """Drop every database made here, then stop the thread; fail if one was left."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._thread.join(timeout=300)
        if self._thread.is_alive() or self._undropped:
            raise RuntimeError(f"test databases not dropped: {self._undropped or 'timed out'}")

    def _next(self) -> str | None:
        """The next statement to run (called with the lock held); None: stop."""
        while True:
            if self._closing:
                self._done.extend(n for ready in self._ready.values() for n in ready)
                self._done.extend(sorted(self._taken))
                self._ready, self._taken = {}, set()
                if not self._done:
                    return None
            else:
                short = [
                    t
                    for t, ready in self._ready.items()
                    if len(ready) < self.AHEAD and t not in self._failed
                ]
                if short:
                    template = min(short, key=lambda t: len(self._ready[t]))
                    name = f"strata_t_{uuid.uuid4().hex[:16]}"
                    return f'CREATE DATABASE "{name}" TEMPLATE "{template}"'
            if self._done:
                return f'DROP DATABASE IF EXISTS "{self._done.pop(0)}" WITH (FORCE)'
            self._changed.wait()

    def _work(self) -> None:
        import asyncpg

        loop = asyncio.new_event_loop()
        conn: Any = None
        try:
            while True:
                with self._changed:
                    statement = self._next()
                if statement is None:
                    return
                name = statement.split('"')[1]
                try:
                    if conn is None or conn.is_closed():  # e.g. after a server restart
                        conn = loop.run_until_complete(
                            asyncpg.connect(POSTGRES_ADMIN_URL, timeout=30)
                        )
                    loop.run_until_complete(conn.execute(statement))
                except Exception as exc:
                    with self._changed:
                        if statement.startswith("CREATE"):
                            self._failed[statement.split('"')[3]] = exc
                        else:
                            self._undropped.append(name)
                        self._changed.notify_all()
                    continue
                if statement.startswith("CREATE"):
                    template = statement.split('"')[3]
                    with self._changed:
                        self._ready.setdefault(template, []).append(name)
                        self._changed.notify_all()
        finally:
            if conn is not None and not conn.is_closed():
                loop.run_until_complete(conn.close())
            loop.close()


class _Templates:
    """One migrated template database per (backend, migrations folder) per worker."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sqlite: dict[Path, Path] = {}
        self.postgres: dict[Path, str] = {}
        self._databases: _Databases | None = None

    @property
    def databases(self) -> _Databases:
        if self._databases is None:
            self._databases = _Databases()
        return self._databases

    def sqlite_template(self, migrations_dir: Path) -> Path:
        if migrations_dir not in self.sqlite:
            digest = hashlib.sha256(str(migrations_dir.resolve()).encode()).hexdigest()[:8]
            path = self.root / f"{migrations_dir.parent.name}-{digest}-template.db"
            migrations.upgrade(migrations_dir, f"sqlite+aiosqlite:///{path}")
            self.sqlite[migrations_dir] = path
        return self.sqlite[migrations_dir]

    def postgres_template(self, migrations_dir: Path) -> str:
        if migrations_dir not in self.postgres:
            # Unique per process: two test sessions may share one server.
            digest = hashlib.sha256(str(migrations_dir.resolve()).encode()).hexdigest()[:8]
            name = f"strata_tpl_{digest}_{_worker()}_{os.getpid()}".lower()
            asyncio.run(
                _pg_execute(
                    POSTGRES_ADMIN_URL,
                    f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                    f'CREATE DATABASE "{name}"',
                )
            )
            migrations.upgrade(migrations_dir, _pg_url(name))
            self.postgres[migrations_dir] = name
        return self.postgres[migrations_dir]

    def close(self) -> None:
        if self._databases is not None:
            self._databases.close()
        for name in self.postgres.values():
            asyncio.run(
                _pg_execute(POSTGRES_ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            )


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Templates]:
    templates = _Templates(tmp_path_factory.mktemp("templates"))
    yield templates
    templates.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest,
    service_migrations: Path,
    _templates: _Templates,
    tmp_path: Path,
) -> Iterator[str]:
    """A fresh, migrated database for this test (SQLite file or PostgreSQL database)."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(_templates.sqlite_template(service_migrations), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    if not request.getfixturevalue("postgres_available"):
        pytest.skip(
            f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL} "
            "(set STRATA_TEST_POSTGRES_URL; mandatory when CI=true)"
        )
    template = _templates.postgres_template(service_migrations)
    name = _templates.databases.take(template)
    try:
        yield _pg_url(name)
    finally:
        _templates.databases.release(name)


@pytest.fixture
def settings(settings_factory: Callable[..., KitSettings], database_url: str) -> KitSettings:
    return settings_factory(
        database_url=database_url,
        database_pool_size=2,
        event_relay=False,
        event_consumer=False,
        job_runner=False,
        upstream_check=False,
    )


@pytest.fixture
async def app(
    app_factory: Callable[[Any], FastAPI], settings: KitSettings
) -> AsyncIterator[FastAPI]:
    """The service app with its lifespan running (engine open)."""
    application = app_factory(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client speaking to the app in-process. Send `identity_headers(...)`."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def tenant_id() -> uuid.UUID:
    return uuid.uuid4()


IdentityHeaders = Callable[..., dict[str, str]]


@pytest.fixture
def identity_headers(tenant_id: uuid.UUID) -> IdentityHeaders:
    """`identity_headers(Role.HR, employee_id=..., tenant_id=...)`: headers of a caller."""

    def make(
        *roles: Role,
        employee_id: uuid.UUID | None = None,
        tenant: uuid.UUID | None = None,
        subject: str = "test",
    ) -> dict[str, str]:
        claims = IdentityClaims(
            subject=subject,
            tenant_id=tenant or tenant_id,
            employee_id=employee_id,
            roles=frozenset(roles or (Role.ADMIN,)),
        )
        return {IDENTITY_HEADER: mint_identity_token(claims, TEST_SECRET)}

    return make


@pytest.fixture
async def db_session(app: FastAPI, tenant_id: uuid.UUID) -> AsyncIterator[AsyncSession]:
    """A session on the app's database bound to `tenant_id`, to check what was stored."""
    async with app.state.sessionmaker() as session:
        yield bind_tenant(session, tenant_id)


async def open_session(url: str, tenant: uuid.UUID) -> AsyncSession:
    """A standalone tenant-bound session on `url` (close it, and dispose its bind)."""
    maker = create_sessionmaker(create_engine(url))
    return bind_tenant(maker(), tenant)


class RoundTrips:
    """The round trips a block of work makes to the database, to pin their number in a test.

    Counted: each statement the driver is given (one per batch of a many-row insert) and
    each BEGIN, COMMIT and ROLLBACK of a transaction. asyncpg sends those three as
    statements of their own, which no cursor event sees; a connection in autocommit sends
    none of them, so they are not counted there.

        with RoundTrips(app.state.engine) as trips:
            await client.get(...)
        assert trips.count == 1, trips.log
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.sync_engine
        self.log: list[str] = []
        self._listeners: list[tuple[str, Callable[..., None]]] = [
            ("before_cursor_execute", self._statement),
            ("begin", self._marker("BEGIN")),
            ("commit", self._marker("COMMIT")),
            ("rollback", self._marker("ROLLBACK")),
        ]

    @property
    def count(self) -> int:
        return len(self.log)

    def _statement(self, _conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        self.log.append(" ".join(statement.split())[:120])

    def _marker(self, word: str) -> Callable[[Connection], None]:
        def record(conn: Connection) -> None:
            if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
                self.log.append(word)

        return record

    def __enter__(self) -> "RoundTrips":
        for name, listener in self._listeners:
            event.listen(self._engine, name, listener)
        return self

    def __exit__(self, *_: object) -> None:
        for name, listener in self._listeners:
            event.remove(self._engine, name, listener)
