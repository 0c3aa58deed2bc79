"""Prometheus metrics of one process, served at `/metrics` on the process's own port.

Per request the cost is one histogram observation: `request_observer`, called by the kit's
one request middleware (`strata_kit.context`, which times the request), labels each request
by method, route template (never the raw path, so ids do not explode the series) and
status, and caches the labelled child, so a request allocates nothing for its metrics.
Everything else is a gauge computed when Prometheus scrapes: `Metrics.gauge(...)`
registers an async callback (database pool use, outbox backlog and relay lag, the
consumer's position, job queue depth, webhook delivery state) that `/metrics` awaits
before rendering. Each app has its own registry, so several apps in one process (tests)
never share series.

The gateway does not route `/metrics` publicly: it only proxies `/api/v1/<service>/...`
and `/scim/v2/...`, and the Kubernetes ingress only exposes the public paths; Prometheus
scrapes each pod's port directly (`deploy/k8s`, docs/operations.md "Metrics").
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from strata_kit.db import allow_cross_tenant, utcnow
from strata_kit.logging import get_logger

log = get_logger(__name__)
METRICS_PATH = "/metrics"
UNMATCHED = "<unmatched>"
SCRAPE_TIMEOUT_SECONDS = 5.0
# Seconds: a proxied read is a few ms, a bulk import or report a few seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
Refresh = Callable[[], Awaitable[None]]
Labels = dict[tuple[str, ...], float]


class Metrics:
    """The registry of one app, its request metrics, and its scrape-time gauges."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Histogram(
            "strata_http_request_duration_seconds",
            "Requests by method, route template and status: latency histogram (its _count "
            "is the request count).",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "strata_rate_limit_refusals",
            "Requests refused with 429 (a key or caller over its rate limit).",
            registry=self.registry,
        )
        self.scrape_errors = Counter(
            "strata_metrics_scrape_errors",
            "Scrape-time gauges that could not be computed (database down, timeout).",
            ["gauge"],
            registry=self.registry,
        )
        self._children: dict[tuple[str, str, int], Any] = {}
        self._refreshers: list[tuple[str, Refresh]] = []

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        child = self._children.get(key)
        if child is None:
            child = self.requests.labels(method, route, str(status))
            self._children[key] = child
        child.observe(seconds)
        if status == 429:
            self.rate_limited.inc()

    def counter(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Counter:
        return Counter(name, documentation, list(labels), registry=self.registry)

    def gauge(
        self,
        name: str,
        documentation: str,
        compute: Callable[[], Awaitable[float | Labels]],
        labels: Sequence[str] = (),
    ) -> Gauge:
        """A gauge set at scrape time by `compute` (a number, or a value per label tuple;
        label tuples absent from the answer are dropped, so a drained queue reads 0)."""
        gauge = Gauge(name, documentation, list(labels), registry=self.registry)

        async def refresh() -> None:
            value = await compute()
            if isinstance(value, dict):
                gauge.clear()
                for key, number in value.items():
                    gauge.labels(*key).set(number)
            else:
                gauge.set(value)

        self._refreshers.append((name, refresh))
        return gauge

    async def render(self) -> bytes:
        """Compute the scrape-time gauges (a failing one keeps its last value and counts a
        scrape error), then the text exposition format."""
        if self._refreshers:
            results = await asyncio.gather(
                *(
                    asyncio.wait_for(refresh(), SCRAPE_TIMEOUT_SECONDS)
                    for _, refresh in self._refreshers
                ),
                return_exceptions=True,
            )
            for (name, _), result in zip(self._refreshers, results, strict=True):
                if isinstance(result, BaseException):
                    self.scrape_errors.labels(name).inc()
                    log.warning("metrics.gauge_failed", gauge=name, error=str(result)[:200])
        return generate_latest(self.registry)


class RouteTemplates:
    """The matched route's path template of a request, for its metric labels."""

    def __init__(self) -> None:
        self._templates: dict[Any, str] = {}

    def __call__(self, scope: Scope) -> str:
        """FastAPI routes leave themselves in `scope["route"]`; plain Starlette routes (the
        gateway's proxy, added with `add_route`) only their endpoint, looked up once in the
        app's routes."""
        path = getattr(scope.get("route"), "path", None)
        if path is not None:
            return str(path)
        endpoint = scope.get("endpoint")
        if endpoint is None:
            return UNMATCHED
        template = self._templates.get(endpoint)
        if template is None:
            routes = getattr(scope.get("app"), "routes", ())
            found = [r.path for r in routes if getattr(r, "endpoint", None) is endpoint]
            template = self._templates[endpoint] = found[0] if len(found) == 1 else UNMATCHED
        return template


def request_observer(metrics: Metrics) -> Callable[[Scope, int, float], None]:
    """What `RequestContextMiddleware` calls once per request: one observation in the
    request histogram, labelled by method, route template and status."""
    template = RouteTemplates()

    def observe(scope: Scope, status: int, seconds: float) -> None:
        metrics.observe(scope["method"], template(scope), status, seconds)

    return observe


async def metrics_endpoint(request: Request) -> Response:
    """`GET /metrics`: the process's metrics in the Prometheus text format."""
    metrics: Metrics = request.app.state.metrics
    return Response(await metrics.render(), media_type=CONTENT_TYPE_LATEST)


# --- the gauges every service shares ------------------------------------------------------


def watch(app: Any, *, outbox: Any = None, consumer: Any = None, jobs: Any = None) -> None:
    """Register the kit's scrape-time gauges of `app` (its engine and tables are read
    from `app.state` at scrape time, so this runs before the app starts)."""
    metrics: Metrics = app.state.metrics
    watch_pool(metrics, lambda: app.state.engine)
    if outbox is not None:
        watch_outbox(metrics, lambda: app.state.sessionmaker, outbox)
    if jobs is not None:
        watch_jobs(metrics, lambda: app.state.sessionmaker, jobs.table)
    if consumer is not None:
        watch_consumer(
            metrics,
            lambda: app.state.sessionmaker,
            consumer.cursor_table,
            consumer.name,
            lambda: getattr(app.state, "consumer", None),
        )


Sessions = Callable[[], async_sessionmaker[AsyncSession]]


def watch_pool(metrics: Metrics, engine: Callable[[], AsyncEngine]) -> None:
    """Database pool use: connections lent out, idle in the pool, and the pool's size."""

    def reading(name: str) -> Callable[[], Awaitable[float]]:
        async def read() -> float:
            method = getattr(engine().sync_engine.pool, name, None)
            return float(method()) if callable(method) else 0.0

        return read

    metrics.gauge(
        "strata_db_pool_checked_out",
        "Database connections lent to requests and workers now.",
        reading("checkedout"),
    )
    metrics.gauge(
        "strata_db_pool_idle", "Database connections idle in the pool.", reading("checkedin")
    )
    metrics.gauge(
        "strata_db_pool_size", "Connections the pool keeps (beyond it: overflow).", reading("size")
    )
    metrics.gauge(
        "strata_db_pool_overflow",
        "Connections open beyond the pool size (negative: room left before overflow).",
        reading("overflow"),
    )


def _age(oldest: datetime | None) -> float:
    return max(0.0, (utcnow() - oldest).total_seconds()) if oldest is not None else 0.0


def watch_outbox(metrics: Metrics, sessions: Sessions, table: type[Any]) -> None:
    """Outbox backlog (events recorded, not yet relayed to the hub) and relay lag (the age
    of the oldest of them)."""

    async def backlog() -> tuple[int, datetime | None]:
        async with sessions()() as session:
            allow_cross_tenant(session)
            statement = select(func.count(), func.min(col(table.occurred_at))).where(
                col(table.published_at).is_(None)
            )
            count, oldest = (await session.exec(statement)).one()
            return int(count), oldest

    async def count() -> float:
        return float((await backlog())[0])

    async def lag() -> float:
        return _age((await backlog())[1])

    metrics.gauge("strata_outbox_backlog", "Events recorded but not yet relayed to the hub.", count)
    metrics.gauge(
        "strata_outbox_relay_lag_seconds",
        "Age of the oldest event not yet relayed (0 when the outbox is drained).",
        lag,
    )


def watch_jobs(metrics: Metrics, sessions: Sessions, table: type[Any]) -> None:
    """Jobs by kind and status: `queued` is the queue depth, `failed` the failures."""

    async def by_status() -> Labels:
        async with sessions()() as session:
            allow_cross_tenant(session)
            statement = select(col(table.kind), col(table.status), func.count()).group_by(
                col(table.kind), col(table.status)
            )
            rows = (await session.exec(statement)).all()
            return {(kind, status): float(n) for kind, status, n in rows}

    metrics.gauge(
        "strata_jobs",
        "Jobs by kind and status (queued: waiting for the runner; failed: gave up).",
        by_status,
        labels=("kind", "status"),
    )


def watch_consumer(
    metrics: Metrics,
    sessions: Sessions,
    cursor_table: type[Any],
    name: str,
    consumer: Callable[[], Any],
) -> None:
    """The consumer's position in the hub's feed, and how long since it was last caught
    up (its last poll found nothing newer): the lag behind the hub."""

    async def position() -> float:
        async with sessions()() as session:
            allow_cross_tenant(session)
            cursor = await session.get(cursor_table, name)
            return float(cursor.position) if cursor is not None else 0.0

    async def behind() -> float:
        worker = consumer()
        if worker is None or worker.caught_up:
            return 0.0
        return _age(worker.caught_up_at or worker.started_at)

    metrics.gauge(
        "strata_consumer_position",
        "The last hub feed position the consumer applied (compare strata_hub_head_position).",
        position,
    )
    metrics.gauge(
        "strata_consumer_lag_seconds",
        "Seconds since the consumer's last poll found it at the head of the hub's feed "
        "(0 while it is caught up).",
        behind,
    )
