from fastapi import FastAPI

import strata_analytics
from strata_analytics.ingest.endpoints import router as ingest_router
from strata_analytics.ingest.service import CONSUMER, ingest_service
from strata_analytics.models import ConsumerCursor, OutboxEvent
from strata_analytics.settings import AnalyticsSettings
from strata_kit.app import create_service_app
from strata_kit.relay import ConsumerSpec


def create_app(settings: AnalyticsSettings | None = None) -> FastAPI:
    """The analytics service's ASGI app."""
    return create_service_app(
        settings or AnalyticsSettings(),
        title="Strata analytics",
        description=(strata_analytics.__doc__ or "").strip(),
        routers=[ingest_router],
        outbox=OutboxEvent,
        consumer=ConsumerSpec(
            name=CONSUMER, cursor_table=ConsumerCursor, apply=ingest_service.apply
        ),
    )
