"""Migrations: `upgrade` applies a chain, harmlessly again; `revision` writes plain types."""

import asyncio
import re
import shutil
import uuid
from pathlib import Path

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from kittest_service import Widget, metadata
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import select

from strata_kit import migrations
from strata_kit.db import bind_tenant, create_engine, create_sessionmaker
from strata_kit.testing import POSTGRES_ADMIN_URL

ALL_TABLES = {"alembic_version", "widget", "part", "audit_record", "outbox_event"}


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request, tmp_path):
    """A database with nothing in it, not even Alembic's version table."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/empty.db"
        return
    if not request.getfixturevalue("postgres_available"):
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}")
    name = f"strata_m_{uuid.uuid4().hex[:16]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield str(make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+asyncpg", database=name))
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run(coro):
    return asyncio.run(coro)


async def schema(url: str) -> tuple[set[str], str | None]:
    """The tables of the database and its Alembic revision."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            version = None
            if "alembic_version" in tables:
                version = (
                    await conn.execute(text("SELECT version_num FROM alembic_version"))
                ).scalar()
            return tables, version
    finally:
        await engine.dispose()


async def differences(url: str) -> list:
    """What autogenerate would still write for `metadata` against this database."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True}), metadata
                )
            )
    finally:
        await engine.dispose()


async def add_widget(url: str, tenant: uuid.UUID, name: str) -> None:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            bind_tenant(session, tenant)
            session.add(Widget(name=name))
            await session.commit()
    finally:
        await engine.dispose()


async def widget_names(url: str, tenant: uuid.UUID) -> list[str]:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            bind_tenant(session, tenant)
            return [w.name for w in (await session.exec(select(Widget))).all()]
    finally:
        await engine.dispose()


class TestUpgrade:
    def test_upgrade_applies_the_whole_chain(self, service_migrations, empty_database_url):
        migrations.upgrade(service_migrations, empty_database_url)
        assert run(schema(empty_database_url)) == (ALL_TABLES, "kittest_0002")

    def test_upgrade_stops_at_the_revision_asked_for(self, service_migrations, empty_database_url):
        migrations.upgrade(service_migrations, empty_database_url, "kittest_0001")
        assert run(schema(empty_database_url)) == (
            {"alembic_version", "widget", "part"},
            "kittest_0001",
        )
        migrations.upgrade(service_migrations, empty_database_url)
        assert run(schema(empty_database_url)) == (ALL_TABLES, "kittest_0002")

    def test_upgrading_again_changes_nothing_and_keeps_the_data(
        self, service_migrations, empty_database_url
    ):
        tenant = uuid.uuid4()
        migrations.upgrade(service_migrations, empty_database_url)
        run(add_widget(empty_database_url, tenant, "kept"))
        migrations.upgrade(service_migrations, empty_database_url)
        assert run(schema(empty_database_url)) == (ALL_TABLES, "kittest_0002")
        assert run(widget_names(empty_database_url, tenant)) == ["kept"]

    def test_a_database_at_head_matches_the_models(self, service_migrations, empty_database_url):
        migrations.upgrade(service_migrations, empty_database_url)
        assert run(differences(empty_database_url)) == []


class TestRevision:
    @pytest.fixture
    def fresh_migrations(self, service_migrations, tmp_path) -> Path:
        """The service's env.py and template with no revision yet."""
        folder = tmp_path / "migrations"
        (folder / "versions").mkdir(parents=True)
        for name in ("env.py", "script.py.mako"):
            shutil.copy(service_migrations / name, folder / name)
        return folder

    @pytest.fixture
    def generated(self, fresh_migrations, tmp_path) -> Path:
        migrations.revision(
            fresh_migrations, f"sqlite+aiosqlite:///{tmp_path}/models.db", "baseline"
        )
        [path] = (fresh_migrations / "versions").glob("*.py")
        return path

    def test_kit_timestamps_render_as_plain_sqlalchemy_types(self, generated):
        source = generated.read_text()
        assert "sa.Column('created_at', sa.DateTime(timezone=True), nullable=False)" in source
        assert "sa.Column('published_at', sa.DateTime(timezone=True), nullable=True)" in source
        assert "UtcDateTime" not in source
        assert "strata_kit" not in source

    def test_the_file_is_named_by_date_revision_and_message(self, generated):
        assert re.fullmatch(r"\d{8}_[0-9a-f]{12}_baseline\.py", generated.name)

    def test_the_generated_revision_builds_the_models_schema(
        self, fresh_migrations, generated, empty_database_url
    ):
        migrations.upgrade(fresh_migrations, empty_database_url)
        assert run(differences(empty_database_url)) == []
        assert run(schema(empty_database_url))[0] == ALL_TABLES
