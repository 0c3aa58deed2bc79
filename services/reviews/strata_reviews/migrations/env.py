import strata_reviews.tables  # noqa: F401  (every table in the metadata)
from strata_kit.migrations import run_env
from strata_reviews.models import metadata

run_env(metadata)
