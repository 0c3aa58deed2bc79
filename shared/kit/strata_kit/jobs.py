"""Jobs: long or bulk work accepted at once (202) and carried out in the background.

A service declares `class Job(JobFields, <Service>Model, table=True)` and passes
`jobs=JobSpec(table=Job, handlers={"employees.upsert": handler, ...})` to the app factory.
`submit_job(...)` stores a queued row in the request's transaction (so a job exists only if
the request committed); a `JobRunner` in every replica claims queued jobs (`FOR UPDATE SKIP
LOCKED` on PostgreSQL), runs the handler in a session bound to the job's tenant, and records
progress and per-row results. A job that was running when its process died is picked up
again after `stale_after` (handlers are idempotent upserts).

A handler that raises (the database or another service away, a bug) does not end its job:
it is queued again after a pause that doubles each time (`retry_base_seconds`, at most
`retry_max_seconds`), keeping its last error, `attempts` and `next_attempt_at`; after
`max_attempts` it is `dead`. A handler that returns an error (its input refused, e.g. an
all-or-nothing import with a bad row) is `failed` at once: running it again would not help.
"""

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query
from sqlalchemy import JSON, or_
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.identity import IdentityClaims, Role
from strata_contracts.jobs import JobItemResult, JobRead, JobStatus
from strata_contracts.pagination import Page
from strata_kit.background import BackgroundWorker
from strata_kit.db import SessionDep, UtcDateTime, allow_cross_tenant, bind_tenant, utcnow
from strata_kit.errors import NotFound
from strata_kit.identity import TenantCaller, TenantIdentity
from strata_kit.logging import get_logger
from strata_kit.pagination import PageParams, page_params, paginate
from strata_kit.problems import ProblemResponses

log = get_logger(__name__)


class JobFields(SQLModel):
    kind: str = Field(max_length=64)
    status: str = Field(default="queued", max_length=16, index=True)
    all_or_nothing: bool = False
    total: int = 0
    processed: int = 0
    succeeded: int = 0
    failed: int = 0
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    results: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    summary: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    error: str | None = Field(default=None, max_length=2000)
    requested_by: str = Field(default="", max_length=200)
    requested_by_employee_id: uuid.UUID | None = None
    requested_roles: list[str] = Field(default_factory=list, sa_type=JSON)
    started_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    heartbeat_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


J = TypeVar("J", bound=JobFields)


@dataclass
class JobContext:
    """What a handler gets: the job's input, who asked, and a way to report progress."""

    job_id: uuid.UUID
    tenant_id: uuid.UUID
    payload: dict[str, Any]
    all_or_nothing: bool
    identity: IdentityClaims
    report: Callable[[int], Awaitable[None]]


@dataclass
class JobOutcome:
    results: list[JobItemResult]
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


Handler = Callable[[AsyncSession, JobContext], Awaitable[JobOutcome]]


@dataclass(frozen=True)
class JobSpec:
    table: type[Any]
    handlers: Mapping[str, Handler]


async def submit_job(
    session: AsyncSession,
    table: type[J],
    *,
    kind: str,
    payload: dict[str, Any],
    total: int,
    identity: IdentityClaims,
    all_or_nothing: bool = False,
) -> J:
    """Queue a job in the current transaction and wake the runner after commit."""
    job = table(
        kind=kind,
        payload=payload,
        total=total,
        all_or_nothing=all_or_nothing,
        requested_by=identity.subject,
        requested_by_employee_id=identity.employee_id,
        requested_roles=sorted(identity.roles),
    )
    session.add(job)
    await session.flush()
    session.info["jobs_submitted"] = True
    return job


def job_read(job: Any) -> JobRead:
    return JobRead(
        id=job.id,
        kind=job.kind,
        status=job.status,
        all_or_nothing=job.all_or_nothing,
        total=job.total,
        processed=job.processed,
        succeeded=job.succeeded,
        failed=job.failed,
        error=job.error,
        attempts=job.attempts,
        next_attempt_at=job.next_attempt_at,
        results=[JobItemResult.model_validate(r) for r in job.results],
        summary=job.summary,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


class JobRunner(BackgroundWorker):
    name = "job.runner"

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        spec: JobSpec,
        *,
        idle_seconds: float = 0.5,
        stale_after: timedelta = timedelta(minutes=5),
        max_attempts: int = 5,
        retry_base_seconds: float = 5.0,
        retry_max_seconds: float = 300.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__()
        self.sessionmaker = sessionmaker
        self.table: Any = spec.table
        self.handlers = dict(spec.handlers)
        self.idle_seconds = idle_seconds
        self.stale_after = stale_after
        self.max_attempts = max_attempts
        self.retry_base_seconds = retry_base_seconds
        self.retry_max_seconds = retry_max_seconds
        self.clock = clock

    def retry_delay(self, attempts: int) -> timedelta:
        """The pause after the `attempts`-th failed attempt: base, 2 x base, 4 x base, ..."""
        seconds = self.retry_base_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.retry_max_seconds))

    async def tick(self) -> bool:
        return await self.run_once()

    async def _claim(self) -> Any | None:
        table = self.table
        now = self.clock()
        async with self.sessionmaker() as session:
            allow_cross_tenant(session)
            statement = (
                select(table)
                .where(
                    or_(
                        (col(table.status) == "queued")
                        & or_(
                            col(table.next_attempt_at).is_(None),
                            col(table.next_attempt_at) <= now,
                        ),
                        (col(table.status) == "running")
                        & (col(table.heartbeat_at) < now - self.stale_after),
                    )
                )
                .order_by(col(table.created_at))
                .limit(1)
            )
            if session.get_bind().dialect.name == "postgresql":
                statement = statement.with_for_update(skip_locked=True)
            job = (await session.exec(statement)).first()
            if job is None:
                await session.rollback()
                return None
            if job.status == "running" and job.attempts >= self.max_attempts:
                # Its process stopped in the middle of every attempt: give up on it.
                job.status, job.finished_at, job.next_attempt_at = "dead", now, None
                job.error = job.error or "the process running it stopped on every attempt"
                session.add(job)
                await session.commit()
                log.error("job.dead", job_id=str(job.id), kind=job.kind, attempts=job.attempts)
                return await self._claim()
            job.status, job.started_at, job.heartbeat_at = "running", now, now
            job.attempts, job.next_attempt_at = job.attempts + 1, None
            job.processed = job.succeeded = job.failed = 0
            session.add(job)
            await session.commit()
            return job

    async def run_once(self) -> bool:
        """Run one queued job to its end; False when there was none."""
        job = await self._claim()
        if job is None:
            return False
        handler = self.handlers.get(job.kind)
        identity = IdentityClaims(
            subject=job.requested_by,
            tenant_id=job.tenant_id,
            employee_id=job.requested_by_employee_id,
            roles=frozenset(job.requested_roles),
        )
        key = (job.tenant_id, job.id)
        live_progress = self.sessionmaker.kw["bind"].dialect.name != "sqlite"
        reported = [0]

        async def report(processed: int) -> None:
            # SQLite has one writer at a time and the handler's transaction is writing, so
            # there progress shows when the job ends; PostgreSQL shows it as it goes.
            reported[0] = processed
            if not live_progress:
                return
            async with self.sessionmaker() as progress:
                bind_tenant(progress, job.tenant_id)
                row = await progress.get(self.table, key)
                if row is not None:
                    row.processed, row.heartbeat_at = processed, utcnow()
                    progress.add(row)
                    await progress.commit()

        context = JobContext(
            job.id, job.tenant_id, job.payload, job.all_or_nothing, identity, report
        )
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            async with self.sessionmaker() as session:
                bind_tenant(session, job.tenant_id)
                outcome = await handler(session, context)
                if outcome.error is None:
                    await session.commit()
                else:
                    await session.rollback()
        except Exception as exc:  # the attempt fails; the job is retried, the runner goes on
            error = f"{type(exc).__name__}: {exc}"[:2000]
            await self._attempt_failed(job, key, error)
            return True
        async with self.sessionmaker() as session:
            bind_tenant(session, job.tenant_id)
            row = await session.get(self.table, key)
            if row is not None:
                row.results = [r.model_dump(mode="json") for r in outcome.results]
                row.summary = outcome.summary
                row.succeeded = sum(r.outcome not in ("failed", "skipped") for r in outcome.results)
                row.failed = sum(r.outcome == "failed" for r in outcome.results)
                if outcome.error is None:
                    row.processed = reported[0] or row.total
                    row.total = row.total or row.processed  # a total learnt while working
                else:
                    row.processed = reported[0]
                row.error = outcome.error
                row.next_attempt_at = None
                row.status = "failed" if outcome.error else "succeeded"
                row.finished_at = utcnow()
                session.add(row)
                await session.commit()
        log.info(
            "job.finished",
            job_id=str(job.id),
            kind=job.kind,
            status="failed" if outcome.error else "succeeded",
        )
        return True

    async def _attempt_failed(self, job: Any, key: tuple[uuid.UUID, uuid.UUID], error: str) -> None:
        """Queue the job again after its backoff, or mark it dead after its last attempt."""
        async with self.sessionmaker() as session:
            bind_tenant(session, job.tenant_id)
            row = await session.get(self.table, key)
            if row is None:
                return
            row.error, row.results, row.processed = error, [], 0
            if row.attempts >= self.max_attempts:
                row.status, row.finished_at, row.next_attempt_at = "dead", self.clock(), None
            else:
                row.status = "queued"
                row.next_attempt_at = self.clock() + self.retry_delay(row.attempts)
            session.add(row)
            await session.commit()
            if row.status == "dead":
                log.error(
                    "job.dead",
                    job_id=str(job.id),
                    kind=job.kind,
                    attempts=row.attempts,
                    error=error[:300],
                )
            else:
                log.warning(
                    "job.retry_scheduled",
                    job_id=str(job.id),
                    kind=job.kind,
                    attempts=row.attempts,
                    next_attempt_at=row.next_attempt_at.isoformat(),
                    error=error[:300],
                )


def jobs_router(service: str, table: type[Any]) -> APIRouter:
    """`GET /api/v1/<service>/jobs` and `/jobs/{job_id}`: a caller sees the jobs they
    submitted; HR and admins see the tenant's."""
    router = APIRouter(prefix=f"/api/v1/{service}/jobs", tags=["jobs"])
    errors = ProblemResponses(
        always=(401, 404), descriptions={401: None, 404: "No such job visible to the caller."}
    )()

    def visible(statement: Any, identity: TenantIdentity) -> Any:
        if identity.has_any(Role.ADMIN, Role.HR):
            return statement
        return statement.where(col(table.requested_by) == identity.subject)

    @router.get("", response_model=Page[JobRead], responses=errors, name="list_jobs")
    async def list_jobs(
        session: SessionDep,
        identity: TenantCaller,
        params: Annotated[PageParams, Depends(page_params)],
        status: Annotated[
            JobStatus | None,
            Query(description="Only jobs in this state (`dead`: given up after every retry)."),
        ] = None,
    ) -> Page[JobRead]:
        """Jobs, newest last; HR and admins see every job of the tenant."""
        statement = select(table)
        if status is not None:
            statement = statement.where(col(table.status) == status)
        return await paginate(
            session,
            visible(statement, identity),
            sort=col(table.created_at),
            id_column=col(table.id),
            params=params,
            to_item=job_read,
            updated_column=col(table.updated_at),
        )

    @router.get("/{job_id}", response_model=JobRead, responses=errors, name="get_job")
    async def get_job(session: SessionDep, identity: TenantCaller, job_id: uuid.UUID) -> JobRead:
        """A job's status, progress and, once finished, per-row results."""
        statement = visible(select(table).where(col(table.id) == job_id), identity)
        job = (await session.exec(statement)).first()
        if job is None:
            raise NotFound("No such job.")
        return job_read(job)

    return router
