"""Calls to other services, always through the gateway and with the caller's own identity.

One pooled HTTP client is created at start-up (`app.state.upstream`) and closed at
shutdown; each request wraps it in typed clients carrying the caller's internal token and
the correlation id, so the other services apply the caller's rights.
"""

from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Request

from strata_contracts.analytics.client import AnalyticsClient
from strata_contracts.goals.client import GoalsClient
from strata_contracts.reviews.client import ReviewsClient
from strata_feedback.access import GoalsDirectory, Viewer
from strata_feedback.settings import FeedbackSettings
from strata_kit.app import Hook
from strata_kit.context import current_request_id
from strata_kit.http import create_upstream_client
from strata_kit.identity import IdentityToken, TenantCaller


def upstream_hooks(transport: httpx.AsyncBaseTransport | None = None) -> tuple[Hook, Hook]:
    """`on_startup`/`on_shutdown` hooks that own the pooled gateway client.

    `transport` replaces the network (tests pass an `httpx.MockTransport`)."""

    async def open_upstream(app: FastAPI) -> None:
        settings: FeedbackSettings = app.state.settings
        if transport is None:
            app.state.upstream = create_upstream_client(
                settings.gateway_url,
                connect_timeout=settings.upstream_connect_timeout_seconds,
                read_timeout=settings.upstream_read_timeout_seconds,
            )
        else:
            app.state.upstream = httpx.AsyncClient(
                base_url=settings.gateway_url,
                transport=transport,
                timeout=settings.upstream_read_timeout_seconds,
            )

    async def close_upstream(app: FastAPI) -> None:
        await app.state.upstream.aclose()

    return open_upstream, close_upstream


async def get_upstream(request: Request) -> httpx.AsyncClient:
    client: httpx.AsyncClient = request.app.state.upstream
    return client


UpstreamDep = Annotated[httpx.AsyncClient, Depends(get_upstream)]


async def get_goals(http: UpstreamDep, token: IdentityToken) -> GoalsClient:
    """The goals API, acting as the caller."""
    return GoalsClient(http, identity_token=token, request_id=current_request_id())


async def get_reviews(http: UpstreamDep, token: IdentityToken) -> ReviewsClient:
    """The reviews API, acting as the caller."""
    return ReviewsClient(http, identity_token=token, request_id=current_request_id())


async def get_analytics(http: UpstreamDep, token: IdentityToken) -> AnalyticsClient:
    """The analytics API, acting as the caller (an appeal's rating amendment)."""
    return AnalyticsClient(http, identity_token=token, request_id=current_request_id())


GoalsDep = Annotated[GoalsClient, Depends(get_goals)]
AnalyticsDep = Annotated[AnalyticsClient, Depends(get_analytics)]
ReviewsDep = Annotated[ReviewsClient, Depends(get_reviews)]


async def get_viewer(identity: TenantCaller, goals: GoalsDep) -> Viewer:
    """The caller, with the organisation behind them for reporting-line checks."""
    return Viewer(identity, GoalsDirectory(goals))


ViewerDep = Annotated[Viewer, Depends(get_viewer)]
