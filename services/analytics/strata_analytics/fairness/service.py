"""The fairness reports of a campaign or a cycle: one read of its ratings (kept in
`ratings.cache` while they are unchanged), each report computed once from it
(`fairness.compute`)."""

import time
import uuid
from collections.abc import Callable
from typing import cast

import structlog
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.fairness.compute import (
    Scope,
    bias_report,
    build_scope,
    reliability_report,
    standardised_report,
)
from strata_analytics.fairness.exceptions import CampaignNotFound
from strata_analytics.fairness.repository import FairnessRepository
from strata_analytics.ratings.cache import RatingsCache, generation, ratings_cache
from strata_contracts.analytics.fairness import (
    RaterBiasReport,
    ReliabilityReport,
    StandardisedReport,
)
from strata_contracts.problem import FieldProblem
from strata_kit.db import NO_TENANT
from strata_kit.errors import InvalidInput

log = structlog.get_logger()


REPORT_BYTES_PER_ROW = 1500
"""What one row of a kept report costs in memory (a pydantic model of ~20 fields), for the
cache's budget; measured with tracemalloc on a cycle's raters."""


class FairnessService:
    def __init__(self, cache: RatingsCache = ratings_cache) -> None:
        self.cache = cache

    async def _scope(
        self,
        session: AsyncSession,
        campaign_id: uuid.UUID | None,
        cycle_id: uuid.UUID | None,
    ) -> Scope:
        """The scope's publishable columns: from the cache while the ratings are unchanged,
        else read once (one COPY) and kept for every statistic (`ratings.cache`)."""
        repo = FairnessRepository(session)
        if campaign_id is None and cycle_id is None:
            raise InvalidInput(
                "Name a campaign or a cycle.",
                errors=[
                    FieldProblem(pointer="/query/campaign_id", detail="campaign_id or cycle_id")
                ],
            )
        written = generation()  # before the version: a write after it is seen next time
        campaigns = await repo.version(campaign_id=campaign_id, cycle_id=cycle_id)
        if campaign_id is not None and not campaigns:
            raise CampaignNotFound(f"No closed campaign {campaign_id} in analytics.")
        tenant = session.info.get("tenant_id", NO_TENANT)

        async def build() -> Scope:
            started = time.perf_counter()
            columns = await repo.columns(campaign_id=campaign_id, cycle_id=cycle_id)
            read = time.perf_counter()
            scope = build_scope(columns)
            log.info(
                "fairness.scope",
                ratings=columns.size,
                publishable=scope.rows.size,
                read_s=round(read - started, 3),
                filter_s=round(time.perf_counter() - read, 3),
                cached_bytes=scope.nbytes,
            )
            return scope

        key = ("fairness", tenant, campaign_id, cycle_id)
        scope: Scope = await self.cache.get_or_build(
            key, (written, campaigns), build, lambda built: built.nbytes
        )
        return scope

    async def _report(
        self,
        session: AsyncSession,
        campaign_id: uuid.UUID | None,
        cycle_id: uuid.UUID | None,
        name: tuple[object, ...],
        compute: Callable[[Scope], BaseModel],
    ) -> BaseModel:
        """A report of the scope, computed once per version of its ratings."""
        scope = await self._scope(session, campaign_id, cycle_id)
        report = scope.reports.get(name)
        if report is None:
            report = compute(scope)
            scope.reports[name] = report
            rows = getattr(report, "raters", None) or getattr(report, "groups", [])
            tenant = session.info.get("tenant_id", NO_TENANT)
            self.cache.grow(
                ("fairness", tenant, campaign_id, cycle_id), REPORT_BYTES_PER_ROW * len(rows)
            )
        return report

    async def bias(
        self,
        session: AsyncSession,
        campaign_id: uuid.UUID | None,
        cycle_id: uuid.UUID | None,
    ) -> RaterBiasReport:
        report = await self._report(
            session,
            campaign_id,
            cycle_id,
            ("raters",),
            lambda scope: bias_report(scope, campaign_id, cycle_id),
        )
        return cast(RaterBiasReport, report)

    async def standardised(
        self,
        session: AsyncSession,
        campaign_id: uuid.UUID | None,
        cycle_id: uuid.UUID | None = None,
    ) -> StandardisedReport:
        report = await self._report(
            session,
            campaign_id,
            cycle_id,
            ("standardised",),
            lambda scope: standardised_report(scope, campaign_id, cycle_id),
        )
        return cast(StandardisedReport, report)

    async def reliability(
        self,
        session: AsyncSession,
        campaign_id: uuid.UUID | None,
        target: float,
        cycle_id: uuid.UUID | None = None,
    ) -> ReliabilityReport:
        if not 0 < target < 1:
            raise InvalidInput(
                "The target reliability is a fraction.",
                errors=[FieldProblem(pointer="/query/target", detail="must be in (0, 1)")],
            )
        report = await self._report(
            session,
            campaign_id,
            cycle_id,
            ("reliability", target),
            lambda scope: reliability_report(scope, campaign_id, cycle_id, target),
        )
        return cast(ReliabilityReport, report)


fairness_service = FairnessService()
