"""Completion tracking, from the invitations: per campaign, relationship, department
(the ratee's unit when added), ratee and rater; and the overdue list.

Ratee-level figures are counts only: who has answered is an HR matter (the rater and
overdue lists), so a manager following their team cannot tell which colleague answered.

Below k, no count (`strata_reviews.results.anonymity.counts_disclosed`, the policy of the
results too): for everyone but HR and admin (who follow up each rater anyway), a ratee's
anonymous group with fewer than k submitted responses is withheld: shown as `withheld`
without counts, and left out of the ratee's, the department's and the campaign's figures
(which add up disclosed groups only), so no subtraction of two figures recovers it.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
from strata_reviews.results.anonymity import counts_disclosed, group_thresholds

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


def by_relationship(
    invitations: Sequence[Invitation], withheld: Iterable[Relationship] = ()
) -> list[RelationshipCompletion]:
    groups: dict[Relationship, list[Invitation]] = defaultdict(list)
    for invitation in invitations:
        groups[invitation.relationship].append(invitation)
    hidden = set(withheld)
    return [
        RelationshipCompletion(relationship=r, counts=None, withheld=True)
        if r in hidden
        else RelationshipCompletion(relationship=r, counts=counts(groups[r]))
        for r in Relationship
        if r in groups or r in hidden
    ]


@dataclass(frozen=True)
class Disclosed:
    """The invitations whose counts the caller may see, and the groups withheld."""

    invitations: list[Invitation]
    withheld: dict[UUID, set[Relationship]]
    """Per ratee, the relationships withheld."""

    @property
    def withheld_groups(self) -> int:
        return sum(len(g) for g in self.withheld.values())


def disclose(
    invitations: Sequence[Invitation], thresholds: dict[Relationship, int], *, full: bool
) -> Disclosed:
    """Rule 9 of the results: drop each (ratee, anonymous relationship) group with fewer
    than its k submitted responses, unless the caller sees full counts (`full`)."""
    if full:
        return Disclosed(list(invitations), {})
    groups: dict[tuple[UUID, Relationship], list[Invitation]] = defaultdict(list)
    for invitation in invitations:
        groups[(invitation.ratee_id, invitation.relationship)].append(invitation)
    kept: list[Invitation] = []
    withheld: dict[UUID, set[Relationship]] = defaultdict(set)
    for (ratee_id, relationship), group in groups.items():
        submitted = sum(i.status is InvitationStatus.SUBMITTED for i in group)
        k = thresholds.get(relationship, 0)
        if counts_disclosed(relationship, submitted, k):
            kept.extend(group)
        else:
            withheld[ratee_id].add(relationship)
    order = {i.id: n for n, i in enumerate(invitations)}
    kept.sort(key=lambda i: order[i.id])
    return Disclosed(kept, dict(withheld))


class CompletionService:
    async def campaign(
        self, session: AsyncSession, identity: IdentityClaims, campaign_id: UUID
    ) -> CampaignCompletion:
        """Totals, per relationship and per department. A manager sees their reports'."""
        campaign, ratees, disclosed = await self._load(session, identity, campaign_id)
        invitations = disclosed.invitations
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
            withheld_groups=disclosed.withheld_groups,
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
        _, ratees, disclosed = await self._load(session, identity, campaign_id)
        per_ratee: dict[UUID, list[Invitation]] = defaultdict(list)
        for invitation in disclosed.invitations:
            per_ratee[invitation.ratee_id].append(invitation)
        return [
            RateeCompletion(
                ratee_id=r.employee_id,
                name=r.name,
                org_unit_id=r.org_unit_id,
                manager_id=r.manager_id,
                withheld_groups=len(disclosed.withheld.get(r.employee_id, ())),
                counts=counts(per_ratee[r.employee_id]),
                by_relationship=by_relationship(
                    per_ratee[r.employee_id], disclosed.withheld.get(r.employee_id, ())
                ),
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
    ) -> tuple[Campaign, list[CampaignRatee], Disclosed]:
        """The campaign, and the ratees (with the invitations whose counts they may see)
        the caller may follow."""
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
        rules = await CampaignRepository(session).rules(campaign_id)
        thresholds = group_thresholds(
            campaign.anonymity_threshold, {r.relationship: r.anonymity_threshold for r in rules}
        )
        return campaign, ratees, disclose(invitations, thresholds, full=is_hr(identity))


completion_service = CompletionService()
