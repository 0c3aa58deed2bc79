from pathlib import Path

import pytest

import strata_goals
from strata_goals.main import create_app
from strata_goals.settings import GoalsSettings


@pytest.fixture(scope="session")
def service_migrations() -> Path:
    return Path(strata_goals.__file__).parent / "migrations"


@pytest.fixture(scope="session")
def settings_factory() -> type[GoalsSettings]:
    return GoalsSettings


@pytest.fixture(scope="session")
def app_factory():  # type: ignore[no-untyped-def]
    return create_app
