"""Results applied: compensation, the merit matrix, recommendation runs, decisions, training
programmes and their effectiveness. Pay data and recommendations are HR's and admins' only."""

import uuid
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status

from strata_analytics.applied.amend import result_amendments
from strata_analytics.applied.compensation import compensation_service
from strata_analytics.applied.needs import training_needs_service
from strata_analytics.applied.promotion import promotion_service
from strata_analytics.applied.rules import Guard
from strata_analytics.applied.runs import run_service
from strata_analytics.applied.training import training_service
from strata_analytics.openapi import errors
from strata_analytics.results.repository import ResultRepository
from strata_analytics.results.service import result_read
from strata_contracts.analytics.applied import (
    BonusRunCreate,
    CompensationImport,
    CompensationImportResult,
    CompensationRead,
    CompetencyRequirementsRead,
    CompetencyRequirementsWrite,
    DecisionCreate,
    EnrolmentList,
    EnrolmentsWrite,
    MeritMatrixRead,
    MeritMatrixWrite,
    MeritRunCreate,
    PromotionRunCreate,
    RatingAmendment,
    RecommendationRead,
    RunListItem,
    RunRead,
    TrainingEffectiveness,
    TrainingProgrammeCreate,
    TrainingProgrammeRead,
    TrainingRunCreate,
)
from strata_contracts.analytics.results import OverallResultRead
from strata_contracts.identity import Role
from strata_contracts.pagination import Page
from strata_kit.concurrency import check_if_match, set_etag
from strata_kit.db import SessionDep
from strata_kit.identity import TenantIdentity, require_roles
from strata_kit.pagination import PageParams, page_params

router = APIRouter(prefix="/api/v1/analytics", tags=["results applied"])
HR = Annotated[TenantIdentity, require_roles(Role.ADMIN, Role.HR)]
Params = Annotated[PageParams, Depends(page_params)]
IfMatch = Annotated[
    str | None,
    Header(description="The ETag you read; the decision answers 412 if it changed since."),
]


def guard(request: Request, if_match: IfMatch = None) -> Guard:
    """The If-Match check, applied to the recommendation once loaded (the header is
    declared here so the OpenAPI document shows it)."""
    return partial(check_if_match, request)


GuardDep = Annotated[Guard, Depends(guard)]


# --- compensation -------------------------------------------------------------------------


@router.put("/compensation", response_model=CompensationImportResult, responses=errors(422))
async def import_compensation(
    session: SessionDep, identity: HR, body: CompensationImport
) -> CompensationImportResult:
    """Import base salaries, currencies and range midpoints: every row valid or none stored."""
    return await compensation_service.import_compensation(session, identity, body)


@router.get("/compensation", response_model=Page[CompensationRead], responses=errors(422))
async def list_compensation(session: SessionDep, _: HR, params: Params) -> Page[CompensationRead]:
    """Every employee's compensation with the compa-ratio (HR and admins only)."""
    return await compensation_service.list_compensation(session, params)


@router.get("/compensation/{employee_id}", response_model=CompensationRead, responses=errors(404))
async def get_compensation(session: SessionDep, _: HR, employee_id: uuid.UUID) -> CompensationRead:
    """One employee's compensation and compa-ratio (HR and admins only)."""
    return await compensation_service.get_compensation(session, employee_id)


# --- merit matrix -------------------------------------------------------------------------


@router.get("/merit-matrix", response_model=MeritMatrixRead, responses=errors())
async def get_merit_matrix(session: SessionDep, _: HR) -> MeritMatrixRead:
    """The tenant's merit matrix (rating band * compa-ratio band → increase %)."""
    return await compensation_service.matrix(session)


@router.put("/merit-matrix", response_model=MeritMatrixRead, responses=errors(422))
async def set_merit_matrix(
    session: SessionDep, identity: HR, body: MeritMatrixWrite
) -> MeritMatrixRead:
    """Set the merit matrix: a row per rating band, an increase per compa-ratio band."""
    return await compensation_service.set_matrix(session, identity, body)


# --- runs ---------------------------------------------------------------------------------


@router.post(
    "/recommendation-runs/merit",
    response_model=RunRead,
    status_code=status.HTTP_201_CREATED,
    responses=errors(422),
)
async def create_merit_run(session: SessionDep, identity: HR, body: MeritRunCreate) -> RunRead:
    """Merit increases from the matrix within a budget (scaled when it is exceeded)."""
    return await compensation_service.merit_run(session, identity, body)


@router.post(
    "/recommendation-runs/bonus",
    response_model=RunRead,
    status_code=status.HTTP_201_CREATED,
    responses=errors(422),
)
async def create_bonus_run(session: SessionDep, identity: HR, body: BonusRunCreate) -> RunRead:
    """Share a bonus pool by base salary * band multiplier, to the cent (largest remainder)."""
    return await compensation_service.bonus_run(session, identity, body)


@router.post(
    "/recommendation-runs/promotion",
    response_model=RunRead,
    status_code=status.HTTP_201_CREATED,
    responses=errors(422),
)
async def create_promotion_run(
    session: SessionDep, identity: HR, body: PromotionRunCreate
) -> RunRead:
    """Promotion candidates from band streaks and competency minimums, with evidence."""
    return await promotion_service.promotion_run(session, identity, body)


@router.post(
    "/recommendation-runs/training",
    response_model=RunRead,
    status_code=status.HTTP_201_CREATED,
    responses=errors(409, 422),
)
async def create_training_run(
    session: SessionDep, identity: HR, body: TrainingRunCreate
) -> RunRead:
    """Training needs: competencies below the required level, ranked by gap."""
    return await training_needs_service.training_run(session, identity, body)


@router.get("/recommendation-runs", response_model=Page[RunListItem], responses=errors(422))
async def list_recommendation_runs(
    session: SessionDep,
    _: HR,
    params: Params,
    kind: Literal["merit", "bonus", "promotion", "training"] | None = None,
    cycle_id: uuid.UUID | None = None,
) -> Page[RunListItem]:
    """Recommendation runs with their summaries (budget, spend, scale factor …)."""
    return await run_service.runs(session, params, kind, cycle_id)


@router.get("/recommendation-runs/{run_id}", response_model=RunRead, responses=errors(404))
async def get_recommendation_run(session: SessionDep, _: HR, run_id: uuid.UUID) -> RunRead:
    """One run: parameters, summary, evidence and its recommendations."""
    return await run_service.run(session, run_id)


# --- recommendations ----------------------------------------------------------------------


@router.get("/recommendations", response_model=Page[RecommendationRead], responses=errors(422))
async def list_recommendations(
    session: SessionDep,
    _: HR,
    params: Params,
    kind: Literal["merit", "bonus", "promotion", "training"] | None = None,
    status: Literal["proposed", "accepted", "overridden"] | None = None,
    run_id: uuid.UUID | None = None,
    cycle_id: uuid.UUID | None = None,
    employee_id: uuid.UUID | None = None,
) -> Page[RecommendationRead]:
    """Recommendations with their inputs and decisions, filterable."""
    return await run_service.recommendations(
        session,
        params,
        kind=kind,
        status=status,
        run_id=run_id,
        cycle_id=cycle_id,
        employee_id=employee_id,
    )


@router.get(
    "/recommendations/{recommendation_id}",
    response_model=RecommendationRead,
    responses=errors(404),
)
async def get_recommendation(
    session: SessionDep, _: HR, recommendation_id: uuid.UUID, response: Response
) -> RecommendationRead:
    """One recommendation with its inputs; the ETag is what a decision's If-Match names."""
    row = await run_service.recommendation_row(session, recommendation_id)
    set_etag(response, row)
    return await run_service.read(session, row)


@router.post(
    "/recommendations/{recommendation_id}/decision",
    response_model=RecommendationRead,
    responses=errors(404, 409, 412, 422, 428),
)
async def decide_recommendation(
    session: SessionDep,
    identity: HR,
    recommendation_id: uuid.UUID,
    body: DecisionCreate,
    check: GuardDep,
    response: Response,
) -> RecommendationRead:
    """Accept, or override with a value and a reason; publishes the decision for the HRIS."""
    row = await run_service.decide(session, identity, recommendation_id, body, check)
    set_etag(response, row)
    return await run_service.read(session, row)


# --- training -----------------------------------------------------------------------------


@router.get(
    "/competency-requirements", response_model=CompetencyRequirementsRead, responses=errors()
)
async def get_competency_requirements(session: SessionDep, _: HR) -> CompetencyRequirementsRead:
    """The level required per competency; a 360 mean below it is a training need."""
    return await training_service.requirements(session)


@router.put(
    "/competency-requirements", response_model=CompetencyRequirementsRead, responses=errors(422)
)
async def set_competency_requirements(
    session: SessionDep, identity: HR, body: CompetencyRequirementsWrite
) -> CompetencyRequirementsRead:
    """Replace the required levels per competency."""
    return await training_service.set_requirements(session, identity, body)


@router.post(
    "/training-programmes",
    response_model=TrainingProgrammeRead,
    status_code=status.HTTP_201_CREATED,
    responses=errors(422),
)
async def create_training_programme(
    session: SessionDep, identity: HR, body: TrainingProgrammeCreate
) -> TrainingProgrammeRead:
    """Record a training programme (optionally the competency it develops)."""
    return await training_service.create_programme(session, identity, body)


@router.get(
    "/training-programmes", response_model=Page[TrainingProgrammeRead], responses=errors(422)
)
async def list_training_programmes(
    session: SessionDep, _: HR, params: Params
) -> Page[TrainingProgrammeRead]:
    """Training programmes with enrolment and completion counts."""
    return await training_service.programmes(session, params)


@router.get(
    "/training-programmes/{programme_id}",
    response_model=TrainingProgrammeRead,
    responses=errors(404),
)
async def get_training_programme(
    session: SessionDep, _: HR, programme_id: uuid.UUID
) -> TrainingProgrammeRead:
    """One training programme."""
    return await training_service.programme(session, programme_id)


@router.get(
    "/training-programmes/{programme_id}/enrolments",
    response_model=EnrolmentList,
    responses=errors(404),
)
async def list_training_enrolments(
    session: SessionDep, _: HR, programme_id: uuid.UUID
) -> EnrolmentList:
    """Who is enrolled in the programme and who completed it when."""
    return await training_service.enrolments(session, programme_id)


@router.put(
    "/training-programmes/{programme_id}/enrolments",
    response_model=EnrolmentList,
    responses=errors(404, 422),
)
async def set_training_enrolments(
    session: SessionDep, identity: HR, programme_id: uuid.UUID, body: EnrolmentsWrite
) -> EnrolmentList:
    """Enrol employees or record completion dates: every row valid or none stored."""
    return await training_service.set_enrolments(session, identity, programme_id, body)


@router.get(
    "/training-programmes/{programme_id}/effectiveness",
    response_model=TrainingEffectiveness,
    responses=errors(404, 422),
)
async def training_effectiveness(
    session: SessionDep,
    identity: HR,
    programme_id: uuid.UUID,
    before_cycle_id: Annotated[
        uuid.UUID | None, Query(description="Required: the cycle before the training.")
    ] = None,
    after_cycle_id: Annotated[
        uuid.UUID | None, Query(description="Required: the cycle after the training.")
    ] = None,
    competency_key: str | None = None,
) -> TrainingEffectiveness:
    """Change before → after of the trained vs untrained peers: d_z, difference in
    differences, Hedges' g; groups below the anonymity threshold suppressed."""
    # The two cycles are checked after the programme is found, so another tenant's
    # programme answers 404 whatever the query.
    return await training_service.effectiveness(
        session, identity, programme_id, before_cycle_id, after_cycle_id, competency_key
    )


@router.post(
    "/results/{result_id}/amendments",
    response_model=OverallResultRead,
    responses=errors(404, 422),
)
async def amend_rating(
    session: SessionDep, identity: HR, result_id: uuid.UUID, body: RatingAmendment
) -> OverallResultRead:
    """An upheld appeal decides the band (HR; feedback calls it when an appeal is resolved
    with such an amendment): the result takes it and is locked with it, calibration entries
    follow, runs built on it turn stale and are proposed again (audited, published)."""
    row = await result_amendments.amend_rating(session, identity, result_id, body)
    people = await ResultRepository(session).employees({row.employee_id})
    return result_read(row, people.get(row.employee_id))
