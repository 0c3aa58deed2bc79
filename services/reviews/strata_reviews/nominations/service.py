"""Nominations: who rates whom. Suggested from the reporting lines, adjusted by the
ratee or their manager, approved by the manager or HR, within the campaign's limits.

Suggestions (from the organisation in the goals service):
- supervisor: the ratee's direct manager;
- peers: colleagues who share the ratee's direct manager; when they are fewer than the
  peer minimum, others placed in the ratee's org unit fill up to the minimum (a line
  lead's peers are the other leads, not the operators of the unit); never the ratee,
  their manager or their direct reports;
- direct reports: the employees whose direct manager is the ratee.
Only active employees are suggested, by name, up to each relationship's maximum; raters
already nominated for the ratee are kept as they are.
Suggestions are proposals: the manager or HR approves them.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.org import EmployeeRead
from strata_contracts.goals.vocabulary import EmployeeStatus
from strata_contracts.identity import IdentityClaims
from strata_contracts.pagination import Page
from strata_contracts.problem import FieldProblem
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
    NominationSource,
    NominationStatus,
    Relationship,
)
from strata_kit.audit import record_audit, snapshot
from strata_kit.errors import Forbidden, InvalidInput, field
from strata_kit.pagination import PageParams, paginate
from strata_reviews.access import is_hr, is_line_manager, is_person
from strata_reviews.campaigns.exceptions import CampaignNotFound, RateeNotFound
from strata_reviews.campaigns.models import Campaign, CampaignRatee, CampaignRelationship
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
    RateeNotInOrganisation,
)
from strata_reviews.nominations.models import Nomination, counted_as
from strata_reviews.nominations.repository import NominationRepository
from strata_reviews.org import OrgDirectory
from strata_reviews.results.anonymity import group_thresholds

ADJUSTABLE = frozenset({Relationship.PEER, Relationship.CUSTOMER})
"""What the ratee and their manager may add or remove; HR may adjust every relationship."""


def nomination_read(
    nomination: Nomination, warnings: Sequence[NominationWarning] = ()
) -> NominationRead:
    return NominationRead.model_validate(
        {
            **nomination.model_dump(),
            "counted_as": counted_as(nomination),
            "warnings": list(warnings),
        }
    )


def reporting_line(ratee: EmployeeRead, rater: EmployeeRead) -> Relationship:
    """What the organisation says the rater is to the ratee."""
    if ratee.manager_id is not None and rater.id == ratee.manager_id:
        return Relationship.SUPERVISOR
    if rater.manager_id == ratee.id:
        return Relationship.DIRECT_REPORT
    return Relationship.PEER


def _active(employees: Sequence[EmployeeRead]) -> list[EmployeeRead]:
    return sorted(
        (e for e in employees if e.status is EmployeeStatus.ACTIVE), key=lambda e: (e.name, e.id)
    )


@dataclass(frozen=True)
class Candidate:
    relationship: Relationship
    employee: EmployeeRead
    fallback: bool = False
    """A unit colleague proposed only to reach the peer minimum."""


async def suggest_candidates(
    directory: OrgDirectory, ratee: EmployeeRead, relationships: set[Relationship]
) -> list[Candidate]:
    """Candidates per relationship from the reporting lines, in preference order."""
    out: list[Candidate] = []
    manager = None
    if ratee.manager_id is not None and Relationship.SUPERVISOR in relationships:
        manager = await directory.get_employee(ratee.manager_id)
        if manager is not None and manager.status is EmployeeStatus.ACTIVE:
            out.append(Candidate(Relationship.SUPERVISOR, manager))
    reports: list[EmployeeRead] = []
    if relationships & {Relationship.PEER, Relationship.DIRECT_REPORT}:
        reports = await directory.list_employees(manager_id=ratee.id)
    if Relationship.DIRECT_REPORT in relationships:
        out.extend(Candidate(Relationship.DIRECT_REPORT, e) for e in _active(reports))
    if Relationship.PEER in relationships:
        excluded = {ratee.id, ratee.manager_id} | {e.id for e in reports}
        siblings = (
            await directory.list_employees(manager_id=ratee.manager_id)
            if ratee.manager_id is not None
            else []
        )
        unit = await directory.list_employees(org_unit_id=ratee.org_unit_id)
        seen: set[UUID] = set()
        for fallback, group in ((False, siblings), (True, unit)):
            for employee in _active(group):
                if employee.id in excluded or employee.id in seen:
                    continue
                seen.add(employee.id)
                out.append(Candidate(Relationship.PEER, employee, fallback))
    return out


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
            created.extend(
                await self._suggest_for(session, identity, campaign, ratee, rules, directory)
            )
        await session.flush()
        return SuggestionResult(created=[nomination_read(n) for n in created])

    async def _suggest_for(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        campaign: Campaign,
        ratee: CampaignRatee,
        rules: dict[Relationship, CampaignRelationship],
        directory: OrgDirectory,
    ) -> list[Nomination]:
        employee = await directory.get_employee(ratee.employee_id)
        if employee is None:
            raise RateeNotInOrganisation(
                f"The organisation no longer knows employee {ratee.employee_id}."
            )
        existing = await NominationRepository(session).of_ratee(campaign.id, ratee.employee_id)
        taken = {n.rater_key for n in existing}
        used = Counter(
            n.relationship for n in existing if n.status is not NominationStatus.REJECTED
        )
        wanted = set(rules) - {Relationship.SELF, Relationship.CUSTOMER}
        created: list[Nomination] = []
        for candidate in await suggest_candidates(directory, employee, wanted):
            relationship, rule = candidate.relationship, rules[candidate.relationship]
            key = employee_key(candidate.employee.id)
            limit = rule.min_raters if candidate.fallback else rule.max_raters
            if key in taken or used[relationship] >= limit:
                continue
            nomination = Nomination(
                tenant_id=session_tenant(session),
                campaign_id=campaign.id,
                ratee_id=ratee.employee_id,
                relationship=relationship,
                rater_employee_id=candidate.employee.id,
                rater_key=key,
                status=NominationStatus.PROPOSED,
                source=NominationSource.SUGGESTED,
                reporting_line=relationship,
            )
            session.add(nomination)
            taken.add(key)
            used[relationship] += 1
            created.append(nomination)
            await record_audit(
                session,
                AuditRecord,
                identity=identity,
                entity_type="nomination",
                entity_id=nomination.id,
                action="suggested",
                after=snapshot(nomination),
            )
        return created

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
        approver = self._may_approve(identity, ratee)
        if not is_hr(identity) and data.relationship not in ADJUSTABLE:
            raise Forbidden("The ratee and their manager nominate peers and customers only.")
        rules = {r.relationship: r for r in await CampaignRepository(session).rules(campaign_id)}
        self._check_shape(data, rules, ratee_id)
        line: Relationship | None = None
        override: str | None = None
        rater: EmployeeRead | None = None
        if data.rater_employee_id is not None:
            rater = await directory.get_employee(data.rater_employee_id)
            if rater is None or rater.status is EmployeeStatus.TERMINATED:
                raise InvalidInput(
                    "The rater is not an employee of the organisation.",
                    errors=[
                        field("rater_employee_id", "unknown or terminated employee", "unknown")
                    ],
                )
            key = employee_key(data.rater_employee_id)
        else:
            assert data.external_email is not None
            key = email_key(data.external_email)
        repo = NominationRepository(session)
        if any(n.rater_key == key for n in await repo.of_ratee(campaign_id, ratee_id)):
            raise NominationExists("This rater is nominated for this ratee already.")
        if rater is not None:
            line, override = await self._check_line(identity, data, rules, ratee, rater, directory)
        rule = rules[data.relationship]
        if await repo.count_active(campaign_id, ratee_id, data.relationship) >= rule.max_raters:
            raise NominationLimitReached(
                f"At most {rule.max_raters} {data.relationship.value} raters per ratee.",
                errors=[field("relationship", f"limit of {rule.max_raters} reached", "limit")],
            )
        source = (
            NominationSource.HR
            if is_hr(identity)
            else NominationSource.MANAGER
            if approver
            else NominationSource.RATEE
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
            source=source,
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

    async def _check_line(
        self,
        identity: IdentityClaims,
        data: NominationCreate,
        rules: dict[Relationship, CampaignRelationship],
        ratee: CampaignRatee,
        rater: EmployeeRead,
        directory: OrgDirectory,
    ) -> tuple[Relationship, str | None]:
        """The relationship must agree with the reporting lines (goals), or HR overrides it
        with a reason; a `supervisor` label so overridden must have an anonymous group to
        count in. Returns what the lines say and the override's reason."""
        employee = await directory.get_employee(ratee.employee_id)
        if employee is None:
            raise RateeNotInOrganisation(
                f"The organisation no longer knows employee {ratee.employee_id}."
            )
        line = reporting_line(employee, rater)
        if data.relationship is line:
            return line, None
        if data.override_reason is None:
            raise InvalidInput(
                f"The reporting lines make this rater the ratee's {line.value}, not "
                f"{data.relationship.value}; HR may override with a reason.",
                errors=[
                    field(
                        "relationship",
                        f"the reporting lines say {line.value}",
                        "reporting_line_mismatch",
                    )
                ],
                reporting_line=line.value,
            )
        if not is_hr(identity):
            raise Forbidden("Only HR labels a rater against the reporting lines.")
        if data.relationship is Relationship.SUPERVISOR and line not in rules:
            raise InvalidInput(
                f"An overridden supervisor counts in the {line.value} group, which this "
                "campaign does not use.",
                errors=[field("relationship", f"{line.value} is not in the campaign", "no_group")],
            )
        return line, data.override_reason

    async def _warnings(
        self,
        session: AsyncSession,
        campaign: Campaign,
        ratee_id: UUID,
        relationship: Relationship,
        rules: dict[Relationship, CampaignRelationship],
    ) -> list[NominationWarning]:
        """Say so when an anonymous group cannot, or does not yet, reach its k: its answers
        would be suppressed, scores and comments alike."""
        if relationship not in ANONYMOUS_RELATIONSHIPS or relationship not in rules:
            return []
        k = group_thresholds(
            campaign.anonymity_threshold, {r: v.anonymity_threshold for r, v in rules.items()}
        )[relationship]
        rule = rules[relationship]
        nominated = sum(
            counted_as(n) is relationship
            for n in await NominationRepository(session).of_ratee(campaign.id, ratee_id)
            if n.status is not NominationStatus.REJECTED
        )
        if rule.max_raters < k:
            return [
                NominationWarning(
                    code="cannot_reach_threshold",
                    relationship=relationship,
                    detail=(
                        f"At most {rule.max_raters} {relationship.value} raters are allowed "
                        f"but their group is shown only with {k} responses: their answers "
                        "will never be shown (scores and comments are suppressed)."
                    ),
                    nominated=nominated,
                    threshold=k,
                )
            ]
        if nominated < k:
            return [
                NominationWarning(
                    code="below_threshold",
                    relationship=relationship,
                    detail=(
                        f"{nominated} {relationship.value} raters nominated; the group is "
                        f"shown only with {k} responses, so unless more are nominated (and "
                        "answer) their answers will be suppressed, scores and comments alike."
                    ),
                    nominated=nominated,
                    threshold=k,
                )
            ]
        return []

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
            if not self._may_approve(identity, ratee) and (
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
        if not self._may_approve(identity, ratee):
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

    def _may_approve(self, identity: IdentityClaims, ratee: CampaignRatee) -> bool:
        """HR or the ratee's manager; never the ratee, whatever their roles."""
        if is_person(identity, ratee.employee_id):
            return False
        return is_hr(identity) or is_line_manager(identity, ratee.manager_id)

    def _check_shape(
        self,
        data: NominationCreate,
        rules: dict[Relationship, CampaignRelationship],
        ratee_id: UUID,
    ) -> None:
        errors: list[FieldProblem] = []
        if data.relationship is Relationship.SELF:
            errors.append(
                field("relationship", "self-assessments need no nomination", "not_allowed")
            )
        elif data.relationship not in rules:
            errors.append(
                field(
                    "relationship",
                    "this campaign does not use this relationship",
                    "not_in_campaign",
                )
            )
        if data.relationship is Relationship.CUSTOMER:
            if data.rater_employee_id is not None:
                errors.append(
                    field(
                        "rater_employee_id",
                        "customers are external: give name and e-mail",
                        "not_allowed",
                    )
                )
            if data.external_name is None:
                errors.append(field("external_name", "required for a customer", "missing"))
            if data.external_email is None:
                errors.append(field("external_email", "required for a customer", "missing"))
        else:
            if data.rater_employee_id is None:
                errors.append(
                    field("rater_employee_id", "required for an internal rater", "missing")
                )
            elif data.rater_employee_id == ratee_id:
                errors.append(
                    field(
                        "rater_employee_id",
                        "the ratee rates themselves in the self-assessment",
                        "self",
                    )
                )
            for name in ("external_name", "external_email"):
                if getattr(data, name) is not None:
                    errors.append(field(name, "only for customers", "not_allowed"))
        if errors:
            raise InvalidInput("The nomination is not valid.", errors=errors)

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
