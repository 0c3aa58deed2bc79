import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from strata_analytics.fairness.service import fairness_service
from strata_analytics.fairness.wire import MAX_PAGE, NDJSON, Served, wants_ndjson
from strata_analytics.openapi import errors
from strata_contracts.analytics.fairness import (
    RaterBiasReport,
    ReliabilityReport,
    StandardisedReport,
)
from strata_contracts.identity import Role
from strata_kit.db import SessionDep
from strata_kit.identity import TenantIdentity, require_roles

router = APIRouter(prefix="/api/v1/analytics/fairness", tags=["fairness"])
HR = Annotated[TenantIdentity, require_roles(Role.ADMIN, Role.HR)]
_errors = errors(404, 422)
_paged: dict[int | str, dict[str, Any]] = {
    **_errors,
    200: {
        "description": "The report; with `Accept: application/x-ndjson`, the report without "
        "its list on the first line, then one row per line.",
        "content": {NDJSON: {"schema": {"type": "string"}}},
    },
}
Limit = Annotated[
    int | None,
    Query(ge=1, le=MAX_PAGE, description="Rows per page; without it, every row at once."),
]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page.")]
Accept = Annotated[str | None, Header(include_in_schema=False)]


def _answer(served: Served, accept: str | None, limit: int | None, cursor: str | None) -> Response:
    """The report as kept (`fairness.wire`): JSON, or NDJSON when asked for; a page of it
    with `limit` / `cursor`. Kept as bytes, so nothing is serialised again here."""
    if wants_ndjson(accept):
        return Response(served.ndjson(limit, cursor), media_type=NDJSON)
    return Response(served.json(limit, cursor), media_type="application/json")


@router.get("/raters", response_model=RaterBiasReport, responses=_paged)
async def rater_bias_report(
    session: SessionDep,
    _: HR,
    campaign_id: uuid.UUID | None = None,
    cycle_id: uuid.UUID | None = None,
    limit: Limit = None,
    cursor: Cursor = None,
    accept: Accept = None,
) -> Response:
    """Per rater (pseudonymous): leniency/severity, central tendency, halo, shrunk norms."""
    served = await fairness_service.bias(session, campaign_id, cycle_id)
    return _answer(served, accept, limit, cursor)


@router.get("/standardised", response_model=StandardisedReport, responses=_paged)
async def standardised_scores(
    session: SessionDep,
    _: HR,
    campaign_id: uuid.UUID | None = None,
    cycle_id: uuid.UUID | None = None,
    limit: Limit = None,
    cursor: Cursor = None,
    accept: Accept = None,
) -> Response:
    """Per ratee and relationship group: raw mean beside the rater-standardised mean."""
    served = await fairness_service.standardised(session, campaign_id, cycle_id)
    return _answer(served, accept, limit, cursor)


@router.get("/reliability", response_model=ReliabilityReport, responses=_errors)
async def reliability_report(
    session: SessionDep,
    _: HR,
    campaign_id: uuid.UUID | None = None,
    cycle_id: uuid.UUID | None = None,
    target: Annotated[float, Query(description="Reliability to reach, for raters needed.")] = 0.7,
) -> Response:
    """ICC(1)/ICC(2) per relationship, r_wg(J) and Krippendorff's alpha per ratee group."""
    served = await fairness_service.reliability(session, campaign_id, target, cycle_id)
    return Response(served.json(), media_type="application/json")
