from strata_kit.migrations import run_env
from strata_reviews.models import metadata

run_env(metadata)
