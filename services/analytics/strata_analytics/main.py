from fastapi import FastAPI

import strata_analytics
from strata_analytics.ingest.endpoints import router as ingest_router
from strata_analytics.ingest.rebuild import KIND as REBUILD
from strata_analytics.ingest.rebuild import Rebuild
from strata_analytics.ingest.service import CONSUMER, ingest_service
from strata_analytics.models import ConsumerCursor, Job, OutboxEvent
from strata_analytics.settings import AnalyticsSettings
from strata_kit.app import create_service_app
from strata_kit.http import create_upstream_client
from strata_kit.jobs import JobSpec
from strata_kit.relay import ConsumerSpec


def create_app(settings: AnalyticsSettings | None = None) -> FastAPI:
    """The analytics service's ASGI app."""
    settings = settings or AnalyticsSettings()
    rebuild = Rebuild(
        lambda: create_upstream_client(settings.gateway_url, read_timeout=60),
        settings.platform.internal_token_secret.get_secret_value(),
    )
    return create_service_app(
        settings,
        title="Strata analytics",
        description=(strata_analytics.__doc__ or "").strip(),
        routers=[ingest_router],
        outbox=OutboxEvent,
        jobs=JobSpec(table=Job, handlers={REBUILD: rebuild}),
        consumer=ConsumerSpec(
            name=CONSUMER, cursor_table=ConsumerCursor, apply=ingest_service.apply
        ),
    )
