"""Routes of the organisation: org units, positions, employees, reporting lines, HRIS upserts.

Everyone in the tenant may read the organisation (it is the company directory); HR, admin
and the HRIS integration may change it.
"""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from strata_contracts.goals.org import (
    BulkUpsertResult,
    EmployeeBulkUpsert,
    EmployeeCreate,
    EmployeePlacementRead,
    EmployeeRead,
    EmployeeUpdate,
    OrgUnitBulkUpsert,
    OrgUnitCreate,
    OrgUnitRead,
    OrgUnitUpdate,
    PositionBulkUpsert,
    PositionCreate,
    PositionRead,
    PositionUpdate,
)
from strata_contracts.goals.vocabulary import EmployeeStatus
from strata_contracts.pagination import Page
from strata_goals.api import ORG_WRITE, PREFIX, IfMatch, errors
from strata_goals.org.service import employee_read, org_service, org_unit_read, position_read
from strata_kit.concurrency import check_if_match, set_etag
from strata_kit.db import SessionDep
from strata_kit.identity import TenantCaller
from strata_kit.pagination import PageParams, page_params

router = APIRouter(prefix=PREFIX, tags=["organisation"])
Params = Annotated[PageParams, Depends(page_params)]
ExternalIdQuery = Annotated[str | None, Query(max_length=128, description="The HRIS's key.")]


# --- org units -----------------------------------------------------------------------------


@router.post(
    "/org-units",
    response_model=OrgUnitRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[ORG_WRITE],
    responses=errors(403, 409, 422),
)
async def create_org_unit(
    data: OrgUnitCreate, session: SessionDep, identity: TenantCaller
) -> OrgUnitRead:
    """Create an org unit: the enterprise (no parent, once) or a department under a unit."""
    return await org_service.create_org_unit(session, identity, data)


@router.get("/org-units", response_model=Page[OrgUnitRead], responses=errors(422))
async def list_org_units(
    session: SessionDep,
    _: TenantCaller,
    params: Params,
    parent_id: uuid.UUID | None = None,
    external_id: ExternalIdQuery = None,
) -> Page[OrgUnitRead]:
    """List org units, optionally the children of one unit or the one with an HRIS key."""
    return await org_service.list_org_units(
        session, params, parent_id=parent_id, external_id=external_id
    )


@router.get("/org-units/{org_unit_id}", response_model=OrgUnitRead, responses=errors(404))
async def get_org_unit(
    org_unit_id: uuid.UUID, session: SessionDep, _: TenantCaller, response: Response
) -> OrgUnitRead:
    """Read one org unit (with its ETag)."""
    unit = await org_service.get_org_unit(session, org_unit_id)
    set_etag(response, unit)
    return org_unit_read(unit)


@router.patch(
    "/org-units/{org_unit_id}",
    response_model=OrgUnitRead,
    dependencies=[ORG_WRITE],
    responses=errors(403, 404, 409, 412, 422),
)
async def update_org_unit(
    org_unit_id: uuid.UUID,
    data: OrgUnitUpdate,
    session: SessionDep,
    identity: TenantCaller,
    request: Request,
    response: Response,
    _if_match: IfMatch = None,
) -> OrgUnitRead:
    """Rename, recode or move an org unit (never below itself)."""
    unit = await org_service.get_org_unit(session, org_unit_id)
    check_if_match(request, unit)
    updated = await org_service.update_org_unit(session, identity, org_unit_id, data)
    set_etag(response, unit)
    return updated


@router.post(
    "/org-units/bulk-upsert",
    response_model=BulkUpsertResult,
    dependencies=[ORG_WRITE],
    responses=errors(403, 422),
)
async def bulk_upsert_org_units(
    data: OrgUnitBulkUpsert, session: SessionDep, identity: TenantCaller
) -> BulkUpsertResult:
    """Create or update org units by HRIS key (parents may be in the same batch); all or nothing."""
    return await org_service.bulk_upsert_org_units(session, identity, data)


# --- positions -----------------------------------------------------------------------------


@router.post(
    "/positions",
    response_model=PositionRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[ORG_WRITE],
    responses=errors(403, 409, 422),
)
async def create_position(
    data: PositionCreate, session: SessionDep, identity: TenantCaller
) -> PositionRead:
    """Create a position (post) in an org unit."""
    return await org_service.create_position(session, identity, data)


@router.get("/positions", response_model=Page[PositionRead], responses=errors(422))
async def list_positions(
    session: SessionDep,
    _: TenantCaller,
    params: Params,
    org_unit_id: uuid.UUID | None = None,
    external_id: ExternalIdQuery = None,
) -> Page[PositionRead]:
    """List positions, optionally of one org unit or the one with an HRIS key."""
    return await org_service.list_positions(
        session, params, org_unit_id=org_unit_id, external_id=external_id
    )


@router.get("/positions/{position_id}", response_model=PositionRead, responses=errors(404))
async def get_position(
    position_id: uuid.UUID, session: SessionDep, _: TenantCaller, response: Response
) -> PositionRead:
    """Read one position (with its ETag)."""
    position = await org_service.get_position(session, position_id)
    set_etag(response, position)
    return position_read(position)


@router.patch(
    "/positions/{position_id}",
    response_model=PositionRead,
    dependencies=[ORG_WRITE],
    responses=errors(403, 404, 409, 412, 422),
)
async def update_position(
    position_id: uuid.UUID,
    data: PositionUpdate,
    session: SessionDep,
    identity: TenantCaller,
    request: Request,
    response: Response,
    _if_match: IfMatch = None,
) -> PositionRead:
    """Change a position's title, code, HRIS key or unit."""
    position = await org_service.get_position(session, position_id)
    check_if_match(request, position)
    updated = await org_service.update_position(session, identity, position_id, data)
    set_etag(response, position)
    return updated


@router.post(
    "/positions/bulk-upsert",
    response_model=BulkUpsertResult,
    dependencies=[ORG_WRITE],
    responses=errors(403, 422),
)
async def bulk_upsert_positions(
    data: PositionBulkUpsert, session: SessionDep, identity: TenantCaller
) -> BulkUpsertResult:
    """Create or update positions by HRIS key; all or nothing."""
    return await org_service.bulk_upsert_positions(session, identity, data)


# --- employees -----------------------------------------------------------------------------


@router.post(
    "/employees",
    response_model=EmployeeRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[ORG_WRITE],
    responses=errors(403, 409, 422),
)
async def create_employee(
    data: EmployeeCreate, session: SessionDep, identity: TenantCaller
) -> EmployeeRead:
    """Create an employee in a unit and position, under a manager of the same organisation."""
    return await org_service.create_employee(session, identity, data)


@router.get("/employees", response_model=Page[EmployeeRead], responses=errors(422))
async def list_employees(
    session: SessionDep,
    _: TenantCaller,
    params: Params,
    org_unit_id: uuid.UUID | None = None,
    position_id: uuid.UUID | None = None,
    manager_id: Annotated[uuid.UUID | None, Query(description="Direct reports of.")] = None,
    external_id: ExternalIdQuery = None,
    employee_status: Annotated[EmployeeStatus | None, Query(alias="status")] = None,
) -> Page[EmployeeRead]:
    """List employees, filtered by unit, position, direct manager, HRIS key or status."""
    return await org_service.list_employees(
        session,
        params,
        org_unit_id=org_unit_id,
        position_id=position_id,
        manager_id=manager_id,
        external_id=external_id,
        status=employee_status,
    )


@router.get("/employees/{employee_id}", response_model=EmployeeRead, responses=errors(404))
async def get_employee(
    employee_id: uuid.UUID, session: SessionDep, _: TenantCaller, response: Response
) -> EmployeeRead:
    """Read one employee (with its ETag)."""
    employee = await org_service.get_employee(session, employee_id)
    set_etag(response, employee)
    return employee_read(employee)


@router.patch(
    "/employees/{employee_id}",
    response_model=EmployeeRead,
    dependencies=[ORG_WRITE],
    responses=errors(403, 404, 409, 412, 422),
)
async def update_employee(
    employee_id: uuid.UUID,
    data: EmployeeUpdate,
    session: SessionDep,
    identity: TenantCaller,
    request: Request,
    response: Response,
    _if_match: IfMatch = None,
) -> EmployeeRead:
    """Change an employee; a new unit, position or manager is a move kept in their history."""
    employee = await org_service.get_employee(session, employee_id)
    check_if_match(request, employee)
    updated = await org_service.update_employee(session, identity, employee_id, data)
    set_etag(response, employee)
    return updated


@router.post(
    "/employees/bulk-upsert",
    response_model=BulkUpsertResult,
    dependencies=[ORG_WRITE],
    responses=errors(403, 422),
)
async def bulk_upsert_employees(
    data: EmployeeBulkUpsert, session: SessionDep, identity: TenantCaller
) -> BulkUpsertResult:
    """Create or update employees by HRIS key (managers may be in the batch); all or nothing."""
    return await org_service.bulk_upsert_employees(session, identity, data)


@router.get(
    "/employees/{employee_id}/history",
    response_model=list[EmployeePlacementRead],
    responses=errors(404),
)
async def get_employee_history(
    employee_id: uuid.UUID, session: SessionDep, _: TenantCaller
) -> list[EmployeePlacementRead]:
    """The employee's placements (unit, position, manager) over time, oldest first."""
    return await org_service.history(session, employee_id)


@router.get(
    "/employees/{employee_id}/reports",
    response_model=Page[EmployeeRead],
    responses=errors(404, 422),
)
async def list_reports(
    employee_id: uuid.UUID,
    session: SessionDep,
    _: TenantCaller,
    params: Params,
    direct: Annotated[bool, Query(description="Only direct reports.")] = False,
) -> Page[EmployeeRead]:
    """The employee's reporting line: everyone below them, or only their direct reports."""
    return await org_service.list_reports(session, params, employee_id, direct_only=direct)


@router.get(
    "/employees/{employee_id}/managers",
    response_model=list[EmployeeRead],
    responses=errors(404),
)
async def list_managers(
    employee_id: uuid.UUID, session: SessionDep, _: TenantCaller
) -> list[EmployeeRead]:
    """The employee's chain of managers, nearest first."""
    return await org_service.manager_chain(session, employee_id)
