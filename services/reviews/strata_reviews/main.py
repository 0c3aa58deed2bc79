from fastapi import FastAPI
from starlette.middleware import Middleware

import strata_reviews
from strata_kit.app import create_service_app
from strata_reviews.audit.endpoints import router as audit
from strata_reviews.campaigns.endpoints import router as campaigns
from strata_reviews.completion.endpoints import router as completion
from strata_reviews.disclosure.endpoints import router as disclosure
from strata_reviews.external.endpoints import router as external
from strata_reviews.external.middleware import RedactLinkTokens
from strata_reviews.internal.endpoints import router as internal
from strata_reviews.invitations.endpoints import router as invitations
from strata_reviews.models import OutboxEvent
from strata_reviews.nominations.endpoints import router as nominations
from strata_reviews.org import close_goals_http, open_goals_http
from strata_reviews.responses.endpoints import router as responses
from strata_reviews.results.endpoints import router as results
from strata_reviews.settings import ReviewsSettings
from strata_reviews.templates.endpoints import router as templates
from strata_reviews.wiring import ReviewPorts

ROUTERS = (
    templates,
    campaigns,
    nominations,
    invitations,
    responses,
    external,
    results,
    disclosure,
    completion,
    internal,
    audit,
)


def create_app(settings: ReviewsSettings | None = None) -> FastAPI:
    """The reviews service's ASGI app."""
    app = create_service_app(
        settings or ReviewsSettings(),
        title="Strata reviews",
        description=(strata_reviews.__doc__ or "").strip(),
        outbox=OutboxEvent,
        routers=ROUTERS,
        on_startup=(open_goals_http,),
        on_shutdown=(close_goals_http,),
        middleware=[Middleware(RedactLinkTokens)],
    )
    app.state.review_ports = ReviewPorts()
    return app
