"""Suggested raters, from the organisation in the goals service:

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
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.org import EmployeeRead
from strata_contracts.goals.vocabulary import EmployeeStatus
from strata_contracts.identity import IdentityClaims
from strata_contracts.reviews.vocabulary import NominationSource, NominationStatus, Relationship
from strata_kit.audit import record_audit, snapshot
from strata_reviews.campaigns.models import Campaign, CampaignRatee
from strata_reviews.invitations.service import employee_key
from strata_reviews.models import AuditRecord, session_tenant
from strata_reviews.nominations.exceptions import RateeNotInOrganisation
from strata_reviews.nominations.models import Nomination
from strata_reviews.nominations.repository import NominationRepository
from strata_reviews.nominations.rules import Rules
from strata_reviews.org import OrgDirectory


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


async def organisation_employee(directory: OrgDirectory, ratee: CampaignRatee) -> EmployeeRead:
    """The ratee as the organisation knows them now (422 when it no longer does)."""
    employee = await directory.get_employee(ratee.employee_id)
    if employee is None:
        raise RateeNotInOrganisation(
            f"The organisation no longer knows employee {ratee.employee_id}."
        )
    return employee


async def suggest_for(
    session: AsyncSession,
    identity: IdentityClaims,
    campaign: Campaign,
    ratee: CampaignRatee,
    rules: Rules,
    directory: OrgDirectory,
) -> list[Nomination]:
    """Propose the suggested raters of one ratee not nominated yet, within the limits."""
    employee = await organisation_employee(directory, ratee)
    existing = await NominationRepository(session).of_ratee(campaign.id, ratee.employee_id)
    taken = {n.rater_key for n in existing}
    used = Counter(n.relationship for n in existing if n.status is not NominationStatus.REJECTED)
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
