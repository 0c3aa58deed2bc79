"""Typed errors and the one handler set that renders RFC 9457 problem details.

Domain code raises an `AppError` subclass (`CycleClosed(AppError)` with status 409);
the handlers below render every error, framework ones included, as
`application/problem+json`. Nothing else turns exceptions into responses, and no stack
trace leaves the process.
"""

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError as SQLAlchemyDataError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from strata_contracts.identity import REQUEST_ID_HEADER
from strata_contracts.problem import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE, FieldProblem, Problem
from strata_kit.i18n import language, problem_title
from strata_kit.logging import get_logger

log = get_logger("strata.errors")


class AppError(Exception):
    """Base of every error a Strata process answers on purpose."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    slug: ClassVar[str | None] = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldProblem] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.headers = headers
        self.extra = extra

    def to_problem(self, request: Request) -> Problem:
        return Problem(
            type=f"{PROBLEM_TYPE_BASE}{self.slug}" if self.slug else "about:blank",
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=request.url.path,
            request_id=request.scope.get("state", {}).get("request_id"),
            errors=self.errors,
            **self.extra,
        )


class BadRequest(AppError):
    status = 400
    title = "Bad request"
    slug = "bad-request"


class Unauthorized(AppError):
    status = 401
    title = "Unauthorized"
    slug = "unauthorized"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"}, **extra)


class Forbidden(AppError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


class NotFound(AppError):
    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(AppError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class PreconditionFailed(AppError):
    status = 412
    title = "Precondition failed"
    slug = "precondition-failed"


class PreconditionRequired(AppError):
    status = 428
    title = "Precondition required"
    slug = "precondition-required"


class PayloadTooLarge(AppError):
    status = 413
    title = "Payload too large"
    slug = "payload-too-large"


class InvalidInput(AppError):
    """Input that parses but breaks a rule; name each bad field with `field(...)`."""

    status = 422
    title = "Invalid input"
    slug = "invalid-input"


class TooManyRequests(AppError):
    status = 429
    title = "Too many requests"
    slug = "rate-limited"


class UpstreamUnavailable(AppError):
    status = 503
    title = "Service unavailable"
    slug = "upstream-unavailable"


class UpstreamTimeout(AppError):
    status = 504
    title = "Upstream timed out"
    slug = "upstream-timeout"


# SQLSTATE classes that mean "the database is not there right now": connection exceptions
# (08xxx) and operator intervention (57P01 admin shutdown, 57P02 crash, 57P03 starting up).
_UNAVAILABLE_SQLSTATES = ("08", "57P")
DATABASE_RETRY_AFTER_SECONDS = 1


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached (down, restarting, connection
    dropped, SQLite busy) rather than that the request or the code is wrong."""
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        if isinstance(node, DBAPIError) and node.connection_invalidated:
            return True
        if isinstance(node, ConnectionError | TimeoutError | PoolTimeout):
            # PoolTimeout: every pooled connection stayed busy for `pool_timeout` seconds.
            return True
        sqlstate = getattr(node, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
            return True
        if isinstance(node, SQLAlchemyOperationalError) and "database is locked" in str(node):
            return True
        orig = getattr(node, "orig", None)
        node = orig if isinstance(orig, BaseException) else (node.__cause__ or node.__context__)
    return False


def value_out_of_range(exc: BaseException) -> bool:
    """Whether the database refused a value the request carried: a number beyond the
    column's range (SQLite's 64-bit integers, PostgreSQL's int4/int8/numeric), a string
    it cannot store. The edge limits (`strata_kit.bodies`) and the models bound most
    input; this is the backstop that keeps the rest a 4xx, never a 500."""
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        if isinstance(node, SQLAlchemyDataError):
            return True
        if isinstance(node, OverflowError) and "SQLite" in str(node):
            return True
        sqlstate = getattr(node, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith("22"):  # data exception
            return True
        orig = getattr(node, "orig", None)
        node = orig if isinstance(orig, BaseException) else (node.__cause__ or node.__context__)
    return False


def field(pointer: str, detail: str, code: str | None = None) -> FieldProblem:
    """A bad field in the request body, e.g. `field("weights/2/weight", "above 40 %")`."""
    path = pointer.lstrip("/")
    return FieldProblem(pointer=f"/body/{path}" if path else "/body", detail=detail, code=code)


_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_ERROR_SCHEMAS = frozenset(
    {"#/components/schemas/Problem", "#/components/schemas/HTTPValidationError"}
)


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Make an app's OpenAPI document say what its errors really are: every error response
    documented with the Problem model (or FastAPI's default 422 model) is served as
    `application/problem+json` with the Problem schema, because that is what the handlers
    above send. Other error documents (SCIM's own error shape) are left alone."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "Problem" not in components:
        generated = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(generated.pop("$defs", {}))
        components["Problem"] = generated
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                if not (status.isdigit() and int(status) >= 400):
                    continue
                content = response.get("content", {})
                refs = {media.get("schema", {}).get("$ref") for media in content.values()} - {None}
                if refs and refs <= _ERROR_SCHEMAS:
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": dict(_PROBLEM_REF)}}
    return schema


def problem_response(
    problem: Problem, headers: dict[str, str] | None = None, request: Request | None = None
) -> JSONResponse:
    """The problem as `application/problem+json`; with the request, its `title` in the
    language the request's `Accept-Language` prefers (English or Simplified Chinese)."""
    if request is not None:
        lang = language(request.headers.get("accept-language"))
        if lang != "en":
            problem = problem.model_copy(
                update={"title": problem_title(problem.title, problem.status, lang)}
            )
    return JSONResponse(
        problem.model_dump(mode="json", exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _pointer(loc: Iterable[int | str]) -> str:
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in loc]
    return "/" + "/".join(parts)


def _validation_errors(exc: RequestValidationError) -> list[FieldProblem]:
    out = []
    for err in exc.errors():
        loc = list(err.get("loc", ()))
        # A body sent as a single model is reported at ("body", field...); a missing
        # body at ("body",). Keep the location root so a pointer is never ambiguous.
        out.append(
            FieldProblem(pointer=_pointer(loc), detail=str(err.get("msg")), code=err.get("type"))
        )
    return out


def _request_id(request: Request) -> str | None:
    request_id: str | None = request.scope.get("state", {}).get("request_id")
    return request_id


async def _on_app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(exc.to_problem(request), exc.headers, request)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problem = Problem(
        type=f"{PROBLEM_TYPE_BASE}validation",
        title="Validation failed",
        status=422,
        detail="The request has invalid fields; see `errors`.",
        instance=request.url.path,
        request_id=_request_id(request),
        errors=_validation_errors(exc),
    )
    return problem_response(problem, request=request)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    problem = Problem(
        title=_TITLES.get(exc.status_code, "Error"),
        status=exc.status_code,
        detail=exc.detail if isinstance(exc.detail, str) else None,
        instance=request.url.path,
        request_id=_request_id(request),
    )
    return problem_response(problem, dict(exc.headers) if exc.headers else None, request)


async def _on_stale(request: Request, exc: Exception) -> JSONResponse:
    # Another writer changed the row between our read and our write (version CAS).
    error = PreconditionFailed("The resource was changed by someone else; read it again.")
    return problem_response(error.to_problem(request), request=request)


async def _on_unhandled(request: Request, exc: Exception) -> JSONResponse:
    # Starlette runs this handler in its outermost middleware, after the request-context
    # middleware has unbound the request id and outside its header echo: pass the id
    # to the log line and the response explicitly, or the 500 cannot be traced.
    request_id = _request_id(request)
    if value_out_of_range(exc):
        return _value_refused(request, exc, request_id)
    if database_unavailable(exc):
        return _database_unavailable(request, exc, request_id)
    log.exception(
        "http.unhandled_error",
        path=request.url.path,
        error=type(exc).__name__,
        request_id=request_id,
    )
    problem = Problem(
        title="Internal server error",
        status=500,
        detail="An unexpected error occurred; quote the request id when reporting it.",
        instance=request.url.path,
        request_id=request_id,
    )
    return problem_response(
        problem, {REQUEST_ID_HEADER: request_id} if request_id else None, request
    )


def _value_refused(request: Request, exc: Exception, request_id: str | None) -> JSONResponse:
    """422: the database refused a value the request carried."""
    log.warning(
        "database.value_refused",
        path=request.url.path,
        error=type(exc).__name__,
        request_id=request_id,
    )
    refused = Problem(
        type=f"{PROBLEM_TYPE_BASE}value-out-of-range",
        title="Invalid input",
        status=422,
        detail="A value in the request is out of the range this API stores.",
        instance=request.url.path,
        request_id=request_id,
        errors=[FieldProblem(pointer="/body", detail="value out of range")],
    )
    return problem_response(refused, {REQUEST_ID_HEADER: request_id} if request_id else None)


def _database_unavailable(request: Request, exc: Exception, request_id: str | None) -> JSONResponse:
    """Not a bug: the database is restarting or unreachable. Say so, retryably (503 with
    Retry-After), so clients and the gateway's idempotency layer retry."""
    log.warning(
        "database.unavailable",
        path=request.url.path,
        error=type(exc).__name__,
        request_id=request_id,
    )
    unavailable = Problem(
        type=f"{PROBLEM_TYPE_BASE}database-unavailable",
        title="Service unavailable",
        status=503,
        detail="The database cannot be reached right now; retry shortly.",
        instance=request.url.path,
        request_id=request_id,
    )
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
    if request_id:
        headers[REQUEST_ID_HEADER] = request_id
    return problem_response(unavailable, headers, request)


_Handler = Callable[[Request, Exception], Awaitable[JSONResponse]]

# One handler per exception family. SQLAlchemy's DataError and OverflowError are handled
# here (not left to Starlette's 500 path) so the answer is an ordinary error response.
_HANDLERS: tuple[tuple[type[Exception], _Handler], ...] = (
    (SQLAlchemyDataError, _on_unhandled),
    (OverflowError, _on_unhandled),
    (StaleDataError, _on_stale),
    (AppError, _on_app_error),
    (RequestValidationError, _on_validation),
    (StarletteHTTPException, _on_http),
    (Exception, _on_unhandled),
)


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error as problem details."""
    for family, handler in _HANDLERS:
        app.add_exception_handler(family, handler)


_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
}
