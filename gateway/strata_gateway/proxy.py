"""Forwarding `/api/v1/<service>/...` to the service, with the caller's internal token.

One pooled client per upstream (aiohttp transport, see `strata_kit.http`). An upstream
that cannot be reached answers 503, one that does not answer in time 504, both as problem
details; the client never hangs longer than the configured read timeout.

A pooled connection the service has closed is found out only when a request is sent on
it. aiohttp then sends an idempotent request (GET, HEAD, OPTIONS, PUT, DELETE) once more on
a new connection; a POST or PATCH may have reached the service and been applied, so it is
never sent twice: it answers 502 saying so (with an `Idempotency-Key`, the caller can send
it again safely).
"""

import aiohttp
import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from strata_contracts.identity import IDENTITY_HEADER, REQUEST_ID_HEADER
from strata_kit.context import current_request_id
from strata_kit.errors import AppError, NotFound, UpstreamTimeout, UpstreamUnavailable
from strata_kit.http import relay
from strata_kit.logging import get_logger

log = get_logger(__name__)

# Request headers a service may see. Credentials never travel past the gateway.
_FORWARDED = frozenset(
    {
        "accept",
        "accept-language",
        "content-type",
        "if-match",
        "if-none-match",
        "if-modified-since",
        "idempotency-key",
        "prefer",
    }
)
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "proxy-authenticate",
        "proxy-authorization",
        "server",
        "date",
        REQUEST_ID_HEADER.lower(),
    }
)
PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
_FORWARDED_RAW = frozenset(name.encode() for name in _FORWARDED)
_HOP_BY_HOP_RAW = frozenset(name.encode() for name in _HOP_BY_HOP)
_IDENTITY_RAW = IDENTITY_HEADER.lower().encode()
_REQUEST_ID_RAW = REQUEST_ID_HEADER.lower().encode()


class UpstreamClosed(AppError):
    status = 502
    title = "Bad gateway"
    slug = "upstream-closed"


def _closed_by_service(exc: BaseException) -> bool:
    """The connection was dropped by the service after the request went out."""
    cause = exc.__cause__
    return isinstance(cause, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError) and not (
        isinstance(cause, aiohttp.ClientConnectorError)
    )


async def proxy(request: Request) -> Response:
    """Forward one request to its service and relay the answer."""
    return await forward(request, request.path_params["service"])


async def scim_proxy(request: Request) -> Response:
    """SCIM 2.0 provisioning (`/scim/v2/...`) is served by the goals service."""
    return await forward(request, "goals")


async def forward(request: Request, service: str) -> Response:
    upstream: httpx.AsyncClient | None = request.app.state.upstreams.get(service)
    if upstream is None:
        raise NotFound(f"There is no API named {service!r}.")
    scope = request.scope
    # Raw header bytes in and out: no decoding into, and encoding out of, str mappings.
    headers = [(k, v) for k, v in scope["headers"] if k in _FORWARDED_RAW]
    headers.append((_IDENTITY_RAW, scope["state"]["identity_token"].encode("latin-1")))
    headers.append((_REQUEST_ID_RAW, (current_request_id() or "").encode("latin-1")))
    body = await request.body()
    # The path exactly as the client sent it (percent-escapes kept): decoded, an escaped
    # slash became a separator and a control character made the outgoing URL invalid (500).
    raw_path: bytes | None = scope.get("raw_path")
    target = raw_path.decode("latin-1").partition("?")[0] if raw_path else scope["path"]
    query: bytes = scope.get("query_string", b"")
    if query:
        target = f"{target}?{query.decode('latin-1')}"
    try:
        answer = await relay(upstream, request.method, target, content=body, headers=headers)
    except httpx.TransportError as exc:
        raise _transport_problem(service, request.method, exc) from exc
    relayed = [
        (name, value)
        for name, value in ((k.lower(), v) for k, v in answer.headers.raw)
        if name not in _HOP_BY_HOP_RAW
    ]
    if any(name == b"content-length" for name, _ in relayed):
        try:
            content = await answer.aread()
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(f"The {service} service did not answer in time.") from exc
        finally:
            await answer.aclose()
        return _relayed(Response(content, status_code=answer.status_code), relayed)
    streamed = StreamingResponse(
        answer.aiter_raw(),
        status_code=answer.status_code,
        background=BackgroundTask(answer.aclose),
    )
    return _relayed(streamed, relayed)


def _relayed(response: Response, headers: list[tuple[bytes, bytes]]) -> Response:
    """`response` with exactly the service's headers (lower-cased names, repeated headers
    kept apart, as ASGI wants them): the body is the service's, so are its length and type."""
    response.raw_headers = headers
    return response


def _transport_problem(service: str, method: str, exc: httpx.TransportError) -> AppError:
    """The problem to answer when the request to `service` failed in transport."""
    if _closed_by_service(exc):
        # Idempotent methods were already sent again by aiohttp; this one may have been applied.
        log.warning("upstream.closed", service=service, method=method)
        if method in aiohttp.client.IDEMPOTENT_METHODS:
            return UpstreamClosed(
                f"The {service} service closed the connection before answering, on a new "
                "connection too."
            )
        return UpstreamClosed(
            f"The {service} service closed the connection before answering: the request may "
            "or may not have been applied, and was not sent again."
        )
    if isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.ConnectTimeout):
        log.warning("upstream.timeout", service=service, error=type(exc).__name__)
        return UpstreamTimeout(f"The {service} service did not answer in time.")
    log.warning("upstream.unreachable", service=service, error=type(exc).__name__)
    return UpstreamUnavailable(f"The {service} service cannot be reached.")
