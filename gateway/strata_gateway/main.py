from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request

import strata_gateway
from strata_gateway.access.endpoints import router as access_router
from strata_gateway.auth import Authenticator, AuthenticatorRef, EdgeMiddleware
from strata_gateway.events.endpoints import internal as internal_events_router
from strata_gateway.events.endpoints import router as events_router
from strata_gateway.idempotency import IdempotencyMiddleware
from strata_gateway.openapi import SpecCache, add_docs_routes, merge
from strata_gateway.proxy import PROXY_METHODS, proxy, scim_proxy
from strata_gateway.settings import GatewaySettings
from strata_gateway.webhooks.dispatcher import WebhookDispatcher
from strata_gateway.webhooks.endpoints import router as webhooks_router
from strata_gateway.webhooks.metrics import watch_gateway
from strata_kit.app import Hook, create_service_app
from strata_kit.bodies import forwards_body
from strata_kit.http import create_upstream_client


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    """The gateway's ASGI app."""
    settings = settings or GatewaySettings()
    authenticator = AuthenticatorRef()
    start, stop = _lifecycle(settings, authenticator)
    app = create_service_app(
        settings,
        title="Strata API",
        description=(strata_gateway.__doc__ or "").strip(),
        routers=[access_router, events_router, internal_events_router, webhooks_router],
        on_startup=[start],
        on_shutdown=[stop],
        middleware=_middleware(settings, authenticator),
        verify_identity=False,
        openapi_url=None,
        log_redact_prefixes=settings.public_prefixes,
    )
    app.state.webhook_failures = watch_gateway(app)
    _add_routes(app, settings)
    return app


def _lifecycle(settings: GatewaySettings, authenticator: AuthenticatorRef) -> tuple[Hook, Hook]:
    """The startup hook (upstream clients, authenticator, spec cache, webhook dispatcher)
    and the shutdown hook that stops and closes them."""

    async def start(app: FastAPI) -> None:
        app.state.upstreams = {
            name: create_upstream_client(
                url,
                connect_timeout=settings.connect_timeout_seconds,
                read_timeout=settings.read_timeout_seconds,
                pool_size=settings.upstream_pool_size,
            )
            for name, url in settings.upstreams().items()
        }
        app.state.authenticator = Authenticator(settings, app.state.sessionmaker)
        authenticator.set(app.state.authenticator)
        app.state.specs = SpecCache(
            app.state.upstreams, settings.platform.internal_token_secret.get_secret_value()
        )
        app.state.webhook_http = httpx.AsyncClient(follow_redirects=False, trust_env=False)
        app.state.dispatcher = WebhookDispatcher(
            app.state.sessionmaker,
            settings,
            app.state.webhook_http,
            failures=app.state.webhook_failures,
        )
        if settings.webhook_dispatch:
            app.state.dispatcher.start()

    async def stop(app: FastAPI) -> None:
        await app.state.dispatcher.stop()
        await app.state.webhook_http.aclose()
        for client in app.state.upstreams.values():
            await client.aclose()

    return start, stop


def _middleware(settings: GatewaySettings, authenticator: AuthenticatorRef) -> list[Middleware]:
    """The gateway's middleware, outermost first, inside the kit's request middleware.
    CORS only when origins are configured: without any it would answer nothing and cost
    a layer on every request."""
    cors = (
        [
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["*"],
                allow_headers=["*"],
                expose_headers=["ETag", "Retry-After", "X-Request-ID", "Location"],
            )
        ]
        if settings.cors_origins
        else []
    )
    return [
        *cors,
        Middleware(EdgeMiddleware, settings=settings, authenticator=authenticator),
        Middleware(
            IdempotencyMiddleware,
            ttl_seconds=settings.idempotency_ttl_seconds,
            # Longer than any request can be in flight (the upstream read timeout).
            lease_seconds=settings.read_timeout_seconds + 5,
        ),
    ]


def _add_routes(app: FastAPI, settings: GatewaySettings) -> None:
    """The merged OpenAPI document, the docs pages and the proxy routes."""

    async def openapi_document(request: Request) -> JSONResponse:
        services, missing = await request.app.state.specs.fetch_all()
        document: dict[str, Any] = merge(
            app.openapi(), services, missing=missing, public_prefixes=settings.public_prefixes
        )
        return JSONResponse(document)

    app.add_route("/openapi.json", openapi_document, methods=["GET"], include_in_schema=False)
    add_docs_routes(app, title="Strata API")
    app.add_route(
        "/api/v1/{service}/{path:path}",
        forwards_body(proxy),
        methods=PROXY_METHODS,
        include_in_schema=False,
    )
    app.add_route(
        "/scim/v2/{path:path}",
        forwards_body(scim_proxy),
        methods=PROXY_METHODS,
        include_in_schema=False,
    )
