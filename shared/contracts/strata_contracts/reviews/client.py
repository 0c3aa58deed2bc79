"""Typed async client of the reviews service's API (through the gateway)."""

from uuid import UUID

from strata_contracts.client import ServiceClient, StrataApi
from strata_contracts.pagination import Page
from strata_contracts.reviews.campaigns import CampaignRead
from strata_contracts.reviews.completion import CampaignCompletion
from strata_contracts.reviews.internal import INTERNAL_ANSWERS_PATH, InternalAnswerPage
from strata_contracts.reviews.results import RateeResults, RateeResultsSummary
from strata_contracts.reviews.vocabulary import CampaignStatus


class ReviewsClient(StrataApi):
    prefix = "/api/v1/reviews"

    # --- campaigns ------------------------------------------------------------------

    async def get_campaign(self, campaign_id: UUID) -> CampaignRead:
        """One campaign of the caller's tenant (404 `ApiError` when unknown)."""
        return await self.request("GET", f"{self.prefix}/campaigns/{campaign_id}", CampaignRead)

    async def list_campaigns(
        self,
        *,
        cycle_id: UUID | None = None,
        status: CampaignStatus | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[CampaignRead]:
        """A page of campaigns, optionally of one performance cycle or in one status."""
        params: dict[str, str | int | None] = {
            "cycle_id": str(cycle_id) if cycle_id else None,
            "status": status.value if status else None,
            "limit": limit,
            "cursor": cursor,
        }
        return await self.request(
            "GET", f"{self.prefix}/campaigns", Page[CampaignRead], params=params
        )

    async def get_completion(self, campaign_id: UUID) -> CampaignCompletion:
        """Completion counts of a campaign, per relationship and department."""
        return await self.request(
            "GET", f"{self.prefix}/campaigns/{campaign_id}/completion", CampaignCompletion
        )

    # --- results --------------------------------------------------------------------

    async def get_results(self, campaign_id: UUID, ratee_id: UUID) -> RateeResults:
        """A ratee's anonymised results of a closed campaign (the feedback pre-read)."""
        return await self.request(
            "GET", f"{self.prefix}/campaigns/{campaign_id}/results/{ratee_id}", RateeResults
        )

    async def list_results(
        self,
        ratee_id: UUID,
        *,
        cycle_id: UUID | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[RateeResultsSummary]:
        """A ratee's results per closed campaign, optionally of one performance cycle."""
        params: dict[str, str | int | None] = {
            "ratee_id": str(ratee_id),
            "cycle_id": str(cycle_id) if cycle_id else None,
            "limit": limit,
            "cursor": cursor,
        }
        return await self.request(
            "GET", f"{self.prefix}/results", Page[RateeResultsSummary], params=params
        )


class ReviewsInternalClient(ServiceClient):
    """The reviews service's private feed of a closed campaign's answers, called service
    to service with the platform identity (`identity_token`): `/internal/` paths are not
    proxied by the gateway, so the `httpx.AsyncClient` points at the reviews service."""

    async def answers(
        self,
        tenant_id: UUID,
        campaign_id: UUID,
        *,
        limit: int = 2000,
        cursor: str | None = None,
    ) -> InternalAnswerPage:
        """One page of the campaign's answers in the tenant; follow `next_cursor`."""
        params: dict[str, str | int | None] = {
            "tenant": str(tenant_id),
            "campaign_id": str(campaign_id),
            "limit": limit,
            "cursor": cursor,
        }
        return await self.request("GET", INTERNAL_ANSWERS_PATH, InternalAnswerPage, params=params)
