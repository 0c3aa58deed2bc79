"""Exports as Apache Parquet: one typed column per exported field, derived from the table's
own column types, so numbers arrive as decimals, instants as UTC timestamps and dates as
dates (never strings), and a reader (DuckDB, pandas, Polars, Spark) needs no casting.

| SQL column            | Arrow / Parquet type          |
| --------------------- | ----------------------------- |
| UUID                  | string (canonical, lowercase) |
| timestamp with zone   | timestamp[us, tz=UTC]         |
| date                  | date32                        |
| numeric(p, s)         | decimal128(p, s)              |
| integer               | int64                         |
| boolean               | bool                          |
| text                  | string                        |
"""

import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Numeric, String, TypeDecorator, Uuid

from strata_analytics.exports.service import ExportTable

if TYPE_CHECKING:
    import pyarrow as pa

# pyarrow is imported where a Parquet file is written (about 40 MiB resident): a replica
# that never exports does not carry it (issue 14, idle memory).

PARQUET_MEDIA_TYPE = "application/vnd.apache.parquet"
ROW_GROUP = 1000


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    nullable: bool


def arrow_type(column_type: Any) -> "pa.DataType":
    import pyarrow as pa

    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    if isinstance(column_type, Uuid):
        return pa.string()
    if isinstance(column_type, DateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(column_type, Date):
        return pa.date32()
    if isinstance(column_type, Numeric) and not isinstance(column_type, Float):
        return pa.decimal128(column_type.precision or 38, column_type.scale or 0)
    if isinstance(column_type, Float):
        return pa.float64()
    if isinstance(column_type, Integer):
        return pa.int64()
    if isinstance(column_type, Boolean):
        return pa.bool_()
    if isinstance(column_type, String):
        return pa.string()
    raise TypeError(f"no Parquet type for {column_type!r}")


def arrow_schema(table: ExportTable) -> "pa.Schema":
    import pyarrow as pa

    columns = table.model.__table__.columns  # type: ignore[attr-defined]
    return pa.schema(
        [
            pa.field(name, arrow_type(columns[name].type), nullable=bool(columns[name].nullable))
            for name in table.columns
        ]
    )


def schema_fields(table: ExportTable) -> list[Field]:
    """The documented schema: column name, Arrow type, nullable."""
    return [Field(f.name, str(f.type), f.nullable) for f in arrow_schema(table)]


def _typed(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date | Decimal):
        return value
    return value


async def parquet_bytes(table: ExportTable, objects: AsyncIterator[Any]) -> bytes:
    """The rows (model objects, in export order) as one Parquet file, written a row group
    at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema(table)
    sink = io.BytesIO()
    with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
        batch: list[dict[str, Any]] = []
        async for obj in objects:
            batch.append({name: _typed(getattr(obj, name)) for name in table.columns})
            if len(batch) >= ROW_GROUP:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    return sink.getvalue()
