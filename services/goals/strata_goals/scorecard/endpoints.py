"""Routes of the Balanced Scorecard."""

import uuid

from fastapi import APIRouter

from strata_contracts.goals.scorecard import (
    BalanceReport,
    BalanceRulesRead,
    BalanceRulesReplace,
    PerspectiveWeightsRead,
    PerspectiveWeightsSet,
    ScorecardReport,
)
from strata_goals.api import HR, PREFIX, RESULTS, errors
from strata_goals.scorecard.service import scorecard_service
from strata_kit.db import SessionDep
from strata_kit.identity import TenantCaller

router = APIRouter(prefix=PREFIX, tags=["scorecard"])


@router.get("/perspective-weights", response_model=list[PerspectiveWeightsRead])
async def list_perspective_weights(
    session: SessionDep, _: TenantCaller
) -> list[PerspectiveWeightsRead]:
    """Perspective weights configured per level and per post."""
    return await scorecard_service.perspective_weights(session)


@router.put(
    "/perspective-weights",
    response_model=PerspectiveWeightsRead,
    dependencies=[HR],
    responses=errors(403, 422),
)
async def set_perspective_weights(
    data: PerspectiveWeightsSet, session: SessionDep, identity: TenantCaller
) -> PerspectiveWeightsRead:
    """Set a level's or a post's perspective weights (total 100 %; audited)."""
    return await scorecard_service.set_perspective_weights(session, identity, data)


@router.get("/balance-rules", response_model=BalanceRulesRead)
async def get_balance_rules(session: SessionDep, _: TenantCaller) -> BalanceRulesRead:
    """The balance rules in force (the default rule when none is stored)."""
    return await scorecard_service.rules(session)


@router.put(
    "/balance-rules",
    response_model=BalanceRulesRead,
    dependencies=[HR],
    responses=errors(403, 422),
)
async def replace_balance_rules(
    data: BalanceRulesReplace, session: SessionDep, identity: TenantCaller
) -> BalanceRulesRead:
    """Replace the tenant's balance rules (audited)."""
    return await scorecard_service.replace_rules(session, identity, data)


@router.get("/scorecard/balance", response_model=BalanceReport)
async def get_balance_report(session: SessionDep, _: TenantCaller) -> BalanceReport:
    """Each level's and post's perspective weights checked against the balance rules."""
    return await scorecard_service.balance(session)


@router.get(
    "/scorecard", response_model=ScorecardReport, dependencies=[RESULTS], responses=errors(403, 404)
)
async def get_scorecard(
    cycle_id: uuid.UUID, session: SessionDep, _: TenantCaller
) -> ScorecardReport:
    """Attainment per perspective for the enterprise, each department, post and employee
    (HR, admin, integration: it shows individual results)."""
    return await scorecard_service.scorecard(session, cycle_id)
