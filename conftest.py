"""Root conftest: the shared Strata test plugin (fixtures for every suite)."""

pytest_plugins = ["strata_kit.testing"]
