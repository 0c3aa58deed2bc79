"""Routes of the goal policy."""

from fastapi import APIRouter

from strata_contracts.goals.weights import GoalsPolicyRead, GoalsPolicyUpdate
from strata_goals.api import HR, PREFIX, errors
from strata_goals.policy.service import policy_service
from strata_kit.db import SessionDep
from strata_kit.identity import TenantCaller

router = APIRouter(prefix=PREFIX, tags=["policy"])


@router.get("/policy", response_model=GoalsPolicyRead)
async def get_policy(session: SessionDep, _: TenantCaller) -> GoalsPolicyRead:
    """The tenant's goal policy: weight bounds, indicators per post, check-in interval."""
    return await policy_service.get(session)


@router.patch(
    "/policy", response_model=GoalsPolicyRead, dependencies=[HR], responses=errors(403, 422)
)
async def update_policy(
    data: GoalsPolicyUpdate, session: SessionDep, identity: TenantCaller
) -> GoalsPolicyRead:
    """Change the goal policy (HR, admin; audited)."""
    return await policy_service.update(session, identity, data)
