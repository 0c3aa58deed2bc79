"""A campaign's lifecycle: opening it (every approved nomination and self-assessment is
invited) and closing it (answers frozen, results readable). Nominations and invitations
belong to the campaign, so both steps reach them through `ports.Participation`."""

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.identity import IdentityClaims
from strata_contracts.reviews import events
from strata_contracts.reviews.campaigns import CampaignRead
from strata_contracts.reviews.vocabulary import CampaignStatus, InvitationStatus, Relationship
from strata_kit.audit import record_audit, snapshot
from strata_kit.errors import field
from strata_kit.outbox import record_event
from strata_reviews.campaigns.exceptions import CampaignNotOpen, CampaignNotReady
from strata_reviews.campaigns.models import Campaign, CampaignRatee, CampaignRelationship
from strata_reviews.campaigns.ports import ApprovedRater, Participation
from strata_reviews.campaigns.repository import CampaignRepository
from strata_reviews.campaigns.service import campaign_read, campaign_service
from strata_reviews.campaigns.state import ensure_draft
from strata_reviews.models import AuditRecord, OutboxEvent


class CampaignLifecycle:
    async def open(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        campaign_id: UUID,
        now: datetime,
        people: Participation,
    ) -> CampaignRead:
        """Issue an invitation per approved nomination, and a self-assessment per ratee
        when the campaign asks for one. Every proposed nomination must be decided and
        every ratee must have the minimum number of raters per relationship."""
        repo = CampaignRepository(session)
        campaign = await campaign_service.get_row(session, campaign_id)
        ensure_draft(campaign)
        if now >= campaign.closes_at:
            raise CampaignNotReady(
                "The closing date has passed; move it first.",
                errors=[field("closes_at", "in the past", "past")],
            )
        ratees = await repo.ratees(campaign_id)
        if not ratees:
            raise CampaignNotReady("The campaign reviews nobody.")
        proposed = await people.proposed_nominations(session, campaign_id)
        if proposed:
            raise CampaignNotReady(
                f"{len(proposed)} nominations await a decision.",
                pending_nominations=[str(n) for n in proposed],
            )
        approved = await people.approved_raters(session, campaign_id)
        rules = await repo.rules(campaign_id)
        _check_minimums(ratees, rules, approved)
        invited = await self._invite(session, campaign, ratees, rules, approved, people)
        before = snapshot(campaign)
        campaign.status = CampaignStatus.OPEN
        campaign.opened_at = now
        session.add(campaign)
        await session.flush()
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="campaign",
            entity_id=campaign.id,
            action="opened",
            before=before,
            after=snapshot(campaign),
        )
        await record_event(
            session,
            OutboxEvent,
            type=events.CAMPAIGN_OPENED,
            subject=f"campaign/{campaign.id}",
            data=events.CampaignOpened(
                campaign_id=campaign.id,
                cycle_id=campaign.cycle_id,
                name=campaign.name,
                opened_at=now,
                due_at=campaign.due_at,
                closes_at=campaign.closes_at,
                ratees=len(ratees),
                invitations=invited,
            ),
        )
        return campaign_read(campaign, rules)

    async def close(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        campaign_id: UUID,
        now: datetime,
        people: Participation,
    ) -> CampaignRead:
        """Freeze the answers; each ratee's results become readable."""
        repo = CampaignRepository(session)
        campaign = await campaign_service.get_row(session, campaign_id)
        if campaign.status is not CampaignStatus.OPEN:
            raise CampaignNotOpen(
                f"The campaign is {campaign.status.value}; only an open one closes."
            )
        invitations = await people.invitation_statuses(session, campaign_id)
        before = snapshot(campaign)
        campaign.status = CampaignStatus.CLOSED
        campaign.closed_at = now
        session.add(campaign)
        await session.flush()
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="campaign",
            entity_id=campaign.id,
            action="closed",
            before=before,
            after=snapshot(campaign),
        )
        await record_event(
            session,
            OutboxEvent,
            type=events.CAMPAIGN_CLOSED,
            subject=f"campaign/{campaign.id}",
            data=events.CampaignClosed(
                campaign_id=campaign.id,
                cycle_id=campaign.cycle_id,
                closed_at=now,
                invitations=len(invitations),
                submitted=sum(i is InvitationStatus.SUBMITTED for i in invitations),
                name=campaign.name,
            ),
        )
        for ratee in await repo.ratees(campaign_id):
            await record_event(
                session,
                OutboxEvent,
                type=events.RESULTS_READY,
                subject=f"campaign/{campaign.id}",
                data=events.ResultsReady(
                    campaign_id=campaign.id,
                    cycle_id=campaign.cycle_id,
                    ratee_id=ratee.employee_id,
                    closed_at=now,
                ),
            )
        return campaign_read(campaign, await repo.rules(campaign_id))

    async def _invite(
        self,
        session: AsyncSession,
        campaign: Campaign,
        ratees: Sequence[CampaignRatee],
        rules: Sequence[CampaignRelationship],
        approved: Sequence[ApprovedRater],
        people: Participation,
    ) -> int:
        """A self-assessment per ratee when the campaign asks for one, an invitation per
        approved nomination; how many were issued."""
        invited = 0
        if any(r.relationship is Relationship.SELF for r in rules):
            for ratee in ratees:
                await people.invite(
                    session,
                    campaign,
                    ratee_id=ratee.employee_id,
                    relationship=Relationship.SELF,
                    rater_employee_id=ratee.employee_id,
                )
                invited += 1
        for rater in approved:
            await people.invite(
                session,
                campaign,
                ratee_id=rater.ratee_id,
                relationship=rater.counted_as,
                rater_employee_id=rater.rater_employee_id,
                external_name=rater.external_name,
                external_email=rater.external_email,
                nomination_id=rater.nomination_id,
            )
            invited += 1
        return invited


def _check_minimums(
    ratees: Sequence[CampaignRatee],
    rules: Sequence[CampaignRelationship],
    approved: Sequence[ApprovedRater],
) -> None:
    """Every ratee has at least the minimum of approved raters per relationship."""
    counts = Counter((n.ratee_id, n.nominated_as) for n in approved)
    shortfalls = [
        {
            "ratee_id": str(ratee.employee_id),
            "relationship": rule.relationship.value,
            "approved": counts[(ratee.employee_id, rule.relationship)],
            "min_raters": rule.min_raters,
        }
        for ratee in ratees
        for rule in rules
        if rule.relationship is not Relationship.SELF
        and counts[(ratee.employee_id, rule.relationship)] < rule.min_raters
    ]
    if shortfalls:
        raise CampaignNotReady(
            "Some ratees have fewer approved raters than the minimum.", shortfalls=shortfalls
        )


campaign_lifecycle = CampaignLifecycle()
