"""Limits every request's JSON body and query string must meet, checked once at the edge.

Python's `json` parses what a client sends into values the rest of the process cannot
always handle: a body nested a thousand levels deep exhausts the recursion limit (in the
parser, in pydantic, in our own walkers), a 400-digit integer overflows `float`, `NaN` and
`Infinity` are not JSON at all, a NUL byte in a name is stored on SQLite and refused by
PostgreSQL, a lone surrogate cannot be encoded for the database. Each surfaced as a 500.

`BodyLimits` wraps every app's router (inside the problem handlers, so a refusal is an
ordinary `InvalidInput` rendered like any other 422 and SCIM can render it its own way) and
refuses (`BodyRefused`, 422), before any endpoint reads the request:

- JSON nested deeper than `MAX_DEPTH` arrays/objects;
- a number with more than `MAX_NUMBER_DIGITS` digits or an exponent beyond
  `MAX_EXPONENT` (`1e400`), and the constants `NaN`, `Infinity`, `-Infinity`;
- a body that is not UTF-8;
- in any string of the body (keys included) or any query parameter: control characters
  other than tab, newline and carriage return (C0, DEL, C1) and lone surrogates.

The common body costs a few C-level regular-expression scans; only a body that trips one
of them (deep, long numbers, a `\\u` escape of a control character) is parsed here to name
the field.
"""

import json
import re
from collections.abc import Iterator
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from strata_contracts.problem import FieldProblem
from strata_kit.errors import InvalidInput

MAX_DEPTH = 32
"""Arrays and objects nested at most this deep (Strata's own bodies need 6)."""
MAX_NUMBER_DIGITS = 40
"""Digits of a JSON number, integer and fraction together."""
MAX_EXPONENT = 40
"""Largest exponent of a JSON number written with one (`1e40`)."""

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A JSON string, escapes included (unrolled for speed).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKETS = re.compile(r"[^\[\]{}]+")
# Outside strings: a long digit run (with or without a point) or an exponent.
_NUMBER_SUSPECT = re.compile(rf"[0-9.]{{{MAX_NUMBER_DIGITS + 1},}}|\d[eE]")
_NUMBER = re.compile(r"-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?")
_CONSTANT = re.compile(r"NaN|Infinity")
# Inside strings: an escape of a refused character or a raw C1 / DEL (raw C0 is invalid
# JSON already). Only a trigger: the parsed value decides.
_ESCAPE_SUSPECT = re.compile(
    r"\\u(?:00(?!0[9aAdD])[01][0-9a-fA-F]|007[fF]|00[89][0-9a-fA-F]|[dD][89a-fA-F])|[\x7f-\x9f]"
)
REFUSED_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
"""Characters no text field takes: C0 controls but tab, newline and CR; DEL; C1; surrogates."""
_QUERY_SUSPECT = re.compile(rb"%(?:[01][0-9a-fA-F]|7[fF]|[cC]2%[89][0-9a-fA-F])|[\x00-\x1f\x7f]")


def refused_character(value: str) -> str | None:
    """A description of the first character `value` may not contain, or None."""
    found = REFUSED_CHARACTERS.search(value)
    if found is None:
        return None
    return f"contains the control character U+{ord(found.group()):04X}"


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media: bytes = value.split(b";", 1)[0].strip().lower()
            return media.endswith((b"/json", b"+json"))
    return True  # no content type: FastAPI reads the body as JSON


def _depth(skeleton: str) -> int:
    depth = deepest = 0
    for char in _BRACKETS.sub("", skeleton):
        if char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
    return deepest


def _number_problem(token: re.Match[str]) -> str | None:
    whole, fraction, exponent = token.group(1), token.group(2) or "", token.group(3)
    if len(whole) + len(fraction) > MAX_NUMBER_DIGITS:
        return f"a number has more than {MAX_NUMBER_DIGITS} digits"
    if exponent is not None and abs(int(exponent)) > MAX_EXPONENT:
        return f"a number has an exponent beyond ±{MAX_EXPONENT}"
    return None


def _pointer(path: tuple[str | int, ...]) -> str:
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/".join(["/body", *parts]) if parts else "/body"


def _bad_strings(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[FieldProblem]:
    if isinstance(value, str):
        problem = refused_character(value)
        if problem:
            yield FieldProblem(pointer=_pointer(path), detail=problem, code="control_character")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _bad_strings(item, (*path, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            problem = refused_character(key)
            if problem:
                yield FieldProblem(
                    pointer=_pointer((*path, key)),
                    detail=f"the member name {problem}",
                    code="control_character",
                )
            yield from _bad_strings(item, (*path, key))


class BodyRefused(InvalidInput, HTTPException):  # type: ignore[misc]
    """A request refused by these limits: an `InvalidInput` (422, rendered by the kit's
    handlers). It is raised where the endpoint reads its body, so a route with its own error
    format (SCIM's) renders it that way; it is also an `HTTPException`, which FastAPI's body
    reading lets through unchanged."""

    def __init__(self, detail: str, *, errors: list[FieldProblem]) -> None:
        InvalidInput.__init__(self, detail, errors=errors)
        self.status_code = self.status


def _refuse(detail: str, errors: list[FieldProblem]) -> BodyRefused:
    return BodyRefused(detail, errors=errors[:20])


def check_body(body: bytes) -> None:
    """Raise `InvalidInput` if `body` (a JSON request body) breaks one of the limits."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refuse(
            "The body is not UTF-8.",
            [FieldProblem(pointer="/body", detail=f"invalid UTF-8 at byte {exc.start}")],
        ) from exc
    skeleton = _STRING.sub('""', text) if '"' in text else text
    if skeleton.count("[") + skeleton.count("{") > MAX_DEPTH and _depth(skeleton) > MAX_DEPTH:
        raise _refuse(
            f"The body is nested deeper than {MAX_DEPTH} levels.",
            [FieldProblem(pointer="/body", detail="nested too deep", code="json_too_deep")],
        )
    if _CONSTANT.search(skeleton):
        raise _refuse(
            "NaN and Infinity are not JSON numbers.",
            [FieldProblem(pointer="/body", detail="NaN or Infinity", code="json_constant")],
        )
    if _NUMBER_SUSPECT.search(skeleton):
        for token in _NUMBER.finditer(skeleton):
            problem = _number_problem(token)
            if problem:
                raise _refuse(
                    f"The body has a number out of range: {problem}.",
                    [FieldProblem(pointer="/body", detail=problem, code="number_too_large")],
                )
    if _ESCAPE_SUSPECT.search(text):
        try:
            value = json.loads(text)
        except ValueError:
            return  # not JSON: the endpoint reports it where it reads the body
        errors = list(_bad_strings(value))
        if errors:
            raise _refuse("The body has text with control characters; see `errors`.", errors)


def check_query(query_string: bytes) -> None:
    """Raise `InvalidInput` naming each query parameter with a refused character."""
    if not _QUERY_SUSPECT.search(query_string):
        return
    errors = []
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        problem = refused_character(name) or refused_character(value)
        if problem:
            errors.append(
                FieldProblem(pointer=f"/query/{name}", detail=problem, code="control_character")
            )
    if errors:
        raise _refuse("The query has control characters; see `errors`.", errors)


_FORWARDS = "_strata_forwards_body"
_Endpoint = TypeVar("_Endpoint")


def forwards_body(endpoint: _Endpoint) -> _Endpoint:
    """Mark an endpoint that relays its body to a service unread (the gateway's proxy): the
    service judges the body, in its own error format (SCIM's), so the limits are not
    applied twice."""
    setattr(endpoint, _FORWARDS, True)
    return endpoint


async def query_limits(request: Request) -> None:
    """App-wide dependency: the query meets the limits (inside the route, see `BodyRefused`)."""
    check_query(request.scope.get("query_string", b""))


class BodyLimits:
    """ASGI wrapper around an app's router: a JSON body that breaks the limits above is
    refused when the endpoint reads it. The check runs then, on the whole body, once: a
    request whose body no endpoint reads (or only relays, `forwards_body`) costs nothing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        await self.app(scope, _checked(scope, receive), send)


def _checked(scope: Scope, receive: Receive) -> Receive:
    """`receive`, whose first call reads the whole body and checks it."""
    done = False

    async def checked() -> Message:
        nonlocal done
        if done:
            return await receive()
        done = True
        if getattr(scope.get("endpoint"), _FORWARDS, False):
            return await receive()
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return message  # the client went away: nothing to check
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body:
            check_body(body)
        return {"type": "http.request", "body": body, "more_body": False}

    return checked
