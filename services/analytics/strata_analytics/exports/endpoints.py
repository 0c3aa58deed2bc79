from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from strata_analytics.exports.parquet import PARQUET_MEDIA_TYPE, parquet_bytes, schema_fields
from strata_analytics.exports.service import TABLES, export_service
from strata_analytics.openapi import errors
from strata_contracts.identity import Role
from strata_contracts.pagination import Page
from strata_kit.db import SessionDep
from strata_kit.identity import TenantIdentity, require_roles
from strata_kit.pagination import PageParams, encode_cursor, page_params

router = APIRouter(prefix="/api/v1/analytics/exports", tags=["exports"])
HIGH_WATER_MARK = "Strata-High-Water-Mark"
Reader = Annotated[TenantIdentity, require_roles(Role.ADMIN, Role.HR, Role.INTEGRATION)]
Table = Literal[
    "results", "plans", "plan-items", "employees", "calibration-sessions", "calibration-entries"
]


@router.get(
    "/{table}",
    response_model=Page[dict[str, Any]],
    responses={
        **errors(422),
        200: {
            "content": {"text/csv": {}, "application/x-ndjson": {}, PARQUET_MEDIA_TYPE: {}},
            "headers": {
                HIGH_WATER_MARK: {
                    "description": (
                        "The cursor of the last row this export holds: pass it as `cursor` "
                        "to the next pull to get only what changed since (absent while the "
                        "export is empty)."
                    ),
                    "schema": {"type": "string"},
                }
            },
        },
    },
)
async def export_table(
    request: Request,
    response: Response,
    session: SessionDep,
    identity: Reader,
    table: Annotated[Table, Path(description="The table to export.")],
    params: Annotated[PageParams, Depends(page_params)],
    format: Annotated[
        Literal["json", "csv", "ndjson", "parquet"],
        Query(description="`json` pages, or all of it as a CSV/NDJSON stream or a Parquet file."),
    ] = "json",
) -> Any:
    """A table in (updated_at, id) order: JSON pages, or all of it streamed as CSV or NDJSON,
    or as one typed Apache Parquet file (schema: `GET .../exports/{table}/schema`).
    Incremental pulls: every answer carries `Strata-High-Water-Mark`; pass it back as `cursor`
    (any format) and the next export holds only the rows changed since. `updated_since`
    filters by change time as well."""
    spec = TABLES[table]
    if format == "json":
        page = await export_service.page(session, spec, params)
        items = [spec.row(obj) for obj in page.items]
        response.headers.update(_mark(items[-1] if items else None, params.cursor))
        return Page[dict[str, Any]](items=items, next_cursor=page.next_cursor)
    upto = await export_service.high_water_mark(session, spec, params)
    headers = {HIGH_WATER_MARK: upto.cursor} if upto else _mark(None, params.cursor)
    maker, tenant = request.app.state.sessionmaker, identity.tenant_id
    if format == "parquet":
        objects = export_service.objects(
            maker, tenant, spec, params.updated_since, after=params.cursor, upto=upto
        )
        content = await parquet_bytes(spec, objects) if upto else await parquet_bytes(spec, _none())
        return Response(
            content,
            media_type=PARQUET_MEDIA_TYPE,
            headers={
                **headers,
                "Content-Disposition": f'attachment; filename="{table}.parquet"',
            },
        )
    rows = export_service.rows(
        maker, tenant, spec, params.updated_since, after=params.cursor, upto=upto
    )
    if upto is None:
        rows = _none()
    if format == "csv":
        return StreamingResponse(
            export_service.csv_lines(rows, spec.columns),
            media_type="text/csv",
            headers={**headers, "Content-Disposition": f'attachment; filename="{table}.csv"'},
        )
    return StreamingResponse(
        export_service.ndjson_lines(rows), media_type="application/x-ndjson", headers=headers
    )


def _mark(last_row: dict[str, Any] | None, cursor: str | None) -> dict[str, str]:
    if last_row is not None:
        return {HIGH_WATER_MARK: encode_cursor([last_row["updated_at"], last_row["id"]])}
    return {HIGH_WATER_MARK: cursor} if cursor else {}


async def _none() -> AsyncIterator[Any]:
    return
    yield


class ExportColumn(BaseModel):
    name: str
    type: str = Field(description="The Arrow type in the Parquet file, e.g. `decimal128(10, 4)`.")
    nullable: bool


class ExportSchema(BaseModel):
    table: str
    columns: list[ExportColumn]


@router.get(
    "/{table}/schema",
    response_model=ExportSchema,
    responses=errors(422),
)
async def export_schema(
    identity: Reader, table: Annotated[Table, Path(description="The table.")]
) -> ExportSchema:
    """The typed schema of a table's Parquet export (the JSON, CSV and NDJSON exports carry
    the same columns, with decimals, UUIDs and instants as strings)."""
    return ExportSchema(
        table=table,
        columns=[
            ExportColumn(name=f.name, type=f.type, nullable=f.nullable)
            for f in schema_fields(TABLES[table])
        ],
    )
