from fastapi import FastAPI

import strata_analytics
from strata_analytics.settings import AnalyticsSettings
from strata_kit.app import create_service_app


def create_app(settings: AnalyticsSettings | None = None) -> FastAPI:
    """The analytics service's ASGI app."""
    return create_service_app(
        settings or AnalyticsSettings(),
        title="Strata analytics",
        description=(strata_analytics.__doc__ or "").strip(),
    )
