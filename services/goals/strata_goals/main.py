from fastapi import FastAPI

import strata_goals
from strata_goals.audit.endpoints import router as audit_router
from strata_goals.org.endpoints import router as org_router
from strata_goals.settings import GoalsSettings
from strata_kit.app import create_service_app


def create_app(settings: GoalsSettings | None = None) -> FastAPI:
    """The goals service's ASGI app."""
    return create_service_app(
        settings or GoalsSettings(),
        title="Strata goals",
        description=(strata_goals.__doc__ or "").strip(),
        routers=[org_router, audit_router],
    )
