import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from strata_analytics.groups.service import group_service
from strata_analytics.openapi import errors
from strata_contracts.analytics.groups import (
    AdverseImpactReport,
    GroupAttributeImport,
    GroupAttributeImported,
    GroupAttributeRead,
)
from strata_contracts.identity import Role
from strata_contracts.pagination import Page
from strata_kit.db import SessionDep
from strata_kit.identity import TenantIdentity, require_roles
from strata_kit.pagination import PageParams, page_params

router = APIRouter(prefix="/api/v1/analytics", tags=["adverse impact"])
# Group attributes are sensitive: HR and admins only (not integrations, not managers).
HR = Annotated[TenantIdentity, require_roles(Role.ADMIN, Role.HR)]


@router.put("/group-attributes", response_model=GroupAttributeImported, responses=errors(422))
async def import_group_attributes(
    session: SessionDep, identity: HR, body: GroupAttributeImport
) -> GroupAttributeImported:
    """Import employees' group attributes (each row replaces that employee's set; all or none)."""
    return await group_service.import_attributes(session, identity, body)


@router.get("/group-attributes", response_model=Page[GroupAttributeRead], responses=errors(422))
async def list_group_attributes(
    session: SessionDep,
    _: HR,
    params: Annotated[PageParams, Depends(page_params)],
    attribute: str | None = None,
    employee_id: uuid.UUID | None = None,
) -> Page[GroupAttributeRead]:
    """Employees' group attributes (HR and admins only)."""
    return await group_service.list_attributes(session, params, attribute, employee_id)


@router.get("/adverse-impact", response_model=AdverseImpactReport, responses=errors(404, 422))
async def adverse_impact(
    session: SessionDep,
    identity: HR,
    attribute: Annotated[str, Query(description="The group attribute, e.g. `gender`.")],
    cycle_id: Annotated[uuid.UUID | None, Query(description="A cycle's results.")] = None,
    calibration_session_id: Annotated[
        uuid.UUID | None, Query(description="A calibration session's population instead.")
    ] = None,
    favourable: Annotated[
        list[str] | None,
        Query(description="Bands that count as favourable (repeat); default the top two."),
    ] = None,
    min_group_size: Annotated[
        int | None,
        Query(ge=1, description="Suppress groups smaller than this (never below k)."),
    ] = None,
) -> AdverseImpactReport:
    """Four-fifths rule and chi-square of bands across an attribute's groups, raw and calibrated."""
    assert identity.tenant_id is not None
    return await group_service.report(
        session,
        attribute=attribute,
        cycle_id=cycle_id,
        calibration_session_id=calibration_session_id,
        favourable=favourable,
        min_group_size=min_group_size,
        tenant=identity.tenant_id,
    )
