import uuid
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select

from strata_analytics.ingest.models import IngestedEvent
from strata_analytics.models import ConsumerCursor, Job
from strata_contracts.analytics.ingest import IngestedEventRead
from strata_contracts.pagination import Page
from strata_kit.pagination import PageParams, paginate
from strata_kit.repository import Repository


class IngestRepository(Repository[IngestedEvent]):
    model = IngestedEvent

    async def exists(self, tenant_id: uuid.UUID, event_id: uuid.UUID) -> bool:
        return await self.session.get(IngestedEvent, (tenant_id, event_id)) is not None

    async def per_source(self) -> list[tuple[str, int, datetime | None, datetime | None]]:
        statement = select(
            IngestedEvent.source,
            func.count(),
            func.max(IngestedEvent.occurred_at),
            func.max(IngestedEvent.applied_at),
        ).group_by(IngestedEvent.source)
        return [(s, int(n), o, a) for s, n, o, a in (await self.session.exec(statement)).all()]

    async def per_type(self) -> dict[str, int]:
        statement = select(IngestedEvent.type, func.count()).group_by(IngestedEvent.type)
        return {t: int(n) for t, n in (await self.session.exec(statement)).all()}

    async def jobs_per_status(self, kind: str) -> dict[str, int]:
        statement = (
            select(Job.status, func.count()).where(col(Job.kind) == kind).group_by(Job.status)
        )
        return {s: int(n) for s, n in (await self.session.exec(statement)).all()}

    async def failing_jobs(self, kind: str, limit: int) -> list[Job]:
        """Jobs of `kind` whose last attempt failed: waiting for a retry, or dead."""
        statement = (
            select(Job)
            .where(
                col(Job.kind) == kind,
                col(Job.error).is_not(None),
                col(Job.status).in_(("queued", "running", "failed", "dead")),
            )
            .order_by(col(Job.updated_at).desc())
            .limit(limit)
        )
        return list((await self.session.exec(statement)).all())

    async def cursor(self, name: str) -> ConsumerCursor | None:
        return await self.session.get(ConsumerCursor, name)

    async def events_page(self, params: PageParams, types: list[str]) -> Page[IngestedEventRead]:
        statement = select(IngestedEvent)
        if types:
            statement = statement.where(col(IngestedEvent.type).in_(types))
        return await paginate(
            self.session,
            statement,
            sort=col(IngestedEvent.position),
            id_column=col(IngestedEvent.id),
            params=params,
            to_item=lambda row: IngestedEventRead(
                id=row.id,
                type=row.type,
                version=row.schema_version,
                subject=row.subject,
                occurred_at=row.occurred_at,
                position=row.position,
                applied_at=row.applied_at,
                data=row.data,
            ),
            updated_column=col(IngestedEvent.applied_at),
        )
