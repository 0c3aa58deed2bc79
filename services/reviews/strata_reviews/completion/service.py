"""Completion tracking, from the invitations: per campaign, relationship, department
(the ratee's unit when added), ratee and rater; and the overdue list.

Ratee-level figures are counts only: who has answered is an HR matter (the rater and
overdue lists), so a manager following their team cannot tell which colleague answered.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.identity import IdentityClaims, Role
from strata_contracts.reviews.completion import (
    CampaignCompletion,
    CompletionCounts,
    DepartmentCompletion,
    OverdueInvitation,
    RateeCompletion,
    RaterCompletion,
    RelationshipCompletion,
)
from strata_contracts.reviews.vocabulary import UNFINISHED_STATUSES, InvitationStatus, Relationship
from strata_kit.errors import Forbidden
from strata_reviews.access import is_hr
from strata_reviews.campaigns.exceptions import CampaignNotFound
from strata_reviews.campaigns.models import Campaign, CampaignRatee
from strata_reviews.campaigns.repository import CampaignRepository
from strata_reviews.invitations.models import Invitation
from strata_reviews.invitations.repository import InvitationRepository

FOUR_PLACES = Decimal("0.0001")


def counts(invitations: Iterable[Invitation]) -> CompletionCounts:
    tally = {status: 0 for status in InvitationStatus}
    for invitation in invitations:
        tally[invitation.status] += 1
    invited = sum(tally.values())
    rate = (
        (Decimal(tally[InvitationStatus.SUBMITTED]) / Decimal(invited)).quantize(
            FOUR_PLACES, ROUND_HALF_UP
        )
        if invited
        else Decimal(0)
    )
    return CompletionCounts(
        invited=invited,
        submitted=tally[InvitationStatus.SUBMITTED],
        declined=tally[InvitationStatus.DECLINED],
        in_progress=tally[InvitationStatus.IN_PROGRESS],
        pending=tally[InvitationStatus.PENDING],
        completion_rate=rate,
    )


def by_relationship(invitations: Sequence[Invitation]) -> list[RelationshipCompletion]:
    groups: dict[Relationship, list[Invitation]] = defaultdict(list)
    for invitation in invitations:
        groups[invitation.relationship].append(invitation)
    return [
        RelationshipCompletion(relationship=r, counts=counts(groups[r]))
        for r in Relationship
        if r in groups
    ]


class CompletionService:
    async def campaign(
        self, session: AsyncSession, identity: IdentityClaims, campaign_id: UUID
    ) -> CampaignCompletion:
        """Totals, per relationship and per department. A manager sees their reports'."""
        campaign, ratees, invitations = await self._load(session, identity, campaign_id)
        ratee_unit = {r.employee_id: r.org_unit_id for r in ratees}
        per_unit: dict[UUID, list[Invitation]] = defaultdict(list)
        for invitation in invitations:
            per_unit[ratee_unit[invitation.ratee_id]].append(invitation)
        ratees_per_unit: dict[UUID, int] = defaultdict(int)
        for ratee in ratees:
            ratees_per_unit[ratee.org_unit_id] += 1
        return CampaignCompletion(
            campaign_id=campaign.id,
            status=campaign.status,
            due_at=campaign.due_at,
            closes_at=campaign.closes_at,
            ratees=len(ratees),
            totals=counts(invitations),
            by_relationship=by_relationship(invitations),
            by_department=[
                DepartmentCompletion(
                    org_unit_id=unit, ratees=ratees_per_unit[unit], counts=counts(per_unit[unit])
                )
                for unit in sorted(ratees_per_unit, key=str)
            ],
        )

    async def ratees(
        self, session: AsyncSession, identity: IdentityClaims, campaign_id: UUID
    ) -> list[RateeCompletion]:
        """Per ratee: counts per relationship, never who answered."""
        _, ratees, invitations = await self._load(session, identity, campaign_id)
        per_ratee: dict[UUID, list[Invitation]] = defaultdict(list)
        for invitation in invitations:
            per_ratee[invitation.ratee_id].append(invitation)
        return [
            RateeCompletion(
                ratee_id=r.employee_id,
                name=r.name,
                org_unit_id=r.org_unit_id,
                manager_id=r.manager_id,
                counts=counts(per_ratee[r.employee_id]),
                by_relationship=by_relationship(per_ratee[r.employee_id]),
            )
            for r in ratees
        ]

    async def raters(self, session: AsyncSession, campaign_id: UUID) -> list[RaterCompletion]:
        """Per rater (HR): how much each one has left to do."""
        await self._campaign(session, campaign_id)
        invitations = await InvitationRepository(session).of_campaign(campaign_id)
        per_rater: dict[str, list[Invitation]] = defaultdict(list)
        for invitation in invitations:
            per_rater[invitation.rater_key].append(invitation)
        return [
            RaterCompletion(
                rater_employee_id=group[0].rater_employee_id,
                external_email=group[0].external_email,
                counts=counts(group),
            )
            for _, group in sorted(per_rater.items())
        ]

    async def overdue(
        self, session: AsyncSession, campaign_id: UUID, now: datetime
    ) -> list[OverdueInvitation]:
        """Unfinished invitations once the campaign's due date has passed (HR)."""
        campaign = await self._campaign(session, campaign_id)
        if now < campaign.due_at:
            return []
        invitations = await InvitationRepository(session).of_campaign(campaign_id)
        return [
            OverdueInvitation(
                invitation_id=i.id,
                ratee_id=i.ratee_id,
                relationship=i.relationship,
                rater_employee_id=i.rater_employee_id,
                external_email=i.external_email,
                status=i.status,
                due_at=campaign.due_at,
                reminder_count=i.reminder_count,
                last_reminded_at=i.last_reminded_at,
            )
            for i in invitations
            if i.status in UNFINISHED_STATUSES
        ]

    async def _campaign(self, session: AsyncSession, campaign_id: UUID) -> Campaign:
        campaign = await CampaignRepository(session).get(campaign_id)
        if campaign is None:
            raise CampaignNotFound(f"No campaign {campaign_id}.")
        return campaign

    async def _load(
        self, session: AsyncSession, identity: IdentityClaims, campaign_id: UUID
    ) -> tuple[Campaign, list[CampaignRatee], list[Invitation]]:
        """The campaign, and the ratees (with their invitations) the caller may follow."""
        campaign = await self._campaign(session, campaign_id)
        ratees = list(await CampaignRepository(session).ratees(campaign_id))
        if not (is_hr(identity) or identity.has_any(Role.INTEGRATION)):
            if not identity.has_any(Role.MANAGER) or identity.employee_id is None:
                raise Forbidden("Completion is for HR, managers and integrations.")
            ratees = [r for r in ratees if r.manager_id == identity.employee_id]
        keep = {r.employee_id for r in ratees}
        invitations = [
            i
            for i in await InvitationRepository(session).of_campaign(campaign_id)
            if i.ratee_id in keep
        ]
        return campaign, ratees, invitations


completion_service = CompletionService()
