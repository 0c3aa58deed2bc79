from fastapi import FastAPI

import strata_goals
from strata_goals.audit.endpoints import router as audit_router
from strata_goals.cycles.endpoints import router as cycles_router
from strata_goals.jobs.endpoints import router as jobs_router
from strata_goals.jobs.handlers import HANDLERS
from strata_goals.jobs.models import Job
from strata_goals.models import OutboxEvent
from strata_goals.org.endpoints import router as org_router
from strata_goals.plans.endpoints import router as plans_router
from strata_goals.plans.port import PlanPorts
from strata_goals.policy.endpoints import router as policy_router
from strata_goals.scim.endpoints import router as scim_router
from strata_goals.scorecard.endpoints import router as scorecard_router
from strata_goals.settings import GoalsSettings
from strata_goals.strategy.endpoints import router as strategy_router
from strata_goals.weights.endpoints import router as weights_router
from strata_kit.app import create_service_app
from strata_kit.jobs import JobSpec


def create_app(settings: GoalsSettings | None = None) -> FastAPI:
    """The goals service's ASGI app."""
    app = create_service_app(
        settings or GoalsSettings(),
        title="Strata goals",
        description=(strata_goals.__doc__ or "").strip(),
        outbox=OutboxEvent,
        jobs=JobSpec(table=Job, handlers=HANDLERS),
        routers=[
            org_router,
            strategy_router,
            weights_router,
            scorecard_router,
            cycles_router,
            plans_router,
            policy_router,
            audit_router,
            jobs_router,
            scim_router,
        ],
    )
    # Strategy and the cycles' gates reach the plans through narrow ports
    # (strategy/ports.py, cycles/ports.py), wired here.
    app.state.plan_port = PlanPorts()
    return app
