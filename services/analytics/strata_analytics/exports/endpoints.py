from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse

from strata_analytics.exports.service import TABLES, export_service
from strata_contracts.identity import Role
from strata_contracts.pagination import Page
from strata_contracts.problem import Problem
from strata_kit.db import SessionDep
from strata_kit.identity import TenantIdentity, require_roles
from strata_kit.pagination import PageParams, page_params

router = APIRouter(prefix="/api/v1/analytics/exports", tags=["exports"])
Reader = Annotated[TenantIdentity, require_roles(Role.ADMIN, Role.HR, Role.INTEGRATION)]
Table = Literal[
    "results", "plans", "plan-items", "employees", "calibration-sessions", "calibration-entries"
]


@router.get(
    "/{table}",
    response_model=Page[dict[str, Any]],
    responses={
        401: {"model": Problem},
        403: {"model": Problem},
        422: {"model": Problem},
        200: {"content": {"text/csv": {}, "application/x-ndjson": {}}},
    },
)
async def export_table(
    request: Request,
    session: SessionDep,
    identity: Reader,
    table: Annotated[Table, Path(description="The table to export.")],
    params: Annotated[PageParams, Depends(page_params)],
    format: Annotated[
        Literal["json", "csv", "ndjson"], Query(description="`json` pages, or a stream.")
    ] = "json",
) -> Any:
    """A table in (updated_at, id) order: JSON pages, or all of it streamed as CSV or NDJSON;
    `updated_since` for incremental pulls."""
    spec = TABLES[table]
    if format == "json":
        page = await export_service.page(session, spec, params)
        return Page[dict[str, Any]](
            items=[spec.row(obj) for obj in page.items], next_cursor=page.next_cursor
        )
    rows = export_service.rows(
        request.app.state.sessionmaker, identity.tenant_id, spec, params.updated_since
    )
    if format == "csv":
        return StreamingResponse(
            export_service.csv_lines(rows, spec.columns),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{table}.csv"'},
        )
    return StreamingResponse(export_service.ndjson_lines(rows), media_type="application/x-ndjson")
