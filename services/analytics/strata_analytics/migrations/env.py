# Importing the table modules registers their tables on the metadata.
import strata_analytics.applied.models
import strata_analytics.calibration.models
import strata_analytics.groups.models
import strata_analytics.ingest.models
import strata_analytics.projections.models
import strata_analytics.results.models  # noqa: F401
from strata_analytics.models import metadata
from strata_kit.migrations import run_env

run_env(metadata)
