"""Applying feed events and reporting freshness."""

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.ingest.models import IngestedEvent
from strata_analytics.ingest.repository import IngestRepository
from strata_analytics.projections.service import projection_service
from strata_analytics.ratings.pull import KIND as PULL
from strata_contracts.analytics.ingest import (
    IngestedEventRead,
    IngestionStatus,
    PullFailure,
    SourceStatus,
)
from strata_contracts.events import FeedEvent
from strata_contracts.pagination import Page
from strata_kit.pagination import PageParams

CONSUMER = "analytics"
FAILING_PULLS_SHOWN = 20


class IngestService:
    async def apply(self, session: AsyncSession, event: FeedEvent) -> None:
        """Store one event (once). Runs in the consumer's cross-tenant transaction."""
        repository = IngestRepository(session)
        if await repository.exists(event.tenant_id, event.id):
            return
        repository.add(
            IngestedEvent(
                tenant_id=event.tenant_id,
                id=event.id,
                type=event.type,
                source=event.type.split(".", 1)[0],
                schema_version=event.version,
                subject=event.subject,
                occurred_at=event.occurred_at,
                position=event.position,
                data=event.data,
            )
        )
        await projection_service.apply(session, event)

    async def status(self, session: AsyncSession) -> IngestionStatus:
        repository = IngestRepository(session)
        sources = [
            SourceStatus(source=s, events=n, last_occurred_at=o, last_applied_at=a)
            for s, n, o, a in sorted(await repository.per_source())
        ]
        types = await repository.per_type()
        cursor = await repository.cursor(CONSUMER)  # platform-level: one for all tenants
        failing = [
            PullFailure(
                job_id=job.id,
                campaign_id=job.payload.get("campaign_id"),
                status=job.status,
                attempts=job.attempts,
                error=job.error,
                next_attempt_at=job.next_attempt_at,
                updated_at=job.updated_at,
            )
            for job in await repository.failing_jobs(PULL, FAILING_PULLS_SHOWN)
        ]
        return IngestionStatus(
            position=cursor.position if cursor else 0,
            consumer_updated_at=cursor.updated_at if cursor else None,
            sources=sources,
            types=types,
            pulls=await repository.jobs_per_status(PULL),
            failing_pulls=failing,
        )

    async def events(
        self, session: AsyncSession, params: PageParams, types: list[str]
    ) -> Page[IngestedEventRead]:
        return await IngestRepository(session).events_page(params, types)


ingest_service = IngestService()
