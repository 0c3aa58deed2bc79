"""Campaigns: set up (draft), open (invitations issued), closed (results readable).

A campaign keeps the template version it was set up with; a newer version of the
template changes nothing in it. Ratees are recorded with their placement (unit,
manager) when added: reporting-line access and completion per department use it.
"""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.org import EmployeeRead
from strata_contracts.goals.vocabulary import CyclePhase, EmployeeStatus
from strata_contracts.identity import IdentityClaims, Role
from strata_contracts.pagination import Page
from strata_contracts.problem import FieldProblem
from strata_contracts.reviews.campaigns import (
    CampaignCreate,
    CampaignRateeRead,
    CampaignRead,
    CampaignScope,
    CampaignUpdate,
    RateesAdd,
    RelationshipRule,
)
from strata_contracts.reviews.vocabulary import (
    ANONYMOUS_RELATIONSHIPS,
    CampaignStatus,
    Relationship,
    ScopeKind,
)
from strata_kit.audit import record_audit, snapshot
from strata_kit.errors import InvalidInput, field
from strata_kit.pagination import PageParams, paginate
from strata_reviews.access import is_hr
from strata_reviews.campaigns.exceptions import (
    CampaignClosed,
    CampaignNotFound,
    CampaignNotOpen,
    RateeNotFound,
)
from strata_reviews.campaigns.models import Campaign, CampaignRatee, CampaignRelationship
from strata_reviews.campaigns.ports import Participation
from strata_reviews.campaigns.repository import CampaignRepository
from strata_reviews.campaigns.state import ensure_draft
from strata_reviews.models import AuditRecord, session_tenant
from strata_reviews.org import OrgDirectory
from strata_reviews.templates.service import template_service

DEFAULT_RULES = (
    RelationshipRule(relationship=Relationship.SELF, min_raters=0, max_raters=1),
    RelationshipRule(relationship=Relationship.SUPERVISOR, min_raters=0, max_raters=1),
    RelationshipRule(relationship=Relationship.PEER, min_raters=3, max_raters=5),
    RelationshipRule(relationship=Relationship.DIRECT_REPORT, min_raters=0, max_raters=10),
    RelationshipRule(relationship=Relationship.CUSTOMER, min_raters=0, max_raters=5),
)
OPEN_CHANGES = frozenset({"name", "due_at", "closes_at"})


def validate_rules(rules: Sequence[RelationshipRule], pointer: str, k: int) -> list[FieldProblem]:
    """One rule per relationship, min <= max; one self-assessment and one supervisor at
    most (the supervisor group is never anonymous, so a second supervisor could read the
    first one's answers from the group's figures); a group's own threshold only for an
    anonymous relationship and only above the campaign's `k`, never below."""
    errors: list[FieldProblem] = []
    seen: set[Relationship] = set()
    for n, rule in enumerate(rules):
        where = f"{pointer}/{n}"
        if rule.anonymity_threshold is not None:
            if rule.relationship not in ANONYMOUS_RELATIONSHIPS:
                errors.append(
                    field(
                        f"{where}/anonymity_threshold",
                        f"{rule.relationship.value} is not an anonymous group",
                        "not_anonymous",
                    )
                )
            elif rule.anonymity_threshold < k:
                errors.append(
                    field(
                        f"{where}/anonymity_threshold",
                        f"may only raise the campaign's k ({k}), never lower it",
                        "below_campaign_threshold",
                    )
                )
        if rule.relationship in seen:
            errors.append(field(f"{where}/relationship", "listed twice", "duplicate"))
        seen.add(rule.relationship)
        if rule.min_raters > rule.max_raters:
            errors.append(field(f"{where}/min_raters", "above max_raters", "min_above_max"))
        if (
            rule.relationship in (Relationship.SELF, Relationship.SUPERVISOR)
            and rule.max_raters > 1
        ):
            errors.append(
                field(
                    f"{where}/max_raters", f"at most 1 {rule.relationship.value} rater", "too_many"
                )
            )
    if not rules:
        errors.append(field(pointer, "name at least one relationship", "empty"))
    return errors


def validate_dates(opens_at: datetime, due_at: datetime, closes_at: datetime) -> list[FieldProblem]:
    errors = []
    if closes_at <= opens_at:
        errors.append(field("closes_at", "must be after opens_at", "before_open"))
    elif not opens_at <= due_at <= closes_at:
        errors.append(field("due_at", "must be between opens_at and closes_at", "out_of_range"))
    return errors


def validate_scope(scope: CampaignScope) -> list[FieldProblem]:
    errors = []
    if scope.kind is ScopeKind.ORG_UNIT and scope.org_unit_id is None:
        errors.append(field("scope/org_unit_id", "required for an org_unit scope", "missing"))
    if scope.kind is not ScopeKind.ORG_UNIT and scope.org_unit_id is not None:
        errors.append(field("scope/org_unit_id", "only for an org_unit scope", "not_allowed"))
    if scope.kind is ScopeKind.EMPLOYEES and not scope.employee_ids:
        errors.append(field("scope/employee_ids", "name at least one employee", "missing"))
    if scope.kind is not ScopeKind.EMPLOYEES and scope.employee_ids is not None:
        errors.append(field("scope/employee_ids", "only for an employees scope", "not_allowed"))
    return errors


def campaign_read(campaign: Campaign, rules: Sequence[CampaignRelationship]) -> CampaignRead:
    return CampaignRead(
        id=campaign.id,
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
        name=campaign.name,
        cycle_id=campaign.cycle_id,
        template_id=campaign.template_id,
        template_version_id=campaign.template_version_id,
        template_version=campaign.template_version,
        status=campaign.status,
        scope_kind=campaign.scope_kind,
        scope_org_unit_id=campaign.scope_org_unit_id,
        relationships=[
            RelationshipRule(
                relationship=r.relationship,
                min_raters=r.min_raters,
                max_raters=r.max_raters,
                anonymity_threshold=r.anonymity_threshold,
            )
            for r in rules
        ],
        anonymity_threshold=campaign.anonymity_threshold,
        name_supervisor=campaign.name_supervisor,
        opens_at=campaign.opens_at,
        due_at=campaign.due_at,
        closes_at=campaign.closes_at,
        opened_at=campaign.opened_at,
        closed_at=campaign.closed_at,
    )


def ratee_row(tenant_id: UUID, campaign_id: UUID, employee: EmployeeRead) -> CampaignRatee:
    return CampaignRatee(
        tenant_id=tenant_id,
        campaign_id=campaign_id,
        employee_id=employee.id,
        name=employee.name,
        org_unit_id=employee.org_unit_id,
        manager_id=employee.manager_id,
    )


class CampaignService:
    async def create(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        data: CampaignCreate,
        directory: OrgDirectory,
    ) -> CampaignRead:
        rules = list(data.relationships) if data.relationships is not None else list(DEFAULT_RULES)
        due_at = data.due_at or data.closes_at
        errors = [
            *validate_rules(rules, "relationships", data.anonymity_threshold),
            *validate_dates(data.opens_at, due_at, data.closes_at),
            *validate_scope(data.scope),
        ]
        if errors:
            raise InvalidInput("The campaign is not valid.", errors=errors)
        version = await template_service.resolve_version(
            session, data.template_id, data.template_version, pointer="template_version"
        )
        await self._check_cycle(data.cycle_id, directory)
        employees = await self._resolve_scope(data.scope, directory)
        campaign = Campaign(
            tenant_id=session_tenant(session),
            name=data.name,
            cycle_id=data.cycle_id,
            template_id=data.template_id,
            template_version_id=version.id,
            template_version=version.number,
            scope_kind=data.scope.kind,
            scope_org_unit_id=data.scope.org_unit_id,
            anonymity_threshold=data.anonymity_threshold,
            name_supervisor=data.name_supervisor,
            opens_at=data.opens_at,
            due_at=due_at,
            closes_at=data.closes_at,
        )
        session.add(campaign)
        await session.flush()
        rows = self._rule_rows(campaign, rules)
        session.add_all(rows)
        session.add_all(ratee_row(campaign.tenant_id, campaign.id, e) for e in employees)
        await session.flush()
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="campaign",
            entity_id=campaign.id,
            action="created",
            after={
                **(snapshot(campaign) or {}),
                "relationships": [r.model_dump(mode="json") for r in rules],
                "ratees": [str(e.id) for e in employees],
            },
        )
        return campaign_read(campaign, rows)

    async def get_row(self, session: AsyncSession, campaign_id: UUID) -> Campaign:
        """The campaign row (its `version` is the ETag)."""
        return await self._get(CampaignRepository(session), campaign_id)

    async def read(self, session: AsyncSession, campaign: Campaign) -> CampaignRead:
        return campaign_read(campaign, await CampaignRepository(session).rules(campaign.id))

    async def list_campaigns(
        self,
        session: AsyncSession,
        cycle_id: UUID | None,
        status: CampaignStatus | None,
        params: PageParams,
    ) -> Page[CampaignRead]:
        repo = CampaignRepository(session)
        page = await paginate(
            session,
            repo.list_statement(cycle_id=cycle_id, status=status),
            sort=Campaign.created_at,  # type: ignore[arg-type]
            id_column=Campaign.id,  # type: ignore[arg-type]
            params=params,
            to_item=lambda row: row,
            updated_column=Campaign.updated_at,  # type: ignore[arg-type]
        )
        rules: dict[UUID, list[CampaignRelationship]] = {}
        for rule in await repo.rules_of([c.id for c in page.items]):
            rules.setdefault(rule.campaign_id, []).append(rule)
        return Page[CampaignRead](
            items=[campaign_read(c, rules.get(c.id, [])) for c in page.items],
            next_cursor=page.next_cursor,
        )

    async def update(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        campaign_id: UUID,
        data: CampaignUpdate,
        now: datetime,
        people: Participation,
    ) -> CampaignRead:
        """Draft: change anything. Open: rename, move the due date, extend the close.
        Closed: frozen (answers and results must not change after the fact)."""
        repo = CampaignRepository(session)
        campaign = await self._get(repo, campaign_id)
        changes = data.model_dump(exclude_unset=True)
        nulls = [field(k, "cannot be null", "null") for k, v in changes.items() if v is None]
        if nulls:
            raise InvalidInput("Fields cannot be cleared.", errors=nulls)
        _check_changeable(campaign, data, changes, now)
        before = {
            **(snapshot(campaign) or {}),
            "relationships": _rules_snapshot(await repo.rules(campaign_id)),
        }
        opens_at = data.opens_at or campaign.opens_at
        closes_at = data.closes_at or campaign.closes_at
        due_at = data.due_at or (
            closes_at if campaign.due_at == campaign.closes_at else campaign.due_at
        )
        errors = validate_dates(opens_at, due_at, closes_at)
        k = data.anonymity_threshold or campaign.anonymity_threshold
        if data.relationships is not None:
            errors.extend(validate_rules(data.relationships, "relationships", k))
        elif data.anonymity_threshold is not None:
            errors.extend(_below_group_thresholds(await repo.rules(campaign_id), k))
        if errors:
            raise InvalidInput("The campaign is not valid.", errors=errors)
        if data.template_version is not None:
            version = await template_service.resolve_version(
                session, campaign.template_id, data.template_version, pointer="template_version"
            )
            campaign.template_version_id = version.id
            campaign.template_version = version.number
        if data.relationships is not None:
            await self._replace_rules(session, campaign, data.relationships, people)
        for key in ("name", "anonymity_threshold", "name_supervisor"):
            if key in changes:
                setattr(campaign, key, changes[key])
        campaign.opens_at, campaign.due_at, campaign.closes_at = opens_at, due_at, closes_at
        session.add(campaign)
        await session.flush()
        rules = await repo.rules(campaign_id)
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="campaign",
            entity_id=campaign.id,
            action="updated",
            before=before,
            after={**(snapshot(campaign) or {}), "relationships": _rules_snapshot(rules)},
        )
        return campaign_read(campaign, rules)

    # --- ratees -----------------------------------------------------------------------

    async def list_ratees(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        campaign_id: UUID,
        params: PageParams,
    ) -> Page[CampaignRateeRead]:
        """HR and integrations: every ratee; a manager: their reports; others: themselves."""
        repo = CampaignRepository(session)
        await self._get(repo, campaign_id)
        if is_hr(identity) or identity.has_any(Role.INTEGRATION):
            statement = repo.ratees_statement(campaign_id)
        elif identity.employee_id is None:
            return Page[CampaignRateeRead](items=[])
        else:
            statement = repo.ratees_statement(
                campaign_id,
                visible_to=identity.employee_id,
                as_manager=identity.has_any(Role.MANAGER),
            )
        return await paginate(
            session,
            statement,
            sort=CampaignRatee.created_at,  # type: ignore[arg-type]
            id_column=CampaignRatee.id,  # type: ignore[arg-type]
            params=params,
            to_item=CampaignRateeRead.model_validate,
            updated_column=CampaignRatee.updated_at,  # type: ignore[arg-type]
        )

    async def add_ratees(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        campaign_id: UUID,
        data: RateesAdd,
        directory: OrgDirectory,
    ) -> list[CampaignRateeRead]:
        """Add employees to a draft campaign (those already in it are left as they are)."""
        repo = CampaignRepository(session)
        campaign = await self._get(repo, campaign_id)
        ensure_draft(campaign)
        present = await repo.ratee_ids(campaign_id)
        wanted = [(n, e) for n, e in enumerate(data.employee_ids) if e not in present]
        employees = await self._lookup(_first_each(wanted), directory, "employee_ids")
        rows = [ratee_row(campaign.tenant_id, campaign_id, e) for e in employees]
        session.add_all(rows)
        await session.flush()
        for row in rows:
            await record_audit(
                session,
                AuditRecord,
                identity=identity,
                entity_type="campaign",
                entity_id=campaign_id,
                action="ratee_added",
                after=snapshot(row),
            )
        return [CampaignRateeRead.model_validate(r) for r in rows]

    async def remove_ratee(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        campaign_id: UUID,
        employee_id: UUID,
        people: Participation,
    ) -> None:
        """Take a ratee (and their nominations) out of a draft campaign."""
        repo = CampaignRepository(session)
        campaign = await self._get(repo, campaign_id)
        ensure_draft(campaign)
        ratee = await repo.get_ratee(campaign_id, employee_id)
        if ratee is None:
            raise RateeNotFound(f"Employee {employee_id} is not reviewed in this campaign.")
        await people.drop_nominations_of(session, campaign_id, employee_id)
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="campaign",
            entity_id=campaign_id,
            action="ratee_removed",
            before=snapshot(ratee),
        )
        await repo.delete_ratee(ratee)
        await session.flush()

    # --- helpers ----------------------------------------------------------------------

    async def _get(self, repo: CampaignRepository, campaign_id: UUID) -> Campaign:
        campaign = await repo.get(campaign_id)
        if campaign is None:
            raise CampaignNotFound(f"No campaign {campaign_id}.")
        return campaign

    def _rule_rows(
        self, campaign: Campaign, rules: Sequence[RelationshipRule]
    ) -> list[CampaignRelationship]:
        return [
            CampaignRelationship(
                tenant_id=campaign.tenant_id,
                campaign_id=campaign.id,
                relationship=r.relationship,
                min_raters=r.min_raters,
                max_raters=r.max_raters,
                position=n,
                anonymity_threshold=r.anonymity_threshold,
            )
            for n, r in enumerate(rules)
        ]

    async def _replace_rules(
        self,
        session: AsyncSession,
        campaign: Campaign,
        rules: Sequence[RelationshipRule],
        people: Participation,
    ) -> None:
        """New rules may not drop a relationship in use nor go below what is nominated."""
        in_use = await people.nominated_per_relationship(session, campaign.id)
        by_relationship = {r.relationship: (n, r) for n, r in enumerate(rules)}
        errors = []
        for relationship, count in in_use.items():
            if relationship not in by_relationship:
                errors.append(
                    field("relationships", f"{relationship.value} has nominations", "in_use")
                )
            elif by_relationship[relationship][1].max_raters < count:
                n = by_relationship[relationship][0]
                errors.append(
                    field(
                        f"relationships/{n}/max_raters",
                        f"a ratee has {count} {relationship.value} nominations",
                        "below_nominated",
                    )
                )
        if errors:
            raise InvalidInput("The relationships conflict with nominations.", errors=errors)
        repo = CampaignRepository(session)
        await repo.delete_rules(campaign.id)
        await session.flush()
        session.add_all(self._rule_rows(campaign, rules))

    async def _check_cycle(self, cycle_id: UUID, directory: OrgDirectory) -> None:
        """The cycle must exist in goals and not be closed (a closed cycle is frozen)."""
        cycle = await directory.get_cycle(cycle_id)
        if cycle is None:
            raise InvalidInput(
                "No such performance cycle.",
                errors=[field("cycle_id", "unknown performance cycle", "unknown")],
            )
        if cycle.phase is CyclePhase.CLOSED:
            raise InvalidInput(
                "The performance cycle is closed.",
                errors=[field("cycle_id", "the cycle is closed", "closed")],
            )

    async def _resolve_scope(
        self, scope: CampaignScope, directory: OrgDirectory
    ) -> list[EmployeeRead]:
        if scope.kind is ScopeKind.EMPLOYEES:
            wanted = list(enumerate(scope.employee_ids or []))
            return await self._lookup(_first_each(wanted), directory, "scope/employee_ids")
        employees = await directory.list_employees(org_unit_id=scope.org_unit_id)
        active = [e for e in employees if e.status is EmployeeStatus.ACTIVE]
        if not active:
            pointer = "scope/org_unit_id" if scope.kind is ScopeKind.ORG_UNIT else "scope/kind"
            raise InvalidInput(
                "Nobody active is in scope.",
                errors=[field(pointer, "no active employee in scope", "empty")],
            )
        return sorted(active, key=lambda e: (e.name, e.id))

    async def _lookup(
        self, employee_ids: Sequence[tuple[int, UUID]], directory: OrgDirectory, pointer: str
    ) -> list[EmployeeRead]:
        """The employees, each named by its index in the request when unknown."""
        found: list[EmployeeRead] = []
        errors: list[FieldProblem] = []
        for n, employee_id in employee_ids:
            employee = await directory.get_employee(employee_id)
            if employee is None or employee.status is EmployeeStatus.TERMINATED:
                errors.append(field(f"{pointer}/{n}", "unknown or terminated employee", "unknown"))
            else:
                found.append(employee)
        if errors:
            raise InvalidInput("Some employees cannot be reviewed.", errors=errors)
        return found


def _check_changeable(
    campaign: Campaign, data: CampaignUpdate, changes: dict[str, object], now: datetime
) -> None:
    """Closed: frozen. Open: only the name, the due date and a later closing change."""
    if campaign.status is CampaignStatus.CLOSED:
        raise CampaignClosed("A closed campaign is frozen.")
    if campaign.status is CampaignStatus.OPEN:
        frozen = sorted(set(changes) - OPEN_CHANGES)
        if frozen:
            raise CampaignNotOpen(
                "An open campaign changes only its name, due date and closing date.",
                errors=[field(k, "fixed once the campaign is open", "frozen") for k in frozen],
            )
        if "closes_at" in changes and (
            data.closes_at is not None
            and (data.closes_at < campaign.closes_at or data.closes_at <= now)
        ):
            raise InvalidInput(
                "An open campaign's closing can only move later, into the future.",
                errors=[field("closes_at", "earlier than the current closing", "earlier")],
            )


def _below_group_thresholds(rules: Sequence[CampaignRelationship], k: int) -> list[FieldProblem]:
    """A higher campaign k may not leave a group's own threshold below it."""
    return [
        field(
            "anonymity_threshold",
            f"the {rule.relationship.value} group's own threshold "
            f"({rule.anonymity_threshold}) would fall below it",
            "below_group_threshold",
        )
        for rule in rules
        if rule.anonymity_threshold is not None and rule.anonymity_threshold < k
    ]


def _rules_snapshot(rules: Sequence[CampaignRelationship]) -> list[dict[str, object]]:
    return [
        {
            "relationship": r.relationship.value,
            "min": r.min_raters,
            "max": r.max_raters,
            "anonymity_threshold": r.anonymity_threshold,
        }
        for r in rules
    ]


def _first_each(pairs: Sequence[tuple[int, UUID]]) -> list[tuple[int, UUID]]:
    seen: set[UUID] = set()
    out = []
    for n, employee_id in pairs:
        if employee_id not in seen:
            seen.add(employee_id)
            out.append((n, employee_id))
    return out


campaign_service = CampaignService()
