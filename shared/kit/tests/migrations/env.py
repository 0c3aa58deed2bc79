from kittest_service import metadata  # registered by ../conftest.py

from strata_kit.migrations import run_env

run_env(metadata)
