from fastapi import FastAPI

from strata_kit.app import create_service_app

from strata_goals.settings import GoalsSettings


def create_app(settings: GoalsSettings | None = None) -> FastAPI:
    """The goals service's ASGI app."""
    return create_service_app(
        settings or GoalsSettings(),
        title="Strata goals",
        description="Organisation, strategy cascade, KPIs, balanced scorecard, weights, cycles, performance agreements and check-ins.",
    )
