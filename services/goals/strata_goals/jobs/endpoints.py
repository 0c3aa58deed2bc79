from fastapi import APIRouter, Response, status

from strata_contracts.goals.jobs import ActualBulkJob, EmployeeBulkUpsertJob, OrgUnitBulkUpsertJob
from strata_contracts.identity import Role
from strata_contracts.jobs import JobRead
from strata_goals.api import ORG_WRITE, PREFIX, errors
from strata_goals.jobs.handlers import ACTUALS, EMPLOYEES, ORG_UNITS
from strata_goals.jobs.models import Job
from strata_kit.db import SessionDep
from strata_kit.identity import TenantCaller, require_roles
from strata_kit.jobs import job_read, submit_job

router = APIRouter(prefix=PREFIX, tags=["jobs"])
ACCEPTED = status.HTTP_202_ACCEPTED
BulkJob = OrgUnitBulkUpsertJob | EmployeeBulkUpsertJob | ActualBulkJob


async def _submit(
    session: SessionDep, identity: TenantCaller, response: Response, kind: str, body: BulkJob
) -> JobRead:
    payload = body.model_dump(mode="json")
    job = await submit_job(
        session,
        Job,
        kind=kind,
        payload=payload,
        total=len(payload["items"]),
        identity=identity,
        all_or_nothing=payload["all_or_nothing"],
    )
    response.headers["Location"] = f"{PREFIX}/jobs/{job.id}"
    return job_read(job)


@router.post(
    "/org-units/bulk-upsert/jobs",
    dependencies=[ORG_WRITE],
    responses=errors(403, 422),
    status_code=ACCEPTED,
    response_model=JobRead,
)
async def submit_org_units_job(
    body: OrgUnitBulkUpsertJob, session: SessionDep, identity: TenantCaller, response: Response
) -> JobRead:
    """Upsert org units by HRIS key in the background; follow the returned job."""
    return await _submit(session, identity, response, ORG_UNITS, body)


@router.post(
    "/employees/bulk-upsert/jobs",
    dependencies=[ORG_WRITE],
    responses=errors(403, 422),
    status_code=ACCEPTED,
    response_model=JobRead,
)
async def submit_employees_job(
    body: EmployeeBulkUpsertJob, session: SessionDep, identity: TenantCaller, response: Response
) -> JobRead:
    """Upsert employees by HRIS key in the background, with one result per row."""
    return await _submit(session, identity, response, EMPLOYEES, body)


@router.post(
    "/actuals/bulk/jobs",
    dependencies=[require_roles(Role.HR, Role.ADMIN, Role.INTEGRATION)],
    responses=errors(403, 422),
    status_code=ACCEPTED,
    response_model=JobRead,
)
async def submit_actuals_job(
    body: ActualBulkJob, session: SessionDep, identity: TenantCaller, response: Response
) -> JobRead:
    """Record actuals for many employees in the background, with one result per row."""
    return await _submit(session, identity, response, ACTUALS, body)
