"""Pulling a closed campaign's answers from the reviews service's private feed.

Queued as a job when `reviews.campaign.closed` arrives (and again by a rebuild). The job
calls the reviews service directly (`ANALYTICS_REVIEWS_URL`; `/internal/` paths are not
proxied by the gateway) with the platform identity, through the typed contracts client
(`strata_contracts.reviews.client.ReviewsInternalClient`), replaces the campaign's facts, and
refreshes the results of every ratee. Answers of a closed campaign never change, so
pulling twice gives the same facts.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.projections.models import CampaignView, CommentFact, RatingFact
from strata_analytics.projections.repository import ProjectionRepository
from strata_analytics.results.service import result_service
from strata_contracts.identity import IdentityClaims
from strata_contracts.jobs import JobItemResult
from strata_contracts.reviews.client import ReviewsInternalClient
from strata_contracts.reviews.internal import ANALYTICS_SUBJECT, InternalAnswer
from strata_contracts.reviews.vocabulary import ItemKind
from strata_kit.identity import mint_identity_token
from strata_kit.jobs import JobContext, JobOutcome

KIND = "ratings.pull"
PAGE = 2000


@dataclass
class Pulled:
    """A campaign's answers as facts, and what the answers say about the campaign."""

    tenant: uuid.UUID
    campaign_id: uuid.UUID
    ratings: list[RatingFact] = field(default_factory=list)
    comments: list[CommentFact] = field(default_factory=list)
    template_id: uuid.UUID | None = None
    threshold: int | None = None
    cycle_id: uuid.UUID | None = None
    closed_at: datetime | None = None

    def add(self, answer: InternalAnswer) -> None:
        self.template_id, self.threshold = answer.template_id, answer.anonymity_threshold
        self.cycle_id, self.closed_at = answer.cycle_id, answer.closed_at
        if answer.kind is ItemKind.RATING and answer.value is not None:
            assert answer.competency_id is not None
            self.ratings.append(
                RatingFact(
                    tenant_id=self.tenant,
                    campaign_id=self.campaign_id,
                    cycle_id=answer.cycle_id,
                    ratee_id=answer.ratee_id,
                    relationship=answer.relationship.value,
                    rater_key=answer.rater_key,
                    rater_employee_id=answer.rater_employee_id,
                    competency_id=answer.competency_id,
                    competency_key=answer.competency_key or "",
                    competency_name=answer.competency_name or "",
                    item_id=answer.item_id,
                    item_text=answer.item_text[:1000],
                    value=answer.value,
                    scale_min=answer.scale_min or 0,
                    scale_max=answer.scale_max or 0,
                    anonymity_threshold=answer.anonymity_threshold,
                )
            )
        elif answer.comment:
            self.comments.append(
                CommentFact(
                    tenant_id=self.tenant,
                    campaign_id=self.campaign_id,
                    ratee_id=answer.ratee_id,
                    relationship=answer.relationship.value,
                    rater_key=answer.rater_key,
                    item_id=answer.item_id,
                    item_text=answer.item_text[:1000],
                    comment=answer.comment[:8000],
                )
            )


class PullRatings:
    def __init__(self, http: Callable[[], httpx.AsyncClient], secret: str) -> None:
        self.http = http
        self.secret = secret

    async def _pull(self, job: JobContext, campaign_id: uuid.UUID) -> Pulled:
        """Every page of the campaign's answers, through the typed reviews client."""
        token = mint_identity_token(IdentityClaims(subject=ANALYTICS_SUBJECT), self.secret, 600)
        pulled = Pulled(job.tenant_id, campaign_id)
        cursor: str | None = None
        async with self.http() as http:
            reviews = ReviewsInternalClient(http, identity_token=token)
            while True:
                page = await reviews.answers(job.tenant_id, campaign_id, limit=PAGE, cursor=cursor)
                for answer in page.items:
                    pulled.add(answer)
                await job.report(len(pulled.ratings) + len(pulled.comments))
                cursor = page.next_cursor
                if not cursor:
                    return pulled

    async def __call__(self, session: AsyncSession, job: JobContext) -> JobOutcome:
        campaign_id = uuid.UUID(job.payload["campaign_id"])
        tenant = job.tenant_id
        pulled = await self._pull(job, campaign_id)
        ratings, comments = pulled.ratings, pulled.comments
        repo = ProjectionRepository(session)
        await repo.replace_campaign_answers(tenant, campaign_id, ratings, comments)
        campaign = await repo.get(CampaignView, tenant, campaign_id)
        if campaign is None:
            campaign = CampaignView(
                tenant_id=tenant,
                id=campaign_id,
                cycle_id=pulled.cycle_id or uuid.UUID(int=0),
                closed_at=pulled.closed_at or datetime.now(UTC),
            )
        campaign.template_id = pulled.template_id
        campaign.anonymity_threshold = pulled.threshold
        campaign.ratings = len(ratings)
        campaign.ratings_pulled_at = datetime.now(UTC)
        session.add(campaign)
        await session.flush()
        for ratee in sorted({r.ratee_id for r in ratings}):
            await result_service.refresh(session, tenant, ratee, campaign.cycle_id)
        return JobOutcome(
            results=[JobItemResult(index=0, outcome="updated")],
            summary={"ratings": len(ratings), "comments": len(comments)},
        )
