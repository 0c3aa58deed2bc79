"""Routes of cycles: create, read, move through phases, reopen."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from strata_contracts.goals.cycles import (
    CycleCreate,
    CycleRead,
    CycleReopen,
    CycleUpdate,
    PhaseChangeRead,
    PhaseTransition,
)
from strata_contracts.goals.vocabulary import CyclePhase
from strata_contracts.pagination import Page
from strata_goals.api import HR, PREFIX, IfMatch, errors
from strata_goals.cycles.ports import PlanGateDep
from strata_goals.cycles.service import cycle_read, cycle_service
from strata_kit.concurrency import check_if_match, set_etag
from strata_kit.db import SessionDep
from strata_kit.identity import TenantCaller
from strata_kit.pagination import PageParams, page_params

router = APIRouter(prefix=PREFIX, tags=["cycles"])


@router.post(
    "/cycles",
    response_model=CycleRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[HR],
    responses=errors(403, 409, 422),
)
async def create_cycle(data: CycleCreate, session: SessionDep, identity: TenantCaller) -> CycleRead:
    """Open a cycle in planning; its last day follows from the cadence unless custom; one
    overlapping a cycle of the same cadence is refused unless allowed with a reason."""
    return await cycle_service.create(session, identity, data)


@router.get("/cycles", response_model=Page[CycleRead], responses=errors(422))
async def list_cycles(
    session: SessionDep,
    _: TenantCaller,
    params: Annotated[PageParams, Depends(page_params)],
    phase: CyclePhase | None = None,
) -> Page[CycleRead]:
    """List cycles, optionally those in one phase."""
    return await cycle_service.list_cycles(session, params, phase=phase)


@router.get("/cycles/{cycle_id}", response_model=CycleRead, responses=errors(404))
async def get_cycle(
    cycle_id: uuid.UUID, session: SessionDep, _: TenantCaller, response: Response
) -> CycleRead:
    """Read one cycle with its phase (and its ETag)."""
    cycle = await cycle_service.get(session, cycle_id)
    set_etag(response, cycle)
    return cycle_read(cycle)


@router.patch(
    "/cycles/{cycle_id}",
    response_model=CycleRead,
    dependencies=[HR],
    responses=errors(403, 404, 409, 412, 422),
)
async def update_cycle(
    cycle_id: uuid.UUID,
    data: CycleUpdate,
    session: SessionDep,
    identity: TenantCaller,
    request: Request,
    response: Response,
    _if_match: IfMatch = None,
) -> CycleRead:
    """Rename a cycle (not once closed)."""
    cycle = await cycle_service.get(session, cycle_id)
    check_if_match(request, cycle)
    updated = await cycle_service.rename(session, identity, cycle_id, data)
    set_etag(response, cycle)
    return updated


@router.post(
    "/cycles/{cycle_id}/transitions",
    response_model=CycleRead,
    dependencies=[HR],
    responses=errors(403, 404, 409, 412, 422),
)
async def transition_cycle(
    cycle_id: uuid.UUID,
    data: PhaseTransition,
    session: SessionDep,
    identity: TenantCaller,
    plans: PlanGateDep,
    request: Request,
    response: Response,
    _if_match: IfMatch = None,
) -> CycleRead:
    """Move the cycle to its next phase; a blocking gate answers 409 unless HR overrides."""
    cycle = await cycle_service.get(session, cycle_id)
    check_if_match(request, cycle)
    moved = await cycle_service.transition(session, identity, cycle_id, data, plans)
    set_etag(response, cycle)
    return moved


@router.post(
    "/cycles/{cycle_id}/reopen",
    response_model=CycleRead,
    dependencies=[HR],
    responses=errors(403, 404, 409, 422),
)
async def reopen_cycle(
    cycle_id: uuid.UUID, data: CycleReopen, session: SessionDep, identity: TenantCaller
) -> CycleRead:
    """Reopen a closed cycle with a reason (HR; audited)."""
    return await cycle_service.reopen(session, identity, cycle_id, data)


@router.get(
    "/cycles/{cycle_id}/phase-changes",
    response_model=list[PhaseChangeRead],
    responses=errors(404),
)
async def list_phase_changes(
    cycle_id: uuid.UUID, session: SessionDep, _: TenantCaller
) -> list[PhaseChangeRead]:
    """The cycle's phase changes, oldest first: who, when, why, and any gate overridden."""
    return await cycle_service.history(session, cycle_id)
