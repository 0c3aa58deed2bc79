"""Results: one anonymised document per ratee and closed campaign, the same for every
reader allowed to see it (the ratee, their manager, HR, integrations). The rules are in
`strata_reviews.results.anonymity`."""

from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.identity import IdentityClaims, Role
from strata_contracts.pagination import Page
from strata_contracts.reviews.results import (
    CompetencySummary,
    RateeResults,
    RateeResultsSummary,
)
from strata_contracts.reviews.vocabulary import CampaignStatus
from strata_kit.errors import Forbidden, InvalidInput, field
from strata_kit.pagination import PageParams, paginate
from strata_reviews.access import is_hr, is_line_manager, is_person
from strata_reviews.campaigns.exceptions import CampaignNotFound, RateeNotFound
from strata_reviews.campaigns.models import Campaign, CampaignRatee
from strata_reviews.campaigns.repository import CampaignRepository
from strata_reviews.results.anonymity import anonymise, group_thresholds
from strata_reviews.results.exceptions import ResultsNotReady
from strata_reviews.results.repository import ResultRepository
from strata_reviews.templates.service import template_service


def may_read_results(identity: IdentityClaims, ratee: CampaignRatee) -> bool:
    return (
        is_hr(identity)
        or identity.has_any(Role.INTEGRATION)
        or is_line_manager(identity, ratee.manager_id)
        or is_person(identity, ratee.employee_id)
    )


class ResultService:
    async def get(
        self, session: AsyncSession, identity: IdentityClaims, campaign_id: UUID, ratee_id: UUID
    ) -> RateeResults:
        repo = CampaignRepository(session)
        campaign = await repo.get(campaign_id)
        if campaign is None:
            raise CampaignNotFound(f"No campaign {campaign_id}.")
        ratee = await repo.get_ratee(campaign_id, ratee_id)
        if ratee is None:
            raise RateeNotFound(f"Employee {ratee_id} is not reviewed in this campaign.")
        if not may_read_results(identity, ratee):
            raise Forbidden("Results are for the ratee, their manager and HR.")
        return await self.compute(session, campaign, ratee)

    async def compute(
        self, session: AsyncSession, campaign: Campaign, ratee: CampaignRatee
    ) -> RateeResults:
        if campaign.status is not CampaignStatus.CLOSED or campaign.closed_at is None:
            raise ResultsNotReady("Results are available once the campaign is closed.")
        version = await template_service.load_version(session, campaign.template_version_id)
        rules = await CampaignRepository(session).rules(campaign.id)
        _, responses = await ResultRepository(session).responses(campaign.id, ratee.employee_id)
        document = anonymise(
            version,
            [r.relationship for r in rules],
            responses,
            k=campaign.anonymity_threshold,
            name_supervisor=campaign.name_supervisor,
            thresholds=group_thresholds(
                campaign.anonymity_threshold,
                {r.relationship: r.anonymity_threshold for r in rules},
            ),
        )
        return RateeResults(
            campaign_id=campaign.id,
            campaign_name=campaign.name,
            cycle_id=campaign.cycle_id,
            ratee_id=ratee.employee_id,
            ratee_name=ratee.name,
            anonymity_threshold=campaign.anonymity_threshold,
            closed_at=campaign.closed_at,
            scales=version.scales,
            groups=document.groups,
            competencies=document.competencies,
            questions=document.questions,
        )

    async def list_results(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        ratee_id: UUID | None,
        cycle_id: UUID | None,
        params: PageParams,
    ) -> Page[RateeResultsSummary]:
        """A ratee's results per closed campaign (default: the caller's own)."""
        ratee_id = ratee_id or identity.employee_id
        if ratee_id is None:
            raise InvalidInput("Name the ratee.", errors=[field("ratee_id", "required", "missing")])
        repo = CampaignRepository(session)
        statement = repo.campaigns_of_ratee(
            ratee_id, cycle_id=cycle_id, status=CampaignStatus.CLOSED
        )
        if not (
            is_hr(identity) or identity.has_any(Role.INTEGRATION) or is_person(identity, ratee_id)
        ):
            if not (identity.has_any(Role.MANAGER) and identity.employee_id is not None):
                raise Forbidden("Results are for the ratee, their manager and HR.")
            statement = statement.where(CampaignRatee.manager_id == identity.employee_id)
        page = await paginate(
            session,
            statement,
            sort=Campaign.closed_at,  # type: ignore[arg-type]
            id_column=Campaign.id,  # type: ignore[arg-type]
            params=params,
            to_item=lambda row: row,
        )
        ratees = await repo.ratees_by_keys({(c.id, ratee_id) for c in page.items})
        items = []
        for campaign in page.items:
            results = await self.compute(session, campaign, ratees[(campaign.id, ratee_id)])
            items.append(
                RateeResultsSummary(
                    campaign_id=results.campaign_id,
                    campaign_name=results.campaign_name,
                    cycle_id=results.cycle_id,
                    ratee_id=results.ratee_id,
                    closed_at=results.closed_at,
                    competencies=[
                        CompetencySummary(
                            competency_id=c.competency_id,
                            key=c.key,
                            name=c.name,
                            self_mean=c.self_assessment.mean if c.self_assessment else None,
                            all_raters_mean=c.all_raters.mean if c.all_raters else None,
                            all_raters_count=c.all_raters.count if c.all_raters else 0,
                        )
                        for c in results.competencies
                    ],
                )
            )
        return Page[RateeResultsSummary](items=items, next_cursor=page.next_cursor)


result_service = ResultService()
