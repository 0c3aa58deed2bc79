import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from strata_analytics.fairness.service import fairness_service
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


def _json(report: BaseModel) -> Response:
    """A report of a whole cycle holds tens of thousands of rows: serialise it once, with
    pydantic's serializer, rather than have FastAPI validate it again and encode it."""
    return Response(report.model_dump_json(), media_type="application/json")


@router.get("/raters", response_model=RaterBiasReport, responses=_errors)
async def rater_bias_report(
    session: SessionDep,
    _: HR,
    campaign_id: uuid.UUID | None = None,
    cycle_id: uuid.UUID | None = None,
) -> Response:
    """Per rater (pseudonymous): leniency/severity, central tendency, halo, shrunk norms."""
    return _json(await fairness_service.bias(session, campaign_id, cycle_id))


@router.get("/standardised", response_model=StandardisedReport, responses=_errors)
async def standardised_scores(
    session: SessionDep,
    _: HR,
    campaign_id: uuid.UUID | None = None,
    cycle_id: uuid.UUID | None = None,
) -> Response:
    """Per ratee and relationship group: raw mean beside the rater-standardised mean."""
    return _json(await fairness_service.standardised(session, campaign_id, cycle_id))


@router.get("/reliability", response_model=ReliabilityReport, responses=_errors)
async def reliability_report(
    session: SessionDep,
    _: HR,
    campaign_id: uuid.UUID | None = None,
    cycle_id: uuid.UUID | None = None,
    target: Annotated[float, Query(description="Reliability to reach, for raters needed.")] = 0.7,
) -> Response:
    """ICC(1)/ICC(2) per relationship, r_wg(J) and Krippendorff's alpha per ratee group."""
    return _json(await fairness_service.reliability(session, campaign_id, target, cycle_id))
