from pathlib import Path

import pytest

import strata_feedback
from strata_feedback.main import create_app
from strata_feedback.settings import FeedbackSettings


@pytest.fixture(scope="session")
def service_migrations() -> Path:
    return Path(strata_feedback.__file__).parent / "migrations"


@pytest.fixture(scope="session")
def settings_factory() -> type[FeedbackSettings]:
    return FeedbackSettings


@pytest.fixture(scope="session")
def app_factory():  # type: ignore[no-untyped-def]
    return create_app
