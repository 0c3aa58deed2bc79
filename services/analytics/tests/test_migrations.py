"""The migrations build exactly the schema the models describe (nothing missing, nothing
extra), on both backends: a model change without its revision fails here."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import strata_analytics.calibration.models
import strata_analytics.ingest.models
import strata_analytics.projections.models
import strata_analytics.results.models  # noqa: F401  (every table in the metadata)
from strata_analytics.models import metadata


async def test_the_migrated_schema_matches_the_models(app):
    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)

    async with app.state.engine.connect() as connection:
        changes = await connection.run_sync(diff)
    assert changes == []
