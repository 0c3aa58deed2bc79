"""The kit's tests run against `kittest_service`, a tiny service made only of kit parts.

Test folders are not packages (`--import-mode=importlib`), so the service module is loaded
here once under a fixed name; tests and `migrations/env.py` import it as `kittest_service`.
"""

import functools
import importlib.util
import json
import logging
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_kit.db import allow_cross_tenant, bind_tenant
from strata_kit.logging import configure_logging

HERE = Path(__file__).parent


def _load_service_module() -> None:
    if "kittest_service" in sys.modules:
        return
    spec = importlib.util.spec_from_file_location("kittest_service", HERE / "kittest_service.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["kittest_service"] = module
    spec.loader.exec_module(module)


_load_service_module()

from kittest_service import KitTestSettings, create_app  # noqa: E402


@pytest.fixture(scope="session")
def service_migrations() -> Path:
    return HERE / "migrations"


@pytest.fixture(scope="session")
def settings_factory() -> Callable[..., KitTestSettings]:
    # JSON logs: the development console renders each traceback with its locals, which
    # takes seconds for a database error.
    return functools.partial(KitTestSettings, log_json=True)


@pytest.fixture(scope="session")
def app_factory() -> Callable[[KitTestSettings], FastAPI]:
    return create_app


OpenSession = Callable[..., AbstractAsyncContextManager[AsyncSession]]


@pytest.fixture
def open_session(app: FastAPI) -> OpenSession:
    """`async with open_session(tenant) as s:` a session on the app's database, bound to
    `tenant` (`None`: bound to no tenant; `cross_tenant=True`: sees every tenant)."""

    @asynccontextmanager
    async def session(
        tenant: uuid.UUID | None, *, cross_tenant: bool = False
    ) -> AsyncIterator[AsyncSession]:
        async with app.state.sessionmaker() as s:
            bind_tenant(s, tenant)
            if cross_tenant:
                allow_cross_tenant(s)
            yield s

    return session


class JsonLogs:
    """Log lines a test emitted, parsed from stderr once `configure_logging(json=True)`."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self._capsys = capsys
        self.raw = ""

    def lines(self) -> list[dict[str, Any]]:
        self.raw += self._capsys.readouterr().err
        return [json.loads(line) for line in self.raw.splitlines() if line.startswith("{")]

    def events(self, name: str) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line.get("event") == name]


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], JsonLogs]]:
    """Call it in the test body (after the app exists) to switch logging to JSON on stderr."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level

    def start() -> JsonLogs:
        configure_logging(service="kittest", json=True)
        capsys.readouterr()
        return JsonLogs(capsys)

    yield start
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
