from pathlib import Path

import pytest

import strata_reviews
from strata_reviews.main import create_app
from strata_reviews.settings import ReviewsSettings


@pytest.fixture(scope="session")
def service_migrations() -> Path:
    return Path(strata_reviews.__file__).parent / "migrations"


@pytest.fixture(scope="session")
def settings_factory() -> type[ReviewsSettings]:
    return ReviewsSettings


@pytest.fixture(scope="session")
def app_factory():  # type: ignore[no-untyped-def]
    return create_app
