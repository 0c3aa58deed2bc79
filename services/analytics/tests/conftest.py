from pathlib import Path

import pytest

import strata_analytics
from strata_analytics.main import create_app
from strata_analytics.settings import AnalyticsSettings


@pytest.fixture(scope="session")
def service_migrations() -> Path:
    return Path(strata_analytics.__file__).parent / "migrations"


@pytest.fixture(scope="session")
def settings_factory() -> type[AnalyticsSettings]:
    return AnalyticsSettings


@pytest.fixture(scope="session")
def app_factory():  # type: ignore[no-untyped-def]
    return create_app


@pytest.fixture
def hub():  # type: ignore[no-untyped-def]
    from .hub import Hub

    return Hub()


@pytest.fixture
def consumer(app, hub):  # type: ignore[no-untyped-def]
    from .hub import make_consumer

    return make_consumer(app, hub)


@pytest.fixture
def reviews():  # type: ignore[no-untyped-def]
    from .world import FakeReviews

    return FakeReviews()


@pytest.fixture
def world(app, hub, reviews, tenant_id):  # type: ignore[no-untyped-def]
    from .world import World

    return World(app=app, hub=hub, reviews=reviews, tenant=tenant_id)


@pytest.fixture
def example(world, consumer):  # type: ignore[no-untyped-def]
    """`people = await example()`: the worked example's sales team, synced."""
    from .world import build

    async def make():  # type: ignore[no-untyped-def]
        return await build(world, consumer)

    return make
