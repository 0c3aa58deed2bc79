import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from strata_analytics.openapi import errors
from strata_analytics.reports.service import report_service
from strata_contracts.identity import Role
from strata_kit.db import SessionDep
from strata_kit.i18n import Language, language
from strata_kit.identity import TenantCaller, TenantIdentity, require_roles

router = APIRouter(prefix="/api/v1/analytics/reports", tags=["reports"])


def _lang(request: Request) -> Language:
    return language(request.headers.get("accept-language"))


HR = Annotated[TenantIdentity, require_roles(Role.ADMIN, Role.HR)]


def responses(description: str, *codes: int) -> dict[int | str, dict[str, object]]:
    out: dict[int | str, dict[str, object]] = {
        200: {
            "description": description,
            "content": {"text/html": {"schema": {"type": "string"}}},
        }
    }
    out.update(errors(*codes))
    return out


@router.get(
    "/360/{employee_id}/{campaign_id}",
    response_class=HTMLResponse,
    responses=responses("A printable HTML page (inline SVG, no script, no external asset).", 404),
)
async def individual_360_report(
    request: Request,
    session: SessionDep,
    identity: TenantCaller,
    employee_id: uuid.UUID,
    campaign_id: uuid.UUID,
) -> HTMLResponse:
    """An employee's 360 report: radar of self vs others, items, strengths, gaps, comments.
    In Simplified Chinese for `Accept-Language: zh-CN`."""
    html = await report_service.individual_360(
        session, identity, employee_id, campaign_id, _lang(request)
    )
    return HTMLResponse(html)


@router.get(
    "/distribution",
    response_class=HTMLResponse,
    responses=responses("A printable HTML page with the chart as inline SVG.", 404, 422),
)
async def distribution_report(
    request: Request,
    session: SessionDep,
    identity: HR,
    cycle_id: Annotated[uuid.UUID | None, Query(description="A cycle's results.")] = None,
    calibration_session_id: Annotated[
        uuid.UUID | None, Query(description="A calibration session's population instead.")
    ] = None,
) -> HTMLResponse:
    """Rating distribution per band: raw, calibrated and the guideline's expected counts.
    In Simplified Chinese for `Accept-Language: zh-CN`."""
    assert identity.tenant_id is not None
    html = await report_service.distribution(
        session, identity.tenant_id, cycle_id, calibration_session_id, _lang(request)
    )
    return HTMLResponse(html)
