import httpx
from fastapi import FastAPI

import strata_feedback
from strata_feedback.appeals.endpoints import router as appeals_router
from strata_feedback.audit.endpoints import router as audit_router
from strata_feedback.improvement.endpoints import router as improvement_router
from strata_feedback.interviews.endpoints import router as interviews_router
from strata_feedback.models import OutboxEvent
from strata_feedback.notes.endpoints import router as notes_router
from strata_feedback.preread.endpoints import router as preread_router
from strata_feedback.settings import FeedbackSettings
from strata_feedback.upstream import upstream_hooks
from strata_feedback.wiring import FeedbackPorts
from strata_kit.app import create_service_app


def create_app(
    settings: FeedbackSettings | None = None,
    *,
    upstream_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The feedback service's ASGI app. `upstream_transport` replaces the network to the
    gateway (tests fake goals and reviews with it)."""
    open_upstream, close_upstream = upstream_hooks(upstream_transport)
    app = create_service_app(
        settings or FeedbackSettings(),
        title="Strata feedback",
        description=(strata_feedback.__doc__ or "").strip(),
        outbox=OutboxEvent,
        routers=[
            interviews_router,
            preread_router,
            improvement_router,
            appeals_router,
            notes_router,
            audit_router,
        ],
        on_startup=[open_upstream],
        on_shutdown=[close_upstream],
    )
    app.state.feedback_ports = FeedbackPorts()
    return app
