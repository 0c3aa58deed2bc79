from strata_kit.migrations import run_env

from strata_goals.models import metadata

run_env(metadata)
