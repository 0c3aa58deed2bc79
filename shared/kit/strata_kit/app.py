"""The app factory every Strata service uses.

`create_service_app` wires, in one place: settings, logging, the engine and session
factory (made in `lifespan`, kept on `app.state`, disposed on shutdown), the request
middleware (correlation id, request log, metrics; `strata_kit.context`) and the identity
middleware, problem-details handlers, `/healthz`, `/readyz`,
`/api/v1/<service>/me`, and operation ids unique across the merged OpenAPI.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import text
from starlette.middleware import Middleware
from starlette.types import ASGIApp

from strata_contracts.health import Health
from strata_contracts.identity import IdentityClaims, IdentityRead
from strata_kit.bodies import BodyLimits, query_limits
from strata_kit.context import RequestContextMiddleware
from strata_kit.db import create_engine, create_sessionmaker
from strata_kit.errors import document_problems, install_problem_handlers
from strata_kit.http import create_upstream_client
from strata_kit.identity import CurrentIdentity, IdentityMiddleware
from strata_kit.jobs import JobRunner, JobSpec, jobs_router
from strata_kit.logging import configure_logging, get_logger
from strata_kit.metrics import METRICS_PATH, Metrics, metrics_endpoint, request_observer, watch
from strata_kit.outbox import OutboxFields
from strata_kit.relay import ConsumerSpec, EventConsumer, OutboxRelay, hub_deliverer
from strata_kit.routing import MethodGuard
from strata_kit.settings import Environment, KitSettings
from strata_kit.upstreams import check_upstreams

log = get_logger("strata.app")
Hook = Callable[[FastAPI], Awaitable[None]]
READINESS_TIMEOUT_SECONDS = 2.0


def operation_id(service: str) -> Callable[[APIRoute], str]:
    """Operation ids `<service>_<function name>`: unique once every spec is merged."""

    def generate(route: APIRoute) -> str:
        return f"{service}_{route.name}"

    return generate


def create_service_app(
    settings: KitSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    version: str = "0.1.0",
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    middleware: Sequence[Middleware] = (),
    verify_identity: bool = True,
    openapi_url: str | None = "/openapi.json",
    outbox: type[OutboxFields] | None = None,
    consumer: ConsumerSpec | None = None,
    jobs: JobSpec | None = None,
    log_redact_prefixes: Sequence[str] = (),
) -> FastAPI:
    """Build a service's FastAPI app from its settings and routers.

    With `outbox` (the service's outbox table), an `OutboxRelay` runs for the app's lifetime
    and sends recorded events to the gateway's hub (unless `<APP>_EVENT_RELAY=false`).
    `middleware` runs inside the request-context middleware, outermost first. The gateway
    passes `verify_identity=False` (it authenticates callers itself) and serves its own
    merged OpenAPI document (`openapi_url=None`).
    """
    configure_logging(
        service=settings.service_name,
        json=settings.json_logs,
        level=settings.log_level,
        cache_loggers=settings.platform.environment is not Environment.TEST,
    )
    service = settings.service_name
    workers = _Workers(outbox=outbox, consumer=consumer, jobs=jobs)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            _open_database(app, settings, stack)
            for hook in on_startup:
                await hook(app)
            if openapi_url is not None:
                # Build the schema now, not on the first request: the gateway's merged
                # document fetches it with a short timeout, and a large service takes a while.
                app.openapi()
            _start_workers(app, settings, workers, stack)
            log.info("app.started", port=settings.port)
            yield
            for hook in on_shutdown:
                await hook(app)
            log.info("app.stopping")

    app = _ServiceApp(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        generate_unique_id_function=operation_id(service),
        openapi_url=openapi_url,
        dependencies=[Depends(query_limits)],
        # FastAPI's native OpenTelemetry asks the global providers on every request
        # whether it is configured (about 7 % of a proxied request's CPU): only on demand.
        telemetry={
            "tracing": settings.opentelemetry,
            "metrics": settings.opentelemetry,
            "logs": settings.opentelemetry,
        },
    )
    app.state.settings = settings
    _install_middleware(app, settings, middleware, verify_identity=verify_identity)
    app.redact_prefixes = tuple(log_redact_prefixes)
    if settings.metrics:
        app.state.metrics = Metrics(service)
        watch(app, outbox=outbox, consumer=consumer, jobs=jobs)
        app.add_route(METRICS_PATH, metrics_endpoint, methods=["GET"], include_in_schema=False)
    _include_routers(app, service, routers, verify_identity=verify_identity, jobs=jobs)
    return app


@dataclass(frozen=True)
class _Workers:
    """The background workers a service may run for its lifetime."""

    outbox: type[OutboxFields] | None
    consumer: ConsumerSpec | None
    jobs: JobSpec | None


def _open_database(app: FastAPI, settings: KitSettings, stack: AsyncExitStack) -> None:
    """The engine and session factory on `app.state`; the engine disposed on exit."""
    engine = create_engine(
        settings.resolved_database_url,
        pool_size=settings.database_pool_size,
        pool_overflow=settings.database_pool_overflow,
        pre_ping=settings.database_pool_pre_ping,
        echo=settings.database_echo,
        ssl=settings.database_ssl,
    )
    stack.push_async_callback(engine.dispose)
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)


def _start_workers(
    app: FastAPI, settings: KitSettings, workers: _Workers, stack: AsyncExitStack
) -> None:
    """Start the enabled workers (outbox relay, event consumer, job runner, upstream
    check); each one is stopped, and its client closed, when `stack` exits."""
    secret = settings.platform.internal_token_secret.get_secret_value()
    if workers.outbox is not None and settings.event_relay:
        hub = create_upstream_client(settings.gateway_url)
        stack.push_async_callback(hub.aclose)
        app.state.relay = OutboxRelay(
            app.state.sessionmaker,
            workers.outbox,
            hub_deliverer(hub, service=settings.service_name, secret=secret),
        )
        app.state.relay.start()
        stack.push_async_callback(app.state.relay.stop)
    if workers.consumer is not None and settings.event_consumer:
        feed = create_upstream_client(settings.gateway_url)
        stack.push_async_callback(feed.aclose)
        app.state.consumer = EventConsumer(
            app.state.sessionmaker,
            feed,
            name=workers.consumer.name,
            secret=secret,
            cursor_table=workers.consumer.cursor_table,
            apply=workers.consumer.apply,
            types=workers.consumer.types,
        )
        app.state.consumer.start()
        stack.push_async_callback(app.state.consumer.stop)
    if workers.jobs is not None and settings.job_runner:
        app.state.jobs = JobRunner(
            app.state.sessionmaker,
            workers.jobs,
            max_attempts=settings.job_max_attempts,
            retry_base_seconds=settings.job_retry_base_seconds,
            retry_max_seconds=settings.job_retry_max_seconds,
        )
        app.state.jobs.start()
        stack.push_async_callback(app.state.jobs.stop)
    if settings.upstream_check and settings.required_upstreams():
        checking = asyncio.create_task(
            check_upstreams(settings.required_upstreams()), name="upstream.check"
        )
        stack.push_async_callback(_cancel, checking)


def _install_middleware(
    app: FastAPI,
    settings: KitSettings,
    middleware: Sequence[Middleware],
    *,
    verify_identity: bool,
) -> None:
    """Method and body guards, problem handlers, identity and the service's middleware."""
    # Inside the problem handlers (they wrap the router), so a refused method or body is an
    # ordinary error answer; see `strata_kit.routing` and `strata_kit.bodies`.
    app.router.middleware_stack = MethodGuard(BodyLimits(app.router.middleware_stack), app.router)
    install_problem_handlers(app)
    _document_problems_in_openapi(app)
    if verify_identity:
        app.add_middleware(
            IdentityMiddleware, secret=settings.platform.internal_token_secret.get_secret_value()
        )
    for entry in reversed(middleware):
        app.add_middleware(entry.cls, *entry.args, **entry.kwargs)


def _include_routers(
    app: FastAPI,
    service: str,
    routers: Sequence[APIRouter],
    *,
    verify_identity: bool,
    jobs: JobSpec | None,
) -> None:
    """Probes, `/api/v1/<service>/me` (when the service verifies identity), the
    service's routers and, with `jobs`, the job endpoints."""
    app.include_router(health_router(service))
    if verify_identity:
        app.include_router(_identity_router(service))
    for router in routers:
        app.include_router(router)
    if jobs is not None:
        app.include_router(jobs_router(service, jobs.table))


def _identity_router(service: str) -> APIRouter:
    """`/api/v1/<service>/me`: the caller as this service sees it."""
    me = APIRouter(prefix=f"/api/v1/{service}", tags=["identity"])

    @me.get("/me", response_model=IdentityRead)
    async def whoami(identity: CurrentIdentity) -> IdentityRead:
        """The caller as this service sees it: subject, tenant, employee and roles."""
        return identity_read(service, identity)

    return me


async def _cancel(task: "asyncio.Task[None]") -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


class _ServiceApp(FastAPI):
    """FastAPI with the kit's request middleware (`strata_kit.context`) outermost, outside
    Starlette's server-error middleware, so it sees (and answers for) every request."""

    redact_prefixes: tuple[str, ...] = ()

    def build_middleware_stack(self) -> ASGIApp:
        metrics: Metrics | None = getattr(self.state, "metrics", None)
        return RequestContextMiddleware(
            super().build_middleware_stack(),
            redact_prefixes=self.redact_prefixes,
            observe=request_observer(metrics) if metrics is not None else None,
        )


def _document_problems_in_openapi(app: FastAPI) -> None:
    """The generated document, with errors as the problem details they are on the wire."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def identity_read(service: str, identity: IdentityClaims) -> IdentityRead:
    return IdentityRead(
        service=service,
        subject=identity.subject,
        tenant_id=identity.tenant_id,
        employee_id=identity.employee_id,
        roles=sorted(identity.roles),
    )


def health_router(
    service: str, *, extra_checks: dict[str, Callable[[FastAPI], Awaitable[None]]] | None = None
) -> APIRouter:
    """`/healthz` (the process is up) and `/readyz` (it can reach its database)."""
    router = APIRouter(tags=["health"], include_in_schema=False)

    @router.get("/healthz", response_model=Health)
    async def healthz() -> Health:
        return Health(status="ok", service=service)

    @router.get("/readyz", response_model=Health)
    async def readyz(request: Request) -> JSONResponse:
        app: FastAPI = request.app
        checks: dict[str, Callable[[FastAPI], Awaitable[None]]] = {"database": _check_database}
        checks.update(extra_checks or {})
        results: dict[str, Any] = {}
        for name, check in checks.items():
            try:
                await asyncio.wait_for(check(app), READINESS_TIMEOUT_SECONDS)
                results[name] = "ok"
            except Exception as exc:  # readiness reports any failure, it never raises
                log.warning("readiness.check_failed", check=name, error=str(exc))
                results[name] = "failed"
        ok = all(v == "ok" for v in results.values())
        body = Health(status="ok" if ok else "unavailable", service=service, checks=results)
        return JSONResponse(body.model_dump(), status_code=200 if ok else 503)

    return router


async def _check_database(app: FastAPI) -> None:
    async with app.state.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
