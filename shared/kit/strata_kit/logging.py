"""One structlog set-up for every process: JSON in production, readable in development.

Stdlib loggers (uvicorn, sqlalchemy, alembic) go through the same processors, so every
line carries the correlation id bound by `RequestContextMiddleware`.
"""

import logging
import sys
from collections.abc import Mapping
from typing import Any

import structlog

from strata_contracts.identity import IDENTITY_HEADER

_SECRET_KEYS = frozenset({"authorization", "api_key", "secret", "token", "password"})
_SECRET_SUFFIXES = tuple(f"_{key}" for key in _SECRET_KEYS)
_IDENTITY_KEY = IDENTITY_HEADER.lower().replace("-", "_")
REDACTED = "[redacted]"


def _is_secret(key: object) -> bool:
    """`token`, but also `Authorization`, `identity_token`, `client_secret`, `X-Strata-Identity`."""
    if not isinstance(key, str):
        return False
    name = key.lower().replace("-", "_")
    return name in _SECRET_KEYS or name.endswith(_SECRET_SUFFIXES) or name == _IDENTITY_KEY


def _scrub(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: REDACTED if _is_secret(k) else _scrub(v) for k, v in value.items()}
    return value


def _redact(_: Any, __: str, event: structlog.typing.EventDict) -> structlog.typing.EventDict:
    # Keys are matched whatever their case or prefix, and inside logged mappings (headers).
    for key, value in event.items():
        if _is_secret(key):
            event[key] = REDACTED
        elif isinstance(value, Mapping):
            event[key] = _scrub(value)
    return event


def configure_logging(
    *, service: str, json: bool, level: str = "INFO", cache_loggers: bool = True
) -> None:
    """Configure structlog and route stdlib logging through it.

    `cache_loggers`: each logger keeps its configuration from its first line on (faster).
    Off in the test environment: a cached logger ignores `structlog.testing.capture_logs`,
    so a test's capture would depend on whether an earlier test in the process logged first."""
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact,
    ]
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    )
    structlog.configure(
        processors=[
            # First: a line below the level is dropped before the others build it (the
            # request log at INFO in a WARNING process costs one level check).
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.processors.format_exc_info
            if json
            else structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=cache_loggers,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Our middleware logs each request once, with its correlation id; uvicorn's access
    # log would repeat it without one.
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every request URL at INFO; URLs can carry single-use link tokens, and our
    # own request log already records each call with its correlation id.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    structlog.contextvars.bind_contextvars(service=service)


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
