"""Keyset (cursor) pagination with a stable sort: `(sort column, id)` ascending.

A cursor is the opaque, URL-safe encoding of the last row's sort key. Keyset pages stay
correct while rows are inserted, and cost the same on page 1 and page 10,000.
"""

import base64
import binascii
import json
import math
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Query
from pydantic import BaseModel, BeforeValidator
from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Mapped
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.pagination import Page
from strata_contracts.problem import FieldProblem
from strata_kit.errors import InvalidInput

Row = TypeVar("Row")
Item = TypeVar("Item", bound=BaseModel)

Column = ColumnElement[Any] | InstrumentedAttribute[Any] | Mapped[Any]
"""A column to sort or filter on: `Model.field` or `col(Model.field)`."""

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_CURSOR_LENGTH = 2048
"""Longer than any cursor this API issues (a sort value and an id)."""
_MAX_CURSOR_VALUES = 4
_MAX_CURSOR_INT = 2**63

_ISO_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_8601_only(value: Any) -> Any:
    # Pydantic reads a number ("0.5", "1700000000") as a Unix timestamp; this API speaks
    # ISO 8601 only, so a number is refused rather than read as 1970.
    if isinstance(value, str) and not _ISO_DATE_TIME.match(value):
        raise ValueError("must be an ISO 8601 date and time, e.g. 2026-03-01T00:00:00Z")
    if isinstance(value, int | float):
        raise ValueError("must be an ISO 8601 date and time, e.g. 2026-03-01T00:00:00Z")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_8601_only)]
"""A `datetime` that must be written in ISO 8601 (query parameters, bodies)."""


class PageParams(BaseModel):
    limit: int
    cursor: str | None
    updated_since: datetime | None


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
    updated_since: Annotated[
        IsoDateTime | None,
        Query(description="Only rows changed at or after this instant (incremental sync)."),
    ] = None,
) -> PageParams:
    """Common list parameters: `limit`, `cursor`, `updated_since`."""
    if updated_since is not None and updated_since.tzinfo is None:
        raise InvalidInput(
            "updated_since needs a timezone.",
            errors=[FieldProblem(pointer="/query/updated_since", detail="needs a UTC offset")],
        )
    if cursor:
        decode_cursor(cursor)  # refused here, whether or not the endpoint reads rows
    return PageParams(limit=limit, cursor=cursor, updated_since=updated_since)


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_jsonable(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    """The values of a cursor this API issued: a short list of scalars. Anything else
    (not base64, not JSON, nested, oversized, NaN) is a 422 naming `cursor`."""
    if len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
        raise _bad_cursor()
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode())
        if not raw.startswith(b"["):
            raise ValueError("not a list")
        values = json.loads(raw, parse_constant=_no_constant)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise _bad_cursor() from exc
    if not isinstance(values, list) or not 1 <= len(values) <= _MAX_CURSOR_VALUES:
        raise _bad_cursor()
    if not all(_cursor_scalar(v) for v in values):
        raise _bad_cursor()
    return values


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} in cursor")


def _cursor_scalar(value: Any) -> bool:
    if value is None or isinstance(value, bool | str):
        return True
    if isinstance(value, int):
        return abs(value) < _MAX_CURSOR_INT
    if isinstance(value, float):
        return math.isfinite(value)
    return False


def _bad_cursor() -> InvalidInput:
    return InvalidInput(
        "The cursor is not one this API issued.",
        errors=[FieldProblem(pointer="/query/cursor", detail="malformed cursor")],
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _key(column: Column) -> str:
    key = getattr(column, "key", None)
    if not isinstance(key, str):
        raise TypeError(f"cannot paginate on an unnamed expression {column!r}")
    return key


def _coerce(column: Column, value: Any) -> Any:
    try:
        python_type = getattr(column, "type").python_type  # noqa: B009 (Mapped hides .type)
    except NotImplementedError:
        return value
    if python_type is datetime and isinstance(value, str):
        value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            raise ValueError("naive datetime in cursor")
    elif python_type is uuid.UUID and isinstance(value, str):
        value = uuid.UUID(value)
    # A value of the wrong type (a number for a timestamp, null, ...) would only fail when
    # bound to the query, as a 500; refuse it here as a bad cursor.
    if python_type in _CURSOR_TYPES and not isinstance(value, python_type):
        raise TypeError(f"cursor value {value!r} is not a {python_type.__name__}")
    return value


_CURSOR_TYPES = (datetime, uuid.UUID, int, float, str)


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    *,
    sort: Column,
    id_column: Column,
    params: PageParams,
    to_item: Callable[[Any], Item],
    updated_column: Column | None = None,
) -> Page[Item]:
    """Run `statement` as one page ordered by `(sort, id)`."""
    if params.updated_since is not None and updated_column is not None:
        statement = statement.where(updated_column >= params.updated_since)
    if params.cursor:
        values = decode_cursor(params.cursor)
        if len(values) != 2:
            raise _bad_cursor()
        try:
            last_sort, last_id = _coerce(sort, values[0]), _coerce(id_column, values[1])
        except (TypeError, ValueError) as exc:
            raise _bad_cursor() from exc
        statement = statement.where(
            or_(sort > last_sort, and_(sort == last_sort, id_column > last_id))
        )
    statement = statement.order_by(sort, id_column).limit(params.limit + 1)
    rows = list((await session.exec(statement)).all())  # type: ignore[call-overload]
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, _key(sort)), getattr(last, _key(id_column))])
    return Page[Item](items=[to_item(r) for r in rows], next_cursor=next_cursor)
