"""The test plugin's PostgreSQL databases (`strata_kit.testing._Databases`): made ahead from
a template and dropped behind by a thread, each test gets an untouched copy of its own."""

import asyncio
import uuid
from collections.abc import Iterator

import asyncpg
import pytest

from strata_kit.testing import POSTGRES_ADMIN_URL, _Databases, _pg_url

pytestmark = pytest.mark.postgres


async def _run(database: str, statement: str) -> list[asyncpg.Record]:
    url = _pg_url(database).replace("postgresql+asyncpg", "postgresql")
    conn = await asyncpg.connect(url, timeout=10)
    try:
        return await conn.fetch(statement)
    finally:
        await conn.close()


async def _databases() -> set[str]:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=10)
    try:
        return {row["datname"] for row in await conn.fetch("SELECT datname FROM pg_database")}
    finally:
        await conn.close()


@pytest.fixture
def template(postgres_available: bool) -> Iterator[str]:
    if not postgres_available:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}")
    name = f"strata_tpl_probe_{uuid.uuid4().hex[:10]}"
    admin = POSTGRES_ADMIN_URL

    async def make() -> None:
        conn = await asyncpg.connect(admin, timeout=10)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        await _run(name, "CREATE TABLE seed (value text)")
        await _run(name, "INSERT INTO seed VALUES ('from the template')")

    asyncio.run(make())
    yield name

    async def drop() -> None:
        conn = await asyncpg.connect(admin, timeout=10)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


class TestDatabases:
    def test_each_take_is_an_untouched_copy_never_reused(self, template: str) -> None:
        pool = _Databases()
        taken = []
        try:
            for _ in range(4):
                name = pool.take(template)
                rows = asyncio.run(_run(name, "SELECT value FROM seed"))
                assert [row["value"] for row in rows] == ["from the template"]
                asyncio.run(_run(name, "INSERT INTO seed VALUES ('written by a test')"))
                taken.append(name)
                pool.release(name)
        finally:
            pool.close()
        assert len(set(taken)) == 4
        assert template not in taken

    def test_closing_drops_the_used_and_the_ready_ones(self, template: str) -> None:
        pool = _Databases()
        used = pool.take(template)
        pool.release(used)
        kept = pool.take(template)  # never released
        with pool._changed:
            ahead = [name for ready in pool._ready.values() for name in ready]
        assert kept in asyncio.run(_databases())
        pool.close()
        assert not {used, kept, *ahead} & asyncio.run(_databases())

    def test_a_template_that_cannot_be_copied_fails_that_test_only(self, template: str) -> None:
        pool = _Databases()
        try:
            with pytest.raises(RuntimeError, match="copying the template"):
                pool.take(f"strata_tpl_missing_{uuid.uuid4().hex[:8]}")
            name = pool.take(template)
            pool.release(name)
        finally:
            pool.close()
