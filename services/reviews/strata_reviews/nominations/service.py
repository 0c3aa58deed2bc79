"""Nominations: who rates whom. Suggested from the reporting lines (`suggestions.py`),
adjusted by the ratee or their manager, approved by the manager or HR, within the
campaign's limits (the rules, with no I/O, in `rules.py`).
"""

from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.org import EmployeeRead
from strata_contracts.goals.vocabulary import EmployeeStatus
from strata_contracts.identity import IdentityClaims
from strata_contracts.pagination import Page
from strata_contracts.reviews.nominations import (
    NominationCreate,
    NominationDecision,
    NominationRead,
    NominationWarning,
    SuggestionRequest,
    SuggestionResult,
)
from strata_contracts.reviews.vocabulary import (
    ANONYMOUS_RELATIONSHIPS,
    CampaignStatus,
    NominationDecisionKind,
    NominationStatus,
    Relationship,
)
from strata_kit.audit import record_audit, snapshot
from strata_kit.errors import Forbidden, InvalidInput, field
from strata_kit.pagination import PageParams, paginate
from strata_reviews.access import is_hr, is_line_manager, is_person
from strata_reviews.campaigns.exceptions import CampaignNotFound, RateeNotFound
from strata_reviews.campaigns.models import Campaign, CampaignRatee
from strata_reviews.campaigns.repository import CampaignRepository
from strata_reviews.campaigns.state import ensure_nominations_open
from strata_reviews.invitations.repository import InvitationRepository
from strata_reviews.invitations.service import email_key, employee_key, invitation_service
from strata_reviews.models import AuditRecord, session_tenant
from strata_reviews.nominations.exceptions import (
    NominationDecided,
    NominationExists,
    NominationInvited,
    NominationLimitReached,
    NominationNotFound,
)
from strata_reviews.nominations.models import Nomination, counted_as
from strata_reviews.nominations.repository import NominationRepository
from strata_reviews.nominations.rules import (
    ADJUSTABLE,
    Rules,
    check_line,
    check_shape,
    may_approve,
    nomination_read,
    nomination_source,
    threshold_warnings,
)
from strata_reviews.nominations.suggestions import organisation_employee, suggest_for
from strata_reviews.org import OrgDirectory
from strata_reviews.results.anonymity import group_thresholds


class NominationService:
    async def suggest(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        campaign_id: UUID,
        data: SuggestionRequest,
        directory: OrgDirectory,
        now: datetime,
        *,
        ratee_id: UUID | None = None,
    ) -> SuggestionResult:
        """Suggest raters for one ratee (`ratee_id`), or for the ratees named in `data`
        (absent: every ratee the caller may act for: HR all, a manager their reports)."""
        campaign = await self._campaign(session, campaign_id)
        ensure_nominations_open(campaign, now)
        repo = CampaignRepository(session)
        if ratee_id is not None:
            ratees = [await self._ratee(session, identity, campaign, ratee_id, allow_ratee=True)]
        elif data.ratee_ids is not None:
            ratees = [
                await self._ratee(session, identity, campaign, r, allow_ratee=True)
                for r in dict.fromkeys(data.ratee_ids)
            ]
        elif is_hr(identity):
            ratees = list(await repo.ratees(campaign_id))
        else:
            ratees = [
                r for r in await repo.ratees(campaign_id) if is_line_manager(identity, r.manager_id)
            ]
            if not ratees:
                raise Forbidden("Only HR, or a manager for their reports, may suggest raters.")
        rules = {r.relationship: r for r in await repo.rules(campaign_id)}
        created: list[Nomination] = []
        for ratee in ratees:
            created.extend(await suggest_for(session, identity, campaign, ratee, rules, directory))
        await session.flush()
        return SuggestionResult(created=[nomination_read(n) for n in created])

    async def add(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        campaign_id: UUID,
        ratee_id: UUID,
        data: NominationCreate,
        directory: OrgDirectory,
        now: datetime,
    ) -> NominationRead:
        """Nominate a rater. The ratee and their manager adjust peers and customers; HR
        any relationship. A manager's or HR's nomination is approved at once."""
        campaign = await self._campaign(session, campaign_id)
        ensure_nominations_open(campaign, now)
        ratee = await self._ratee(session, identity, campaign, ratee_id, allow_ratee=True)
        approver = may_approve(identity, ratee)
        if not is_hr(identity) and data.relationship not in ADJUSTABLE:
            raise Forbidden("The ratee and their manager nominate peers and customers only.")
        rules = {r.relationship: r for r in await CampaignRepository(session).rules(campaign_id)}
        check_shape(data, rules, ratee_id)
        rater = await self._rater(data, directory)
        if data.rater_employee_id is not None:
            key = employee_key(data.rater_employee_id)
        else:
            assert data.external_email is not None  # check_shape: a customer has one
            key = email_key(data.external_email)
        repo = NominationRepository(session)
        if any(n.rater_key == key for n in await repo.of_ratee(campaign_id, ratee_id)):
            raise NominationExists("This rater is nominated for this ratee already.")
        line: Relationship | None = None
        override: str | None = None
        if rater is not None:
            employee = await organisation_employee(directory, ratee)
            line, override = check_line(identity, data, rules, employee, rater)
        rule = rules[data.relationship]
        if await repo.count_active(campaign_id, ratee_id, data.relationship) >= rule.max_raters:
            raise NominationLimitReached(
                f"At most {rule.max_raters} {data.relationship.value} raters per ratee.",
                errors=[field("relationship", f"limit of {rule.max_raters} reached", "limit")],
            )
        nomination = Nomination(
            tenant_id=session_tenant(session),
            campaign_id=campaign_id,
            ratee_id=ratee_id,
            relationship=data.relationship,
            rater_employee_id=data.rater_employee_id,
            external_name=data.external_name,
            external_email=data.external_email,
            rater_key=key,
            status=NominationStatus.APPROVED if approver else NominationStatus.PROPOSED,
            source=nomination_source(identity, approver),
            decided_by=identity.subject if approver else None,
            decided_at=now if approver else None,
            reporting_line=line,
            override_reason=override,
        )
        session.add(nomination)
        await session.flush()
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="nomination",
            entity_id=nomination.id,
            action="added_against_reporting_line" if override else "added",
            after=snapshot(nomination),
            reason=override,
        )
        if approver and campaign.status is CampaignStatus.OPEN:
            await self._invite(session, campaign, nomination)
        warnings = await self._warnings(session, campaign, ratee_id, counted_as(nomination), rules)
        return nomination_read(nomination, warnings)

    async def _rater(self, data: NominationCreate, directory: OrgDirectory) -> EmployeeRead | None:
        """The internal rater as the organisation knows them (None for a customer); an
        unknown or terminated employee is bad input."""
        if data.rater_employee_id is None:
            return None
        rater = await directory.get_employee(data.rater_employee_id)
        if rater is None or rater.status is EmployeeStatus.TERMINATED:
            raise InvalidInput(
                "The rater is not an employee of the organisation.",
                errors=[field("rater_employee_id", "unknown or terminated employee", "unknown")],
            )
        return rater

    async def _warnings(
        self,
        session: AsyncSession,
        campaign: Campaign,
        ratee_id: UUID,
        relationship: Relationship,
        rules: Rules,
    ) -> list[NominationWarning]:
        """Say so when an anonymous group cannot, or does not yet, reach its k."""
        if relationship not in ANONYMOUS_RELATIONSHIPS or relationship not in rules:
            return []
        k = group_thresholds(
            campaign.anonymity_threshold, {r: v.anonymity_threshold for r, v in rules.items()}
        )[relationship]
        nominated = sum(
            counted_as(n) is relationship
            for n in await NominationRepository(session).of_ratee(campaign.id, ratee_id)
            if n.status is not NominationStatus.REJECTED
        )
        return threshold_warnings(relationship, rules[relationship], k, nominated)

    async def remove(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        campaign_id: UUID,
        nomination_id: UUID,
        now: datetime,
    ) -> None:
        """Withdraw a nomination that has not led to an invitation yet."""
        campaign = await self._campaign(session, campaign_id)
        ensure_nominations_open(campaign, now)
        nomination = await self._nomination(session, campaign_id, nomination_id)
        ratee = await self._ratee(
            session, identity, campaign, nomination.ratee_id, allow_ratee=True
        )
        if not is_hr(identity):
            if nomination.relationship not in ADJUSTABLE:
                raise Forbidden("Only HR removes supervisor and direct-report nominations.")
            if not may_approve(identity, ratee) and (
                nomination.status is not NominationStatus.PROPOSED
            ):
                raise Forbidden("A ratee withdraws only nominations not yet decided.")
        if await InvitationRepository(session).for_nomination(nomination.id) is not None:
            raise NominationInvited("The rater is invited already; they may decline instead.")
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="nomination",
            entity_id=nomination.id,
            action="removed",
            before=snapshot(nomination),
        )
        await session.delete(nomination)
        await session.flush()

    async def decide(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        campaign_id: UUID,
        nomination_id: UUID,
        data: NominationDecision,
        now: datetime,
    ) -> NominationRead:
        """Approve or reject a proposed nomination (the ratee's manager, or HR)."""
        campaign = await self._campaign(session, campaign_id)
        ensure_nominations_open(campaign, now)
        nomination = await self._nomination(session, campaign_id, nomination_id)
        ratee = await self._ratee(
            session, identity, campaign, nomination.ratee_id, allow_ratee=True
        )
        if not may_approve(identity, ratee):
            raise Forbidden("Only the ratee's manager or HR decides on nominations.")
        if nomination.status is not NominationStatus.PROPOSED:
            raise NominationDecided(f"The nomination is {nomination.status.value} already.")
        if data.decision is NominationDecisionKind.REJECT and data.reason is None:
            raise InvalidInput(
                "A rejection needs a reason.",
                errors=[field("reason", "required to reject", "missing")],
            )
        before = snapshot(nomination)
        nomination.status = (
            NominationStatus.APPROVED
            if data.decision is NominationDecisionKind.APPROVE
            else NominationStatus.REJECTED
        )
        nomination.decided_by = identity.subject
        nomination.decided_at = now
        nomination.decision_reason = data.reason
        session.add(nomination)
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="nomination",
            entity_id=nomination.id,
            action=nomination.status.value,
            before=before,
            after=snapshot(nomination),
            reason=data.reason,
        )
        if (
            nomination.status is NominationStatus.APPROVED
            and campaign.status is CampaignStatus.OPEN
        ):
            await self._invite(session, campaign, nomination)
        await session.flush()
        return nomination_read(nomination)

    async def list_nominations(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        campaign_id: UUID,
        ratee_id: UUID,
        params: PageParams,
    ) -> Page[NominationRead]:
        """A ratee's nominations (the ratee, their manager, HR)."""
        campaign = await self._campaign(session, campaign_id)
        await self._ratee(session, identity, campaign, ratee_id, allow_ratee=True)
        return await paginate(
            session,
            NominationRepository(session).list_statement(campaign_id, ratee_id),
            sort=Nomination.created_at,  # type: ignore[arg-type]
            id_column=Nomination.id,  # type: ignore[arg-type]
            params=params,
            to_item=nomination_read,
            updated_column=Nomination.updated_at,  # type: ignore[arg-type]
        )

    # --- helpers ----------------------------------------------------------------------

    async def _invite(
        self, session: AsyncSession, campaign: Campaign, nomination: Nomination
    ) -> None:
        await invitation_service.issue(
            session,
            campaign,
            ratee_id=nomination.ratee_id,
            relationship=counted_as(nomination),
            rater_employee_id=nomination.rater_employee_id,
            external_name=nomination.external_name,
            external_email=nomination.external_email,
            nomination_id=nomination.id,
        )

    async def _campaign(self, session: AsyncSession, campaign_id: UUID) -> Campaign:
        campaign = await CampaignRepository(session).get(campaign_id)
        if campaign is None:
            raise CampaignNotFound(f"No campaign {campaign_id}.")
        return campaign

    async def _nomination(
        self, session: AsyncSession, campaign_id: UUID, nomination_id: UUID
    ) -> Nomination:
        nomination = await NominationRepository(session).get(campaign_id, nomination_id)
        if nomination is None:
            raise NominationNotFound(f"No nomination {nomination_id} in this campaign.")
        return nomination

    async def _ratee(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        campaign: Campaign,
        ratee_id: UUID,
        *,
        allow_ratee: bool,
    ) -> CampaignRatee:
        ratee = await CampaignRepository(session).get_ratee(campaign.id, ratee_id)
        if ratee is None:
            raise RateeNotFound(f"Employee {ratee_id} is not reviewed in this campaign.")
        if is_hr(identity) or is_line_manager(identity, ratee.manager_id):
            return ratee
        if allow_ratee and is_person(identity, ratee_id):
            return ratee
        raise Forbidden("Only the ratee, their manager or HR may see or change these nominations.")


nomination_service = NominationService()
