"""Request context: the correlation id, taken from or added to `X-Request-ID`.

A pure ASGI middleware (cheaper than `BaseHTTPMiddleware`) binds the id into structlog's
context and a contextvar that outgoing clients read, so the id travels every hop.
"""

import re
import time
import uuid
from contextvars import ContextVar

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from strata_contracts.identity import REQUEST_ID_HEADER
from strata_kit.logging import get_logger

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_HEADER = REQUEST_ID_HEADER.lower().encode()
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_QUIET_PATHS = frozenset({"/healthz", "/readyz"})
log = get_logger("strata.http")


def current_request_id() -> str | None:
    return request_id_var.get()


class RequestContextMiddleware:
    """Bind a correlation id per request, echo it on the response, log the request once."""

    def __init__(self, app: ASGIApp, *, redact_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.redact_prefixes = redact_prefixes

    def _loggable(self, path: str) -> str:
        """Paths under a redacted prefix carry secrets (single-use link tokens): log the
        prefix only."""
        for prefix in self.redact_prefixes:
            if path.startswith(prefix):
                return f"{prefix}[redacted]"
        return path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v for k, v in scope["headers"] if k == _HEADER), None)
        request_id = incoming.decode("latin-1") if incoming else ""
        if not _VALID_ID.fullmatch(request_id):  # `$` in match() also accepts a final "\n"
            request_id = uuid.uuid4().hex
        token = request_id_var.set(request_id)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != _HEADER]
                headers.append((_HEADER, request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if scope["path"] not in _QUIET_PATHS:
                log.info(
                    "http.request",
                    method=scope["method"],
                    path=self._loggable(scope["path"]),
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )
            structlog.contextvars.unbind_contextvars("request_id")
            request_id_var.reset(token)
