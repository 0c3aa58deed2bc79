from strata_feedback.tables import metadata
from strata_kit.migrations import run_env

run_env(metadata)
