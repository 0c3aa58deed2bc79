import asyncio
import contextlib
import gc

from fastapi import FastAPI
from sqlalchemy.orm import configure_mappers

import strata_analytics
from strata_analytics.applied.amend import REPROPOSE, Repropose
from strata_analytics.applied.endpoints import router as applied_router
from strata_analytics.audit.endpoints import router as audit_router
from strata_analytics.calibration.endpoints import router as calibration_router
from strata_analytics.exports.endpoints import router as exports_router
from strata_analytics.fairness.compute import warm_up
from strata_analytics.fairness.endpoints import router as fairness_router
from strata_analytics.groups.endpoints import router as groups_router
from strata_analytics.ingest.endpoints import router as ingest_router
from strata_analytics.ingest.rebuild import KIND as REBUILD
from strata_analytics.ingest.rebuild import Rebuild
from strata_analytics.ingest.service import CONSUMER, ingest_service
from strata_analytics.models import ConsumerCursor, Job, OutboxEvent
from strata_analytics.ratings.cache import configure_allocator, ratings_cache, sweep
from strata_analytics.ratings.pull import KIND as PULL_RATINGS
from strata_analytics.ratings.pull import PullRatings
from strata_analytics.reports.endpoints import router as reports_router
from strata_analytics.results.endpoints import router as results_router
from strata_analytics.settings import AnalyticsSettings
from strata_kit.app import Hook, create_service_app
from strata_kit.http import create_upstream_client
from strata_kit.jobs import JobSpec
from strata_kit.relay import ConsumerSpec

ROUTERS = (
    ingest_router,
    results_router,
    fairness_router,
    calibration_router,
    exports_router,
    applied_router,
    groups_router,
    reports_router,
    audit_router,
)


def _ratings_cache(settings: AnalyticsSettings) -> tuple[Hook, Hook]:
    """Size the process's ratings cache from the settings; sweep it while the app runs."""
    idle = settings.ratings_cache_idle_seconds
    ratings_cache.configure(budget_bytes=settings.ratings_cache_bytes, idle_seconds=idle)

    async def start(app: FastAPI) -> None:
        # Paid once here rather than by the first request: mapper configuration and the
        # statistics' first calls; then the start-up objects leave the garbage collector's
        # scans (a report of thousands of rows otherwise triggers full collections of them).
        configure_allocator()
        configure_mappers()
        warm_up()
        gc.freeze()
        app.state.ratings_cache_sweep = asyncio.create_task(sweep(ratings_cache, idle / 4))

    async def stop(app: FastAPI) -> None:
        app.state.ratings_cache_sweep.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await app.state.ratings_cache_sweep
        ratings_cache.clear()

    return start, stop


def create_app(settings: AnalyticsSettings | None = None) -> FastAPI:
    """The analytics service's ASGI app."""
    settings = settings or AnalyticsSettings()
    start_cache, stop_cache = _ratings_cache(settings)
    secret = settings.platform.internal_token_secret.get_secret_value()
    rebuild = Rebuild(lambda: create_upstream_client(settings.gateway_url, read_timeout=60), secret)
    pull = PullRatings(
        lambda: create_upstream_client(settings.reviews_url, read_timeout=60), secret
    )
    return create_service_app(
        settings,
        title="Strata analytics",
        description=(strata_analytics.__doc__ or "").strip(),
        routers=ROUTERS,
        on_startup=(start_cache,),
        on_shutdown=(stop_cache,),
        outbox=OutboxEvent,
        jobs=JobSpec(
            table=Job, handlers={REBUILD: rebuild, PULL_RATINGS: pull, REPROPOSE: Repropose()}
        ),
        consumer=ConsumerSpec(
            name=CONSUMER, cursor_table=ConsumerCursor, apply=ingest_service.apply
        ),
    )
