"""A computed report kept as JSON, served whole, by cursor pages, or as NDJSON.

A report of a whole cycle holds tens of thousands of rows; kept as pydantic models it costs
about four times its JSON. So each report is serialised once, row by row, when computed
(`Served.of`), and every answer is spliced from those bytes: the same figures to the last
bit on every call, and no serialisation on a warm call.

Pages (`limit`, `cursor` → `next_cursor`) are keyset pages over the rows' own sort order
(raters by `rater_key`; groups by campaign, ratee, relationship), so a page stays correct
while the scope's ratings change between two calls. `Accept: application/x-ndjson` gives
one JSON text per line: the report without its list first, then one row per line.
"""

import bisect
from dataclasses import dataclass

from pydantic import BaseModel

from strata_contracts.problem import FieldProblem
from strata_kit.errors import InvalidInput
from strata_kit.pagination import decode_cursor, encode_cursor

NDJSON = "application/x-ndjson"
MAX_PAGE = 10_000
"""The largest page of rater or group rows (about 3 MB of JSON)."""

Key = tuple[str, ...]


@dataclass(frozen=True)
class Served:
    """A report as its head (every field, its list empty) and one JSON text per row."""

    head: BaseModel
    field: str
    rows: list[bytes]
    keys: list[Key]
    """Per row, in order: its sort key (the cursor of the page that ends there)."""

    @classmethod
    def of(cls, report: BaseModel, field: str, key_fields: tuple[str, ...]) -> "Served":
        items: list[BaseModel] = getattr(report, field)
        if not items:
            return cls(report, field, [], [])
        serializer = type(items[0]).__pydantic_serializer__
        rows = [serializer.to_json(item) for item in items]
        keys = [tuple(str(getattr(item, name)) for name in key_fields) for item in items]
        return cls(report.model_copy(update={field: []}), field, rows, keys)

    @property
    def nbytes(self) -> int:
        """Roughly what it holds: the JSON texts, their keys and the objects' headers."""
        keys = sum(sum(len(part) + 49 for part in key) + 56 for key in self.keys)
        return sum(len(row) + 33 for row in self.rows) + keys + 8 * len(self.rows) + 4096

    def page(self, limit: int | None, cursor: str | None) -> tuple[int, int, str | None]:
        """[start, end) of the rows of the page, and the next page's cursor."""
        start = 0
        if cursor:
            values = decode_cursor(cursor)
            width = len(self.keys[0]) if self.keys else len(values)
            if len(values) != width or not all(isinstance(v, str) for v in values):
                raise _bad_cursor()
            start = bisect.bisect_right(self.keys, tuple(values))
        if limit is None:
            return start, len(self.rows), None
        end = min(start + limit, len(self.rows))
        more = end < len(self.rows)
        return start, end, encode_cursor(list(self.keys[end - 1])) if more else None

    def _head(self, next_cursor: str | None) -> BaseModel:
        if "next_cursor" not in type(self.head).model_fields:
            return self.head
        return self.head.model_copy(update={"next_cursor": next_cursor})

    def json(self, limit: int | None = None, cursor: str | None = None) -> bytes:
        start, end, next_cursor = self.page(limit, cursor)
        head = self._head(next_cursor).model_dump_json()
        empty = f'"{self.field}":[]'
        before, found, after = head.partition(empty)
        if not found:  # cannot happen: the head's list is empty by construction
            raise RuntimeError(f"no empty {self.field} in the report's head")
        rows = b",".join(self.rows[start:end])
        return b"".join((before.encode(), f'"{self.field}":['.encode(), rows, b"]", after.encode()))

    def ndjson(self, limit: int | None = None, cursor: str | None = None) -> bytes:
        start, end, next_cursor = self.page(limit, cursor)
        head = self._head(next_cursor).model_dump_json(exclude={self.field})
        lines = [head.encode(), *self.rows[start:end]]
        return b"\n".join(lines) + b"\n"


def wants_ndjson(accept: str | None) -> bool:
    """True when the Accept header names NDJSON (alone or first among equals)."""
    if not accept:
        return False
    types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    return NDJSON in types and (
        "application/json" not in types or types.index(NDJSON) < types.index("application/json")
    )


def _bad_cursor() -> InvalidInput:
    return InvalidInput(
        "The cursor is not one this API issued.",
        errors=[FieldProblem(pointer="/query/cursor", detail="malformed cursor")],
    )
