"""Rebuilding a tenant's read model from the source: replay its events from the hub.

The job deletes what analytics holds for the tenant, then pulls the tenant's events from
the gateway's feed from the beginning and applies each as the consumer would. Events the
consumer applies meanwhile are idempotent with it (same ids), so the two never conflict.
"""

from collections.abc import Callable

import httpx
from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.ingest.models import IngestedEvent
from strata_analytics.ingest.service import ingest_service
from strata_analytics.projections.repository import ProjectionRepository
from strata_analytics.results.models import OverallResult
from strata_contracts.events import EventFeedPage
from strata_contracts.identity import IDENTITY_HEADER, IdentityClaims
from strata_contracts.jobs import JobItemResult
from strata_kit.identity import mint_identity_token
from strata_kit.jobs import JobContext, JobOutcome
from strata_kit.relay import HUB_PATH

KIND = "ingestion.rebuild"
PAGE = 1000


class Rebuild:
    def __init__(self, http: Callable[[], httpx.AsyncClient], secret: str) -> None:
        self.http = http
        self.secret = secret

    async def __call__(self, session: AsyncSession, job: JobContext) -> JobOutcome:
        await session.exec(delete(IngestedEvent))  # the tenant guard keeps this to one tenant
        # What events built goes too (results unlocked by calibration are recomputed as the
        # events replay; pulled ratings stay, and closed campaigns queue a fresh pull).
        await ProjectionRepository(session).delete_tenant(job.tenant_id)
        await session.exec(delete(OverallResult).where(col(OverallResult.locked).is_(False)))
        token = mint_identity_token(IdentityClaims(subject="service:analytics"), self.secret, 600)
        applied, after = 0, 0
        async with self.http() as http:
            while True:
                response = await http.get(
                    HUB_PATH,
                    params={"after": after, "limit": PAGE, "tenant": str(job.tenant_id)},
                    headers={IDENTITY_HEADER: token},
                )
                response.raise_for_status()
                page = EventFeedPage.model_validate_json(response.content)
                if not page.items:
                    break
                for event in page.items:
                    await ingest_service.apply(session, event)
                await session.flush()
                applied += len(page.items)
                after = page.items[-1].position
                await job.report(applied)
        return JobOutcome(
            results=[JobItemResult(index=0, outcome="updated")],
            summary={"events_applied": applied, "last_position": after},
        )
