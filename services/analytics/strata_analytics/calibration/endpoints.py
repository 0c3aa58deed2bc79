import uuid
from typing import Annotated

from fastapi import APIRouter, status

from strata_analytics.calibration.service import calibration_service
from strata_analytics.openapi import errors
from strata_contracts.analytics.calibration import (
    AdjustmentCreate,
    CalibrationSessionCreate,
    CalibrationSessionRead,
)
from strata_contracts.identity import Role
from strata_kit.db import SessionDep
from strata_kit.identity import TenantIdentity, require_roles

router = APIRouter(prefix="/api/v1/analytics/calibration-sessions", tags=["calibration"])
HR = Annotated[TenantIdentity, require_roles(Role.ADMIN, Role.HR)]


@router.post(
    "",
    response_model=CalibrationSessionRead,
    status_code=status.HTTP_201_CREATED,
    responses=errors(422),
)
async def create_calibration_session(
    session: SessionDep, identity: HR, body: CalibrationSessionCreate
) -> CalibrationSessionRead:
    """Open a session over a cycle's results (tenant or org unit) with a guideline shape."""
    return await calibration_service.create(session, identity, body)


@router.get("/{session_id}", response_model=CalibrationSessionRead, responses=errors(404))
async def get_calibration_session(
    session: SessionDep, _: HR, session_id: uuid.UUID
) -> CalibrationSessionRead:
    """The session: raw and calibrated results, distribution against the guideline."""
    return await calibration_service.read(session, session_id)


@router.post(
    "/{session_id}/adjustments",
    response_model=CalibrationSessionRead,
    responses=errors(404, 409, 422),
)
async def adjust_result(
    session: SessionDep, identity: HR, session_id: uuid.UUID, body: AdjustmentCreate
) -> CalibrationSessionRead:
    """Calibrate one result to another band, with a reason (audited; the raw is kept)."""
    return await calibration_service.adjust(session, identity, session_id, body)


@router.post(
    "/{session_id}/finalise", response_model=CalibrationSessionRead, responses=errors(404, 409)
)
async def finalise_calibration_session(
    session: SessionDep, identity: HR, session_id: uuid.UUID
) -> CalibrationSessionRead:
    """Finalise: the results are locked and `analytics.calibration.finalised` is published."""
    return await calibration_service.finalise(session, identity, session_id)
