from strata_gateway.models import metadata
from strata_kit.migrations import run_env

run_env(metadata)
