from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from strata_analytics.ingest.rebuild import KIND
from strata_analytics.ingest.service import ingest_service
from strata_analytics.models import Job
from strata_analytics.openapi import errors
from strata_contracts.analytics.ingest import IngestedEventRead, IngestionStatus
from strata_contracts.identity import Role
from strata_contracts.jobs import JobRead
from strata_contracts.pagination import Page
from strata_kit.db import SessionDep
from strata_kit.identity import TenantIdentity, require_roles
from strata_kit.jobs import job_read, submit_job
from strata_kit.pagination import PageParams, page_params

router = APIRouter(prefix="/api/v1/analytics/ingestion", tags=["ingestion"])
Reader = Annotated[TenantIdentity, require_roles(Role.ADMIN, Role.HR, Role.INTEGRATION)]
Admin = Annotated[TenantIdentity, require_roles(Role.ADMIN, Role.HR)]
_errors = errors()


@router.get("/status", response_model=IngestionStatus, responses=_errors)
async def get_ingestion_status(session: SessionDep, _: Reader) -> IngestionStatus:
    """How fresh analytics is: events applied per source and type, and the feed position."""
    return await ingest_service.status(session)


@router.post(
    "/rebuild", response_model=JobRead, status_code=status.HTTP_202_ACCEPTED, responses=_errors
)
async def rebuild_ingestion(session: SessionDep, identity: Admin, response: Response) -> JobRead:
    """Rebuild this tenant's read model from the source events; follow the returned job."""
    job = await submit_job(session, Job, kind=KIND, payload={}, total=0, identity=identity)
    response.headers["Location"] = f"/api/v1/analytics/jobs/{job.id}"
    return job_read(job)


@router.get("/events", response_model=Page[IngestedEventRead], responses=_errors)
async def list_ingested_events(
    session: SessionDep,
    _: Reader,
    params: Annotated[PageParams, Depends(page_params)],
    types: Annotated[str | None, Query(description="Comma-separated event types.")] = None,
) -> Page[IngestedEventRead]:
    """Events analytics has applied for this tenant, in feed order."""
    wanted = [t.strip() for t in (types or "").split(",") if t.strip()]
    return await ingest_service.events(session, params, wanted)
