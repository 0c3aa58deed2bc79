import strata_analytics.ingest.models  # noqa: F401  (registers the tables)
from strata_analytics.models import metadata
from strata_kit.migrations import run_env

run_env(metadata)
