"""Routes of post weights and the AHP calculator."""

import uuid

from fastapi import APIRouter

from strata_contracts.goals.calc import AhpRequest, AhpResult
from strata_contracts.goals.weights import (
    AhpWeightsRequest,
    AhpWeightsResult,
    PostWeightsRead,
    PostWeightsSet,
)
from strata_goals.api import HR, PREFIX, errors
from strata_goals.weights.service import weight_service
from strata_kit.db import SessionDep
from strata_kit.identity import TenantCaller

router = APIRouter(prefix=PREFIX, tags=["weights"])


@router.get(
    "/positions/{position_id}/weights", response_model=PostWeightsRead, responses=errors(404)
)
async def get_post_weights(
    position_id: uuid.UUID, session: SessionDep, _: TenantCaller
) -> PostWeightsRead:
    """The post's indicator weights, their total, and what is wrong with them if anything."""
    return await weight_service.read(session, position_id)


@router.put(
    "/positions/{position_id}/weights",
    response_model=PostWeightsRead,
    dependencies=[HR],
    responses=errors(403, 404, 422),
)
async def set_post_weights(
    position_id: uuid.UUID, data: PostWeightsSet, session: SessionDep, identity: TenantCaller
) -> PostWeightsRead:
    """Set the post's weights directly: every indicator, total 100 %, each within bounds."""
    return await weight_service.set_direct(session, identity, position_id, data)


@router.post(
    "/positions/{position_id}/weights/ahp",
    response_model=AhpWeightsResult,
    dependencies=[HR],
    responses=errors(403, 404, 422),
)
async def set_post_weights_by_ahp(
    position_id: uuid.UUID, data: AhpWeightsRequest, session: SessionDep, identity: TenantCaller
) -> AhpWeightsResult:
    """Weights from pairwise comparisons (AHP); CR ≥ 0.10 is refused naming the worst pairs."""
    return await weight_service.set_by_ahp(session, identity, position_id, data)


@router.post("/ahp", response_model=AhpResult, responses=errors(422))
async def calculate_ahp(data: AhpRequest, _: TenantCaller) -> AhpResult:
    """AHP calculator: weights, λmax, CI, RI, CR and the most inconsistent pairs of a matrix."""
    return weight_service.calculate(data)
