"""The fairness reports of a campaign or a cycle: one read of its ratings (kept in
`ratings.cache` while they are unchanged), each report computed once from it
(`fairness.compute`)."""

import time
import uuid
from collections.abc import Callable

import structlog
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
from strata_analytics.fairness.wire import Served
from strata_analytics.ratings.cache import RatingsCache, generation, ratings_cache
from strata_contracts.problem import FieldProblem
from strata_kit.db import NO_TENANT
from strata_kit.errors import InvalidInput

log = structlog.get_logger()


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
        compute: Callable[[Scope], Served],
    ) -> Served:
        """A report of the scope, computed once per version of its ratings and kept with
        the scope as JSON (`fairness.wire`)."""
        scope = await self._scope(session, campaign_id, cycle_id)
        served = scope.reports.get(name)
        if not isinstance(served, Served):
            started = time.perf_counter()
            served = compute(scope)
            scope.reports[name] = served
            tenant = session.info.get("tenant_id", NO_TENANT)
            self.cache.grow(("fairness", tenant, campaign_id, cycle_id), served.nbytes)
            log.info(
                "fairness.report",
                report=name[0],
                rows=len(served.rows),
                compute_s=round(time.perf_counter() - started, 3),
            )
        return served

    async def bias(
        self, session: AsyncSession, campaign_id: uuid.UUID | None, cycle_id: uuid.UUID | None
    ) -> Served:
        """Rater bias, kept as JSON rows sorted by `rater_key`."""
        return await self._report(
            session,
            campaign_id,
            cycle_id,
            ("raters",),
            lambda scope: Served.of(bias_report(scope, campaign_id, cycle_id), "raters", RATER),
        )

    async def standardised(
        self,
        session: AsyncSession,
        campaign_id: uuid.UUID | None,
        cycle_id: uuid.UUID | None = None,
    ) -> Served:
        """Standardised group means, kept as JSON rows sorted by campaign, ratee, group."""
        return await self._report(
            session,
            campaign_id,
            cycle_id,
            ("standardised",),
            lambda scope: Served.of(
                standardised_report(scope, campaign_id, cycle_id), "groups", GROUP
            ),
        )

    async def reliability(
        self,
        session: AsyncSession,
        campaign_id: uuid.UUID | None,
        target: float,
        cycle_id: uuid.UUID | None = None,
    ) -> Served:
        if not 0 < target < 1:
            raise InvalidInput(
                "The target reliability is a fraction.",
                errors=[FieldProblem(pointer="/query/target", detail="must be in (0, 1)")],
            )
        return await self._report(
            session,
            campaign_id,
            cycle_id,
            ("reliability", target),
            lambda scope: Served.of(
                reliability_report(scope, campaign_id, cycle_id, target), "groups", GROUP
            ),
        )


RATER = ("rater_key",)
GROUP = ("campaign_id", "ratee_id", "relationship")


fairness_service = FairnessService()
