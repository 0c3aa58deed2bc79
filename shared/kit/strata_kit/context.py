"""Request context: the correlation id, taken from or added to `X-Request-ID`.

`RequestContextMiddleware` is the one layer every request passes first, a pure ASGI
middleware with one `send` wrapper for all it does: it binds the id into structlog's context
and a contextvar that outgoing clients read (so the id travels every hop), echoes it on the
response, logs the request once, times it for the metrics, and keeps the connection open
once an error has been answered (`_answered_error`). These were three layers, each resumed on
every await of the request; one does the same work.
"""

import re
import time
import uuid
from collections.abc import Callable
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
Observe = Callable[[Scope, int, float], None]
"""Called once per request with its scope (routed), status and duration in seconds."""


def current_request_id() -> str | None:
    return request_id_var.get()


class RequestContextMiddleware:
    """Bind a correlation id per request, echo it on the response, log and time the request.

    It wraps Starlette's server-error middleware, which renders an unhandled exception as
    our 500 (or 503) problem, sends it, and then raises the exception again "so the server
    can log it"; uvicorn, seeing an exception after the response started, closes the
    connection, and the client's keep-alive connection (and the gateway's pooled one) then
    failed the next, unrelated request. The handler has already logged the error with its
    request id, so an exception that arrives after a complete answer ends here; one that
    arrives mid-answer (a broken stream) still reaches the server, which must close.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        redact_prefixes: tuple[str, ...] = (),
        observe: Observe | None = None,
    ) -> None:
        self.app = app
        self.redact_prefixes = redact_prefixes
        self.observe = observe

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
        echoed = (_HEADER, request_id.encode())
        status = 500
        answered = False
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, answered
            kind = message["type"]
            if kind == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != _HEADER]
                headers.append(echoed)
                message["headers"] = headers
            await send(message)
            if kind == "http.response.body" and not message.get("more_body", False):
                answered = True

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            if not answered:
                raise
        finally:
            elapsed = time.perf_counter() - started
            if self.observe is not None:
                self.observe(scope, status, elapsed)
            if scope["path"] not in _QUIET_PATHS:
                log.info(
                    "http.request",
                    method=scope["method"],
                    path=self._loggable(scope["path"]),
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )
            structlog.contextvars.unbind_contextvars("request_id")
            request_id_var.reset(token)
