"""The `job` table written once, in the kit: what `create_job_table` (or the older table plus
`add_job_retries`) builds is exactly what `JobFields` describes, and the downgrades undo it."""

from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from strata_kit import migrations
from strata_kit.db import TenantModel, new_registry
from strata_kit.jobs import JobFields

registry = new_registry()


class _Model(TenantModel, registry=registry):
    pass


class Job(JobFields, _Model, table=True):
    __tablename__ = "job"


@pytest.fixture
def connection() -> Iterator[sa.Connection]:
    engine = sa.create_engine("sqlite://")
    with engine.begin() as conn:
        yield conn
    engine.dispose()


def run(connection: sa.Connection, *steps: Callable[[], None]) -> None:
    with Operations.context(MigrationContext.configure(connection)):
        for step in steps:
            step()


def differences(connection: sa.Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, registry.metadata))


class TestTheJobTable:
    def test_without_the_helper_the_models_have_no_table(self, connection) -> None:
        assert differences(connection) != []

    def test_create_job_table_builds_what_job_fields_describe(self, connection) -> None:
        run(connection, migrations.create_job_table)
        assert differences(connection) == []

    def test_the_older_table_plus_retries_is_the_same_table(self, connection) -> None:
        run(
            connection,
            lambda: migrations.create_job_table(retries=False),
            migrations.add_job_retries,
        )
        assert differences(connection) == []

    def test_the_downgrades_undo_it(self, connection) -> None:
        run(
            connection,
            lambda: migrations.create_job_table(retries=False),
            migrations.add_job_retries,
            migrations.drop_job_retries,
        )
        columns = {c["name"] for c in sa.inspect(connection).get_columns("job")}
        assert "attempts" not in columns
        run(connection, migrations.drop_job_table)
        assert not sa.inspect(connection).has_table("job")
