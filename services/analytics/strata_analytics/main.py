from fastapi import FastAPI

from strata_kit.app import create_service_app

from strata_analytics.settings import AnalyticsSettings


def create_app(settings: AnalyticsSettings | None = None) -> FastAPI:
    """The analytics service's ASGI app."""
    return create_service_app(
        settings or AnalyticsSettings(),
        title="Strata analytics",
        description="Overall results, rater fairness, reliability, calibration, results applied, exports and reports.",
    )
