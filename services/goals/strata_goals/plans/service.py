"""Rules of plans and agreements: who may see and change a plan, versions proposed by either
side, weights frozen after planning (HR exception with a reason), both signatures on the
current version make the agreement, check-ins, actuals, and scores with every step."""

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.calc import IndicatorScore, PlanScore, WeightItem
from strata_contracts.goals.calc import PlanItem as CalcItem
from strata_contracts.goals.events import (
    ActualRecorded,
    CheckInRecorded,
    PlanSigned,
    PlanVersionProposed,
    SignedItem,
)
from strata_contracts.goals.plans import (
    ActualBulkCreate,
    ActualBulkResult,
    ActualCorrection,
    ActualCreate,
    ActualRead,
    AgreementRead,
    CheckInCreate,
    CheckInRead,
    ExplainedItem,
    OverdueCheckIn,
    PlanCreate,
    PlanExplanation,
    PlanItemInput,
    PlanItemRead,
    PlanRead,
    PlanScoreRead,
    PlanSign,
    PlanStatus,
    PlanSummary,
    PlanVersionCreate,
    PlanVersionRead,
    PlanWeightsSet,
    SignatureRead,
    SignerRole,
)
from strata_contracts.goals.strategy import SkippedPlan
from strata_contracts.goals.vocabulary import CyclePhase, EmployeeStatus, IndicatorKind
from strata_contracts.identity import IdentityClaims, Role
from strata_contracts.pagination import Page
from strata_contracts.problem import FieldProblem
from strata_goals.audit.service import audit_service
from strata_goals.calc import (
    PlanWeightsError,
    ScoringError,
    score_indicator,
    score_plan,
    validate_weights,
)
from strata_goals.cycles.models import Cycle
from strata_goals.cycles.repository import CycleRepository
from strata_goals.cycles.service import cycle_service
from strata_goals.events import emit
from strata_goals.org.models import Employee
from strata_goals.org.repository import EmployeeRepository
from strata_goals.org.service import org_service
from strata_goals.parameters import (
    PARAMETER_FIELDS,
    copy_parameters,
    parameter_problems,
    parameter_values,
    parameters_read,
    spec_of,
)
from strata_goals.plans.exceptions import (
    ActualNotFound,
    ActualSuperseded,
    AgreementNotFound,
    AlreadySigned,
    PlanExists,
    PlanNotFound,
    PlanNotScorable,
    StaleVersion,
)
from strata_goals.plans.models import Actual, CheckIn, Plan, PlanItem, PlanSignature, PlanVersion
from strata_goals.plans.repository import PlanRepository
from strata_goals.policy.service import policy_service
from strata_goals.queries import add_row, page_of
from strata_goals.strategy.models import Indicator
from strata_goals.strategy.repository import IndicatorRepository
from strata_kit.errors import Forbidden, InvalidInput, field
from strata_kit.pagination import PageParams

PLAN_VERSION_PROPOSED = "goals.plan.version_proposed"
PLAN_SIGNED = "goals.plan.signed"
CHECK_IN_RECORDED = "goals.check_in.recorded"
ACTUAL_RECORDED = "goals.actual.recorded"

RESULT_PHASES = {CyclePhase.COACHING, CyclePhase.ASSESSMENT}
"""Actuals are recorded while the work is followed and assessed."""
CHECK_IN_PHASES = {CyclePhase.COACHING, CyclePhase.ASSESSMENT}


def today() -> date:
    return datetime.now(UTC).date()


@dataclass
class ScoredPlan:
    """A plan scored on its agreed version (else its current one)."""

    plan: Plan
    version: PlanVersion
    items: list[PlanItem]
    actuals: dict[uuid.UUID, list[Actual]]
    item_scores: dict[uuid.UUID, IndicatorScore | None]
    score: PlanScore | None
    problem: str | None = None


@dataclass
class AssignmentOutcome:
    employees: int = 0
    plans_created: int = 0
    items_added: int = 0
    skipped: list[SkippedPlan] = dataclass_field(default_factory=list)


def plan_summary(plan: Plan) -> PlanSummary:
    return PlanSummary.model_validate(plan)


def item_read(item: PlanItem) -> PlanItemRead:
    return PlanItemRead(
        **parameters_read(item).model_dump(),
        key=item.key,
        indicator_id=item.indicator_id,
        name=item.name,
        perspective=item.perspective,
        weight=item.weight,
    )


def version_read(
    version: PlanVersion, items: Sequence[PlanItem], signatures: Sequence[PlanSignature]
) -> PlanVersionRead:
    return PlanVersionRead(
        number=version.number,
        author=version.author,
        author_employee_id=version.author_employee_id,
        note=version.note,
        reason=version.reason,
        created_at=version.created_at,
        items=[item_read(i) for i in items],
        signatures=[signature_read(s) for s in signatures if s.plan_version == version.number],
    )


def signature_read(signature: PlanSignature) -> SignatureRead:
    return SignatureRead(
        version=signature.plan_version,
        role=signature.role,
        signer=signature.signer,
        signer_employee_id=signature.signer_employee_id,
        signed_at=signature.signed_at,
    )


def actual_read(actual: Actual) -> ActualRead:
    return ActualRead.model_validate(actual)


def check_in_read(check_in: CheckIn) -> CheckInRead:
    return CheckInRead.model_validate(check_in)


class PlanService:
    # --- access --------------------------------------------------------------------------

    async def visible_plan(
        self, session: AsyncSession, identity: IdentityClaims, plan_id: uuid.UUID
    ) -> Plan:
        """The plan, if the caller may see it: 404 when unknown, 403 when not theirs to see."""
        plan = await PlanRepository(session).get(plan_id)
        if plan is None:
            raise PlanNotFound(f"No plan {plan_id}.")
        await org_service.ensure_can_see(session, identity, plan.employee_id)
        return plan

    async def ensure_can_edit(
        self, session: AsyncSession, identity: IdentityClaims, employee_id: uuid.UUID
    ) -> None:
        """The employee, their managers and HR shape a plan; integrations only read it."""
        if identity.has_any(Role.HR, Role.ADMIN):
            return
        if await org_service.is_self_or_above(session, identity, employee_id):
            return
        raise Forbidden("Only the employee, their managers and HR may change this plan.")

    def ensure_planning(self, cycle: Cycle, action: str) -> None:
        cycle_service.ensure_phase(cycle, {CyclePhase.PLANNING}, action)

    # --- plans and versions --------------------------------------------------------------

    async def list_plans(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        params: PageParams,
        *,
        cycle_id: uuid.UUID | None,
        employee_id: uuid.UUID | None,
        status: PlanStatus | None,
    ) -> Page[PlanSummary]:
        stmt = PlanRepository(session).list_statement(
            cycle_id=cycle_id,
            employee_id=employee_id,
            status=status,
            within=org_service.visible_employees(session, identity),
        )
        return await page_of(session, stmt, Plan, params, plan_summary)

    async def read(self, session: AsyncSession, plan: Plan) -> PlanRead:
        repo = PlanRepository(session)
        version = await repo.version(plan.id, plan.current_version)
        assert version is not None
        items = (await repo.items([version.id])).get(version.id, [])
        signatures = await repo.signatures(plan.id)
        return PlanRead(
            **plan_summary(plan).model_dump(), current=version_read(version, items, signatures)
        )

    async def read_for(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        employee_id: uuid.UUID,
        cycle_id: uuid.UUID,
    ) -> Plan:
        await org_service.ensure_can_see(session, identity, employee_id)
        plan = await PlanRepository(session).get_for(employee_id, cycle_id)
        if plan is None:
            raise PlanNotFound(f"Employee {employee_id} has no plan in cycle {cycle_id}.")
        return plan

    async def versions(self, session: AsyncSession, plan: Plan) -> list[PlanVersionRead]:
        repo = PlanRepository(session)
        versions = await repo.versions(plan.id)
        items = await repo.items([v.id for v in versions])
        signatures = await repo.signatures(plan.id)
        return [version_read(v, items.get(v.id, []), signatures) for v in versions]

    async def create(
        self, session: AsyncSession, identity: IdentityClaims, data: PlanCreate
    ) -> PlanRead:
        employee = await EmployeeRepository(session).get(data.employee_id)
        if employee is None:
            raise InvalidInput(
                "The employee does not exist.",
                errors=[field("employee_id", "no such employee in this tenant")],
            )
        await self.ensure_can_edit(session, identity, employee.id)
        if employee.status is EmployeeStatus.TERMINATED:
            raise InvalidInput(
                "A terminated employee gets no new plan.",
                errors=[field("employee_id", "the employee is terminated")],
            )
        cycle = await CycleRepository(session).get(data.cycle_id)
        if cycle is None:
            raise InvalidInput(
                "The cycle does not exist.", errors=[field("cycle_id", "no such cycle")]
            )
        self.ensure_planning(cycle, "Opening a plan")
        if await PlanRepository(session).get_for(employee.id, cycle.id) is not None:
            raise PlanExists(f"{employee.name} already has a plan in {cycle.name}.")
        plan = add_row(session, Plan, employee_id=employee.id, cycle_id=cycle.id)
        await session.flush()
        version = self._new_version(session, identity, plan, 1, data.note, None)
        await session.flush()
        if data.items is not None:
            values = await self._proposed_items(session, data.items, {})
            items = [
                self._add_item(session, plan, version, ordinal, **v)
                for ordinal, v in enumerate(values)
            ]
        else:
            posts = await IndicatorRepository(session).of_positions(
                [employee.position_id] if employee.position_id else []
            )
            items = [
                self._item_from_indicator(session, plan, version, ordinal, indicator)
                for ordinal, indicator in enumerate(posts.get(employee.position_id, []))  # type: ignore[arg-type]
            ]
        await session.flush()
        await self._version_proposed(session, identity, plan, version, items, "created", None)
        return await self.read(session, plan)

    async def propose_version(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        plan_id: uuid.UUID,
        data: PlanVersionCreate,
    ) -> PlanRead:
        """A new version from either side; it replaces the current one and needs both
        signatures, even if an earlier version was signed."""
        plan = await self.visible_plan(session, identity, plan_id)
        await self.ensure_can_edit(session, identity, plan.employee_id)
        cycle = await cycle_service.get(session, plan.cycle_id)
        cycle_service.ensure_open(cycle)
        current_items = await self._current_items(session, plan, data.base_version)
        values = await self._proposed_items(
            session, data.items, {item.key: item for item in current_items}
        )
        self._weights_may_change(
            identity, cycle, current_items, {v["key"]: v["weight"] for v in values}, data.reason
        )
        version = self._new_version(
            session, identity, plan, plan.current_version + 1, data.note, data.reason
        )
        await session.flush()
        items = [
            self._add_item(session, plan, version, ordinal, **v) for ordinal, v in enumerate(values)
        ]
        await self._supersede(
            session, identity, plan, version, items, "version_proposed", data.reason
        )
        return await self.read(session, plan)

    async def set_weights(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        plan_id: uuid.UUID,
        data: PlanWeightsSet,
    ) -> PlanRead:
        """New weights for the current items, as a new version (frozen after planning: HR
        only, with a reason)."""
        plan = await self.visible_plan(session, identity, plan_id)
        await self.ensure_can_edit(session, identity, plan.employee_id)
        cycle = await cycle_service.get(session, plan.cycle_id)
        cycle_service.ensure_open(cycle)
        current_items = await self._current_items(session, plan, data.base_version)
        by_key = {item.key: item for item in current_items}
        problems: list[FieldProblem] = []
        given: dict[uuid.UUID, Decimal] = {}
        for i, entry in enumerate(data.items):
            if entry.key not in by_key:
                problems.append(field(f"items/{i}/key", "not an item of the current version"))
            elif entry.key in given:
                problems.append(field(f"items/{i}/key", "given twice"))
            given[entry.key] = entry.weight
        missing = [item.name for item in current_items if item.key not in given]
        if missing:
            problems.append(
                field("items", "every item needs a weight; missing: " + ", ".join(missing))
            )
        if problems:
            raise InvalidInput("The weights do not match the plan's items.", errors=problems)
        ordered = [given[item.key] for item in current_items]
        policy = await policy_service.get(session)
        weight_problems = validate_weights(
            [
                WeightItem(indicator_id=item.key, weight=weight, perspective=item.perspective)
                for item, weight in zip(current_items, ordered, strict=True)
            ],
            min_weight=policy.min_weight,
            max_weight=policy.max_weight,
        )
        if weight_problems:
            raise InvalidInput(
                "The weights are invalid.",
                errors=[field(p.pointer, p.detail, p.code) for p in weight_problems],
            )
        self._weights_may_change(identity, cycle, current_items, given, data.reason)
        version = self._new_version(
            session, identity, plan, plan.current_version + 1, None, data.reason
        )
        await session.flush()
        items = [
            self._add_item(
                session,
                plan,
                version,
                ordinal,
                **_item_values(item, weight=given[item.key]),
            )
            for ordinal, item in enumerate(current_items)
        ]
        await self._supersede(
            session, identity, plan, version, items, "weights_changed", data.reason
        )
        return await self.read(session, plan)

    async def sign(
        self, session: AsyncSession, identity: IdentityClaims, plan_id: uuid.UUID, data: PlanSign
    ) -> PlanRead:
        """Sign the current version as the plan's employee or as their manager; the second
        signature makes it the performance agreement."""
        repo = PlanRepository(session)
        plan = await self.visible_plan(session, identity, plan_id)
        cycle = await cycle_service.get(session, plan.cycle_id)
        cycle_service.ensure_open(cycle)
        if data.version != plan.current_version:
            raise StaleVersion(
                f"Version {data.version} is not the current one; sign version "
                f"{plan.current_version}.",
                current_version=plan.current_version,
            )
        employee = await org_service.get_employee(session, plan.employee_id)
        role = _signer_role(identity, employee)
        if await repo.signature(plan.id, data.version, role) is not None:
            raise AlreadySigned(f"Version {data.version} is already signed by the {role.value}.")
        version = await repo.version(plan.id, data.version)
        assert version is not None
        items = (await repo.items([version.id])).get(version.id, [])
        await self._ensure_signable(session, items)
        now = datetime.now(UTC)
        signature = add_row(
            session,
            PlanSignature,
            plan_id=plan.id,
            plan_version=data.version,
            role=role,
            signer=identity.subject,
            signer_employee_id=identity.employee_id,
            signed_at=now,
        )
        other = await repo.signature(
            plan.id,
            data.version,
            SignerRole.MANAGER if role is SignerRole.EMPLOYEE else SignerRole.EMPLOYEE,
        )
        before = _plan_state(plan)
        if other is not None:
            plan.status = PlanStatus.SIGNED
            plan.agreed_version = data.version
            plan.agreed_at = now
            session.add(plan)
        await session.flush()
        await audit_service.record(
            session,
            identity,
            entity_type="plan",
            entity_id=plan.id,
            action="signed",
            before=before,
            after=_plan_state(plan) | {"signed_version": data.version, "signed_as": role.value},
        )
        if other is not None:
            by_role = {role: signature, other.role: other}
            await emit(
                session,
                PLAN_SIGNED,
                f"plan/{plan.id}",
                PlanSigned(
                    plan_id=plan.id,
                    employee_id=plan.employee_id,
                    cycle_id=plan.cycle_id,
                    version=data.version,
                    employee_signed_by=by_role[SignerRole.EMPLOYEE].signer,
                    employee_signed_at=by_role[SignerRole.EMPLOYEE].signed_at,
                    manager_signed_by=by_role[SignerRole.MANAGER].signer,
                    manager_signer_employee_id=by_role[SignerRole.MANAGER].signer_employee_id,
                    manager_signed_at=by_role[SignerRole.MANAGER].signed_at,
                    items=[
                        SignedItem(
                            key=i.key,
                            indicator_id=i.indicator_id,
                            name=i.name,
                            perspective=i.perspective,
                            weight=i.weight,
                        )
                        for i in items
                    ],
                ),
            )
        return await self.read(session, plan)

    async def agreement(self, session: AsyncSession, plan: Plan) -> AgreementRead:
        if plan.agreed_version is None or plan.agreed_at is None:
            raise AgreementNotFound("Both sides have not signed any version of this plan yet.")
        repo = PlanRepository(session)
        version = await repo.version(plan.id, plan.agreed_version)
        assert version is not None
        signatures = {
            s.role: s
            for s in await repo.signatures(plan.id)
            if s.plan_version == plan.agreed_version
        }
        items = (await repo.items([version.id])).get(version.id, [])
        return AgreementRead(
            plan_id=plan.id,
            employee_id=plan.employee_id,
            cycle_id=plan.cycle_id,
            version=plan.agreed_version,
            employee_signature=signature_read(signatures[SignerRole.EMPLOYEE]),
            manager_signature=signature_read(signatures[SignerRole.MANAGER]),
            agreed_at=plan.agreed_at,
            superseded=plan.current_version != plan.agreed_version,
            items=[item_read(i) for i in items],
        )

    # --- bulk: template assignment -------------------------------------------------------

    async def add_post_indicators(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        cycle: Cycle,
        indicators: Mapping[uuid.UUID, Indicator],
    ) -> AssignmentOutcome:
        """Put each position's indicator into the plans of the cycle of everyone holding
        that position: drafts get an item, employees without a plan get one drafted from
        their post; versions someone already signed are left alone (and reported)."""
        self.ensure_planning(cycle, "Adding indicators to plans")
        repo = PlanRepository(session)
        employees = [
            e
            for e in await EmployeeRepository(session).holding_positions(list(indicators))
            if e.status is not EmployeeStatus.TERMINATED
        ]
        outcome = AssignmentOutcome(employees=len(employees))
        plans = await repo.in_cycle(cycle.id, [e.id for e in employees])
        versions = await repo.versions_of(list(plans.values()))
        items = await repo.items([v.id for v in versions.values()])
        signed = await repo.signed_versions(list(plans.values()))
        post_indicators = await IndicatorRepository(session).of_positions(list(indicators))
        drafts: list[tuple[Employee, Plan]] = []
        for employee in sorted(employees, key=lambda e: (e.created_at, e.id)):
            assert employee.position_id is not None
            indicator = indicators[employee.position_id]
            plan = plans.get(employee.id)
            if plan is None:
                plan = add_row(session, Plan, employee_id=employee.id, cycle_id=cycle.id)
                drafts.append((employee, plan))
                continue
            version = versions[plan.id]
            current = items.get(version.id, [])
            if (plan.id, version.number) in signed:
                outcome.skipped.append(
                    SkippedPlan(
                        plan_id=plan.id,
                        employee_id=employee.id,
                        reason=f"version {version.number} is signed; propose a new version "
                        "to add the indicator",
                    )
                )
                continue
            if any(item.indicator_id == indicator.id for item in current):
                outcome.skipped.append(
                    SkippedPlan(
                        plan_id=plan.id, employee_id=employee.id, reason="already in the plan"
                    )
                )
                continue
            self._item_from_indicator(session, plan, version, len(current), indicator)
            outcome.items_added += 1
            await audit_service.record(
                session,
                identity,
                entity_type="plan",
                entity_id=plan.id,
                action="item_added",
                after={"version": version.number, "indicator_id": str(indicator.id)},
            )
        # New plans, then their first versions, then items: each level references the one
        # before, so each goes in its own (bulk) flush.
        await session.flush()
        new_versions = [
            self._new_version(
                session, identity, plan, 1, "Drafted from the post's indicators.", None
            )
            for _, plan in drafts
        ]
        await session.flush()
        for (employee, plan), version in zip(drafts, new_versions, strict=True):
            assert employee.position_id is not None
            for ordinal, post_indicator in enumerate(post_indicators[employee.position_id]):
                self._item_from_indicator(session, plan, version, ordinal, post_indicator)
            outcome.plans_created += 1
            outcome.items_added += 1
            await audit_service.record(
                session,
                identity,
                entity_type="plan",
                entity_id=plan.id,
                action="created",
                after=_plan_state(plan)
                | {"indicator_id": str(indicators[employee.position_id].id)},
            )
        await session.flush()
        return outcome

    # --- check-ins -----------------------------------------------------------------------

    async def record_check_in(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        plan_id: uuid.UUID,
        data: CheckInCreate,
    ) -> CheckInRead:
        plan = await self.visible_plan(session, identity, plan_id)
        await self.ensure_can_edit(session, identity, plan.employee_id)
        cycle = await cycle_service.get(session, plan.cycle_id)
        cycle_service.ensure_phase(cycle, CHECK_IN_PHASES, "A check-in")
        held_on = data.held_on or today()
        problems: list[FieldProblem] = []
        if held_on > today():
            problems.append(field("held_on", "a check-in cannot be recorded ahead of time"))
        elif not cycle.starts_on <= held_on <= cycle.ends_on:
            # Coaching belongs to the cycle's period: a check-in dated outside it would
            # count towards a period it did not happen in (today is the default date).
            problems.append(
                field(
                    "held_on",
                    f"{held_on.isoformat()} is outside the cycle "
                    f"({cycle.starts_on.isoformat()} to {cycle.ends_on.isoformat()})",
                    "outside_cycle",
                )
            )
        if data.guidance is not None and identity.employee_id == plan.employee_id:
            problems.append(field("guidance", "guidance is the supervisor's to give"))
        keys = {item.key for item in await self._scored_items(session, plan)}
        for i, entry in enumerate(data.progress):
            if entry.key not in keys:
                problems.append(field(f"progress/{i}/key", "not an item of this plan"))
        if problems:
            raise InvalidInput("The check-in cannot be recorded.", errors=problems)
        check_in = add_row(
            session,
            CheckIn,
            plan_id=plan.id,
            held_on=held_on,
            author=identity.subject,
            author_employee_id=identity.employee_id,
            progress=[p.model_dump(mode="json") for p in data.progress],
            obstacles=data.obstacles,
            guidance=data.guidance,
            summary=data.summary,
        )
        await session.flush()
        await emit(
            session,
            CHECK_IN_RECORDED,
            f"plan/{plan.id}",
            CheckInRecorded(
                check_in_id=check_in.id,
                plan_id=plan.id,
                employee_id=plan.employee_id,
                cycle_id=plan.cycle_id,
                held_on=held_on,
                author=identity.subject,
            ),
        )
        return check_in_read(check_in)

    async def list_check_ins(
        self, session: AsyncSession, plan: Plan, params: PageParams
    ) -> Page[CheckInRead]:
        stmt = PlanRepository(session).check_ins_statement(plan.id)
        return await page_of(session, stmt, CheckIn, params, check_in_read)

    async def overdue_check_ins(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        *,
        cycle_id: uuid.UUID | None,
        days: int | None,
    ) -> list[OverdueCheckIn]:
        """Plans in coaching whose last check-in (or, with none, the start of coaching) is
        at least `days` old: for a manager their reporting line, for HR the tenant."""
        if not identity.has_any(Role.MANAGER, Role.HR, Role.ADMIN):
            raise Forbidden("The overdue check-ins view is for managers and HR.")
        interval = (
            days if days is not None else (await policy_service.get(session)).check_in_interval_days
        )
        if cycle_id is not None:
            cycles = [await cycle_service.get(session, cycle_id)]
        else:
            cycles = list(await CycleRepository(session).in_phase(CyclePhase.COACHING))
        cycles = [c for c in cycles if c.phase is CyclePhase.COACHING]
        repo = PlanRepository(session)
        visible: set[uuid.UUID] | None = None
        if not identity.has_any(Role.HR, Role.ADMIN):
            visible = await org_service.reporting_line(session, identity.employee_id)
        plans = [
            plan
            for cycle in cycles
            for plan in (await repo.in_cycle(cycle.id)).values()
            if visible is None or plan.employee_id in visible
        ]
        last = await repo.last_check_ins([p.id for p in plans])
        employees = await EmployeeRepository(session).by_ids({p.employee_id for p in plans})
        started = {c.id: c.phase_changed_at.date() for c in cycles}
        now = today()
        overdue = []
        for plan in sorted(plans, key=lambda p: (employees[p.employee_id].name, p.id)):
            reference = last.get(plan.id) or started[plan.cycle_id]
            if (now - reference).days < interval:
                continue
            employee = employees[plan.employee_id]
            held = last.get(plan.id)
            overdue.append(
                OverdueCheckIn(
                    employee_id=employee.id,
                    employee_name=employee.name,
                    manager_id=employee.manager_id,
                    plan_id=plan.id,
                    cycle_id=plan.cycle_id,
                    last_check_in_on=held,
                    days_since=(now - held).days if held else None,
                )
            )
        return overdue

    # --- actuals -------------------------------------------------------------------------

    async def record_actual(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        plan_id: uuid.UUID,
        data: ActualCreate,
    ) -> ActualRead:
        plan = await self.visible_plan(session, identity, plan_id)
        self._ensure_can_record(identity, plan)
        cycle = await cycle_service.get(session, plan.cycle_id)
        cycle_service.ensure_phase(cycle, RESULT_PHASES, "Recording actuals")
        items = {item.key: item for item in await self._scored_items(session, plan)}
        item = items.get(data.key)
        if item is None:
            raise InvalidInput(
                "The plan has no such item.", errors=[field("key", "not an item of this plan")]
            )
        score = _score_or_problem(item, data.value, data.level, "")
        actual = self._add_actual(
            session,
            identity,
            plan,
            item,
            data.value,
            data.level,
            data.source,
            data.measured_on or today(),
            data.note,
        )
        await session.flush()
        await self._actual_recorded(session, identity, plan, item, actual, score)
        return actual_read(actual)

    async def correct_actual(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        actual_id: uuid.UUID,
        data: ActualCorrection,
    ) -> ActualRead:
        """Replace the actual in force of an item by a corrected one (HR; coaching to
        feedback, as appeals are decided in feedback; a closed cycle is frozen). Audited with
        before, after and the reason; published as `goals.actual.recorded` naming the
        corrected actual."""
        if not identity.has_any(Role.HR, Role.ADMIN):
            raise Forbidden("Actuals are corrected by HR.")
        repo = PlanRepository(session)
        corrected = await repo.actual(actual_id)
        if corrected is None:
            raise ActualNotFound(f"No actual {actual_id}.")
        plan = await self.visible_plan(session, identity, corrected.plan_id)
        cycle = await cycle_service.get(session, plan.cycle_id)
        cycle_service.ensure_phase(
            cycle,
            {CyclePhase.COACHING, CyclePhase.ASSESSMENT, CyclePhase.FEEDBACK},
            "Correcting actuals",
        )
        in_force = (await repo.item_actuals(plan.id, corrected.key))[-1]
        if in_force.id != corrected.id:
            raise ActualSuperseded(
                f"Actual {actual_id} is no longer in force: {in_force.id} replaced it."
            )
        standing = corrected.value if corrected.value is not None else corrected.level
        if data.before is not None and standing is not None and Decimal(standing) != data.before:
            raise ActualSuperseded(
                f"The actual stands at {standing}, not {data.before}: nothing was changed."
            )
        items = {item.key: item for item in await self._scored_items(session, plan)}
        item = items.get(corrected.key)
        if item is None:
            raise ActualSuperseded("The item is no longer in the plan's scored version.")
        score = _score_or_problem(item, data.value, data.level, "")
        actual = self._add_actual(
            session,
            identity,
            plan,
            item,
            data.value,
            data.level,
            f"correction of {corrected.id}",
            corrected.measured_on,
            data.reason,
        )
        await session.flush()
        await audit_service.record(
            session,
            identity,
            entity_type="actual",
            entity_id=actual.id,
            action="corrected",
            before=actual_read(corrected).model_dump(mode="json"),
            after=actual_read(actual).model_dump(mode="json")
            | {
                "indicator": item.name,
                "score": str(score.score),
                "appeal_id": str(data.appeal_id) if data.appeal_id else None,
                "change_request_id": str(data.change_request_id)
                if data.change_request_id
                else None,
            },
            reason=data.reason,
        )
        await emit(
            session,
            ACTUAL_RECORDED,
            f"plan/{plan.id}",
            ActualRecorded(
                actual_id=actual.id,
                plan_id=plan.id,
                employee_id=plan.employee_id,
                cycle_id=plan.cycle_id,
                key=item.key,
                indicator_id=item.indicator_id,
                value=actual.value,
                level=actual.level,
                source=actual.source,
                measured_on=actual.measured_on,
                score=score.score,
                corrects_actual_id=corrected.id,
                appeal_id=data.appeal_id,
                change_request_id=data.change_request_id,
                reason=data.reason,
            ),
        )
        return actual_read(actual)

    async def record_actuals_bulk(
        self, session: AsyncSession, identity: IdentityClaims, data: ActualBulkCreate
    ) -> ActualBulkResult:
        """Actuals for many employees of a cycle in a few queries; all or nothing."""
        cycle = await CycleRepository(session).get(data.cycle_id)
        if cycle is None:
            raise InvalidInput(
                "The cycle does not exist.", errors=[field("cycle_id", "no such cycle")]
            )
        cycle_service.ensure_phase(cycle, RESULT_PHASES, "Recording actuals")
        employees_repo = EmployeeRepository(session)
        by_id = await employees_repo.by_ids({i.employee_id for i in data.items if i.employee_id})
        by_external = await employees_repo.by_external_ids(
            {i.employee_external_id for i in data.items if i.employee_external_id}
        )
        by_code = await IndicatorRepository(session).by_codes(
            {i.indicator_code for i in data.items if i.indicator_code}
        )
        repo = PlanRepository(session)
        plans = await repo.in_cycle(
            cycle.id, {e.id for e in by_id.values()} | {e.id for e in by_external.values()}
        )
        versions = await repo.versions_of(list(plans.values()), scored=True)
        items = await repo.items([v.id for v in versions.values()])
        problems: list[FieldProblem] = []
        resolved: list[tuple[Plan, PlanItem, IndicatorScore, Any]] = []
        seen: set[tuple[uuid.UUID, uuid.UUID]] = set()
        for i, entry in enumerate(data.items):
            employee = (
                by_id.get(entry.employee_id)
                if entry.employee_id
                else by_external.get(entry.employee_external_id or "")
            )
            who = "employee_id" if entry.employee_id else "employee_external_id"
            if employee is None:
                problems.append(field(f"items/{i}/{who}", "no such employee in this tenant"))
                continue
            plan = plans.get(employee.id)
            if plan is None:
                problems.append(field(f"items/{i}/{who}", "the employee has no plan in this cycle"))
                continue
            indicator_id = entry.indicator_id or (
                by_code[entry.indicator_code].id if entry.indicator_code in by_code else None
            )
            which = "indicator_id" if entry.indicator_id else "indicator_code"
            item = next(
                (
                    x
                    for x in items.get(versions[plan.id].id, [])
                    if indicator_id is not None and x.indicator_id == indicator_id
                ),
                None,
            )
            if item is None:
                problems.append(
                    field(f"items/{i}/{which}", "not an indicator of the employee's plan")
                )
                continue
            if (plan.id, item.key) in seen:
                problems.append(field(f"items/{i}/{which}", "given twice for this employee"))
                continue
            seen.add((plan.id, item.key))
            try:
                score = _score_or_problem(item, entry.value, entry.level, f"items/{i}/")
            except InvalidInput as exc:
                problems.extend(exc.errors or [])
                continue
            resolved.append((plan, item, score, entry))
        if problems:
            raise InvalidInput("Some actuals cannot be recorded; none was.", errors=problems)
        recorded = []
        for plan, item, score, entry in resolved:
            actual = self._add_actual(
                session,
                identity,
                plan,
                item,
                entry.value,
                entry.level,
                data.source,
                entry.measured_on or today(),
                entry.note,
            )
            recorded.append((plan, item, actual, score))
        await session.flush()
        for plan, item, actual, score in recorded:
            await self._actual_recorded(session, identity, plan, item, actual, score)
        return ActualBulkResult(recorded=len(recorded), ids=[a.id for _, _, a, _ in recorded])

    async def list_actuals(
        self, session: AsyncSession, plan: Plan, params: PageParams, key: uuid.UUID | None
    ) -> Page[ActualRead]:
        stmt = PlanRepository(session).actuals_statement(plan.id, key)
        return await page_of(session, stmt, Actual, params, actual_read)

    # --- scores --------------------------------------------------------------------------

    async def score(self, session: AsyncSession, plan: Plan) -> PlanScoreRead:
        scored = (await self.score_plans(session, [plan]))[0]
        if scored.score is None:
            raise PlanNotScorable(scored.problem or "The plan cannot be scored.")
        return PlanScoreRead(
            plan_id=plan.id,
            employee_id=plan.employee_id,
            cycle_id=plan.cycle_id,
            version=scored.version.number,
            agreed=plan.agreed_version == scored.version.number,
            score=scored.score,
        )

    async def explain(self, session: AsyncSession, plan: Plan) -> PlanExplanation:
        """Every step of the employee's score for the cycle."""
        scored = (await self.score_plans(session, [plan]))[0]
        if scored.score is None:
            raise PlanNotScorable(scored.problem or "The plan cannot be scored.")
        employee = await org_service.get_employee(session, plan.employee_id)
        cycle = await cycle_service.get(session, plan.cycle_id)
        return PlanExplanation(
            employee_id=employee.id,
            employee_name=employee.name,
            cycle_id=cycle.id,
            cycle_name=cycle.name,
            phase=cycle.phase,
            plan_id=plan.id,
            version=scored.version.number,
            agreed=plan.agreed_version == scored.version.number,
            items=[
                ExplainedItem(
                    key=item.key,
                    indicator_id=item.indicator_id,
                    name=item.name,
                    perspective=item.perspective,
                    weight=item.weight,
                    parameters=parameters_read(item),
                    actual=actual_read(scored.actuals[item.key][-1])
                    if scored.actuals.get(item.key)
                    else None,
                    actuals_recorded=len(scored.actuals.get(item.key, [])),
                    score=scored.item_scores.get(item.key),
                )
                for item in scored.items
            ],
            plan_score=scored.score,
        )

    async def score_plans(self, session: AsyncSession, plans: Sequence[Plan]) -> list[ScoredPlan]:
        """Score plans on their agreed (else current) version with their latest actuals, in
        three queries whatever their number."""
        repo = PlanRepository(session)
        versions = await repo.versions_of(plans, scored=True)
        items = await repo.items([v.id for v in versions.values()])
        actuals = await repo.actuals([p.id for p in plans])
        out = []
        for plan in plans:
            version = versions[plan.id]
            plan_items = items.get(version.id, [])
            by_key = {item.key: actuals.get((plan.id, item.key), []) for item in plan_items}
            item_scores: dict[uuid.UUID, IndicatorScore | None] = {}
            for item in plan_items:
                latest = by_key[item.key][-1] if by_key[item.key] else None
                item_scores[item.key] = _stored_score(item, latest)
            try:
                plan_score = score_plan(
                    [
                        CalcItem(
                            key=item.key,
                            indicator_id=item.indicator_id,
                            name=item.name,
                            perspective=item.perspective,
                            weight=item.weight,
                            score=item_scores[item.key],
                        )
                        for item in plan_items
                    ]
                )
                problem = None
            except PlanWeightsError as exc:
                plan_score, problem = None, f"The plan cannot be scored: {exc.detail}."
            out.append(
                ScoredPlan(plan, version, plan_items, by_key, item_scores, plan_score, problem)
            )
        return out

    async def scored_cycle(self, session: AsyncSession, cycle: Cycle) -> list[ScoredPlan]:
        plans = list((await PlanRepository(session).in_cycle(cycle.id)).values())
        return await self.score_plans(session, plans)

    async def indicator_scores(
        self, session: AsyncSession, cycle: Cycle
    ) -> dict[uuid.UUID, list[Decimal]]:
        """The scores each cascade indicator earned in the cycle's plans."""
        found: dict[uuid.UUID, list[Decimal]] = defaultdict(list)
        for scored in await self.scored_cycle(session, cycle):
            for item in scored.items:
                score = scored.item_scores.get(item.key)
                if item.indicator_id is not None and score is not None:
                    found[item.indicator_id].append(score.score)
        return found

    # --- internals -----------------------------------------------------------------------

    async def _current_items(
        self, session: AsyncSession, plan: Plan, base_version: int
    ) -> list[PlanItem]:
        if base_version != plan.current_version:
            raise StaleVersion(
                f"Version {plan.current_version} was proposed since version {base_version}; "
                "start from it.",
                current_version=plan.current_version,
            )
        repo = PlanRepository(session)
        version = await repo.version(plan.id, plan.current_version)
        assert version is not None
        return (await repo.items([version.id])).get(version.id, [])

    async def _scored_items(self, session: AsyncSession, plan: Plan) -> list[PlanItem]:
        repo = PlanRepository(session)
        version = (await repo.versions_of([plan], scored=True))[plan.id]
        return (await repo.items([version.id])).get(version.id, [])

    async def _proposed_items(
        self,
        session: AsyncSession,
        inputs: Sequence[PlanItemInput],
        previous: Mapping[uuid.UUID, PlanItem],
    ) -> list[dict[str, Any]]:
        """Column values of the proposed items, every problem named by its pointer."""
        indicators = await IndicatorRepository(session).by_ids(
            {i.indicator_id for i in inputs if i.indicator_id}
        )
        problems: list[FieldProblem] = []
        values: list[dict[str, Any]] = []
        keys: set[uuid.UUID] = set()
        indicator_ids: set[uuid.UUID] = set()
        for i, entry in enumerate(inputs):
            prefix = f"items/{i}/"
            base: dict[str, Any]
            earlier = previous.get(entry.key) if entry.key else None
            if entry.key is not None and earlier is None:
                problems.append(field(f"{prefix}key", "not an item of the version revised"))
                continue
            if entry.key is not None and entry.key in keys:
                problems.append(field(f"{prefix}key", "the same item twice"))
                continue
            if earlier is not None:
                if entry.indicator_id not in (None, earlier.indicator_id):
                    problems.append(
                        field(
                            f"{prefix}indicator_id", "an item keeps its indicator; add a new item"
                        )
                    )
                    continue
                base = _item_values(earlier, weight=entry.weight)
            elif entry.indicator_id is not None:
                indicator = indicators.get(entry.indicator_id)
                if indicator is None or not indicator.active:
                    problems.append(field(f"{prefix}indicator_id", "no such active indicator"))
                    continue
                base = {
                    **copy_parameters(indicator),
                    "indicator_id": indicator.id,
                    "name": indicator.name,
                    "perspective": indicator.perspective,
                }
            else:
                missing = [n for n in ("name", "perspective") if getattr(entry, n) is None]
                if missing:
                    problems.extend(
                        field(f"{prefix}{n}", "required for an indicator proposed here")
                        for n in missing
                    )
                    continue
                base = {"indicator_id": None}
            chosen = (
                entry.model_fields_set if (earlier or entry.indicator_id) else set(PARAMETER_FIELDS)
            )
            overrides = parameter_values(entry, only_set=False)
            base.update({k: v for k, v in overrides.items() if k in chosen})
            for name in ("name", "perspective"):
                if getattr(entry, name) is not None:
                    base[name] = getattr(entry, name)
            base["weight"] = entry.weight
            base["key"] = earlier.key if earlier else uuid.uuid4()
            if base["indicator_id"] is not None:
                if base["indicator_id"] in indicator_ids:
                    problems.append(field(f"{prefix}indicator_id", "already in the plan"))
                    continue
                indicator_ids.add(base["indicator_id"])
            keys.add(base["key"])
            problems += parameter_problems(
                PlanItem(tenant_id=uuid.UUID(int=0), **_row_values(base)), prefix
            )
            values.append(base)
        if not problems:
            problems += await self._weight_problems(
                session, [(v["key"], v["weight"], v["perspective"]) for v in values]
            )
        if problems:
            raise InvalidInput("The proposed items are invalid.", errors=problems)
        return values

    async def _weight_problems(
        self, session: AsyncSession, weights: Sequence[tuple[uuid.UUID, Decimal, Any]]
    ) -> list[FieldProblem]:
        policy = await policy_service.get(session)
        return [
            field(p.pointer, p.detail, p.code)
            for p in validate_weights(
                [WeightItem(indicator_id=k, weight=w, perspective=p) for k, w, p in weights],
                min_weight=policy.min_weight,
                max_weight=policy.max_weight,
            )
        ]

    async def _ensure_signable(self, session: AsyncSession, items: Sequence[PlanItem]) -> None:
        """Only a complete plan is signed: indicators that can score, weights valid."""
        if not items:
            raise InvalidInput(
                "An empty plan cannot be signed.", errors=[field("version", "no items")]
            )
        problems: list[FieldProblem] = []
        for i, item in enumerate(items):
            problems += parameter_problems(item, f"items/{i}/")
        problems += await self._weight_problems(
            session, [(item.key, item.weight, item.perspective) for item in items]
        )
        if problems:
            raise InvalidInput(
                "This version cannot be signed: "
                + "; ".join(p.detail for p in problems)
                + ". Propose a corrected version.",
                errors=problems,
            )

    def _weights_may_change(
        self,
        identity: IdentityClaims,
        cycle: Cycle,
        current: Sequence[PlanItem],
        proposed: Mapping[uuid.UUID, Decimal],
        reason: str | None,
    ) -> None:
        """Weights are frozen once the cycle left planning: only HR changes them, with a
        reason (and the change is audited with it)."""
        if cycle.phase is CyclePhase.PLANNING:
            return
        before = {item.key: item.weight for item in current}
        if before == dict(proposed):
            return
        if not identity.has_any(Role.HR, Role.ADMIN):
            raise Forbidden(
                f"Weights are frozen since the cycle left planning ({cycle.phase.value}); only "
                "HR can change them, with a reason."
            )
        if reason is None:
            raise InvalidInput(
                "Changing frozen weights needs a reason.",
                errors=[field("reason", "required once the cycle left planning")],
            )

    def _ensure_can_record(self, identity: IdentityClaims, plan: Plan) -> None:
        """Results come from HR, data integrations or the employee's managers, never from
        the employee about themself."""
        if identity.has_any(Role.HR, Role.ADMIN, Role.INTEGRATION):
            return
        if identity.has_any(Role.MANAGER) and identity.employee_id != plan.employee_id:
            return  # visibility already placed the plan in the manager's reporting line
        raise Forbidden("Actuals are recorded by managers, HR or data integrations.")

    def _new_version(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        plan: Plan,
        number: int,
        note: str | None,
        reason: str | None,
    ) -> PlanVersion:
        return add_row(
            session,
            PlanVersion,
            plan_id=plan.id,
            number=number,
            author=identity.subject,
            author_employee_id=identity.employee_id,
            note=note,
            reason=reason,
        )

    def _add_item(
        self, session: AsyncSession, plan: Plan, version: PlanVersion, ordinal: int, **values: Any
    ) -> PlanItem:
        return add_row(
            session,
            PlanItem,
            plan_id=plan.id,
            version_id=version.id,
            ordinal=ordinal,
            **_row_values(values),
        )

    def _item_from_indicator(
        self,
        session: AsyncSession,
        plan: Plan,
        version: PlanVersion,
        ordinal: int,
        indicator: Indicator,
    ) -> PlanItem:
        return self._add_item(
            session,
            plan,
            version,
            ordinal,
            **copy_parameters(indicator),
            key=uuid.uuid4(),
            indicator_id=indicator.id,
            name=indicator.name,
            perspective=indicator.perspective,
            weight=indicator.weight if indicator.weight is not None else Decimal(0),
        )

    async def _supersede(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        plan: Plan,
        version: PlanVersion,
        items: Sequence[PlanItem],
        action: str,
        reason: str | None,
    ) -> None:
        before = _plan_state(plan)
        plan.current_version = version.number
        plan.status = PlanStatus.DRAFT
        session.add(plan)
        await session.flush()
        await self._version_proposed(
            session, identity, plan, version, items, action, reason, before
        )

    async def _version_proposed(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        plan: Plan,
        version: PlanVersion,
        items: Sequence[PlanItem],
        action: str,
        reason: str | None,
        before: dict[str, Any] | None = None,
    ) -> None:
        await audit_service.record(
            session,
            identity,
            entity_type="plan",
            entity_id=plan.id,
            action=action,
            before=before,
            after=_plan_state(plan)
            | {"items": [item_read(i).model_dump(mode="json") for i in items]},
            reason=reason,
        )
        await emit(
            session,
            PLAN_VERSION_PROPOSED,
            f"plan/{plan.id}",
            PlanVersionProposed(
                plan_id=plan.id,
                employee_id=plan.employee_id,
                cycle_id=plan.cycle_id,
                version=version.number,
                author=identity.subject,
            ),
        )

    def _add_actual(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        plan: Plan,
        item: PlanItem,
        value: Decimal | None,
        level: int | None,
        source: str,
        measured_on: date,
        note: str | None,
    ) -> Actual:
        return add_row(
            session,
            Actual,
            plan_id=plan.id,
            key=item.key,
            value=value,
            level=level,
            source=source,
            measured_on=measured_on,
            note=note,
            recorded_by=identity.subject,
            recorded_by_employee_id=identity.employee_id,
        )

    async def _actual_recorded(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        plan: Plan,
        item: PlanItem,
        actual: Actual,
        score: IndicatorScore,
    ) -> None:
        after = actual_read(actual).model_dump(mode="json") | {
            "indicator": item.name,
            "score": str(score.score),
        }
        await audit_service.record(
            session,
            identity,
            entity_type="actual",
            entity_id=actual.id,
            action="recorded",
            after=after,
        )
        await emit(
            session,
            ACTUAL_RECORDED,
            f"plan/{plan.id}",
            ActualRecorded(
                actual_id=actual.id,
                plan_id=plan.id,
                employee_id=plan.employee_id,
                cycle_id=plan.cycle_id,
                key=item.key,
                indicator_id=item.indicator_id,
                value=actual.value,
                level=actual.level,
                source=actual.source,
                measured_on=actual.measured_on,
                score=score.score,
            ),
        )


def _signer_role(identity: IdentityClaims, employee: Employee) -> SignerRole:
    """The employee signs their own plan; their direct manager signs as manager (HR signs
    for an employee who has no manager)."""
    if identity.employee_id is not None and identity.employee_id == employee.id:
        return SignerRole.EMPLOYEE
    if identity.employee_id is not None and identity.employee_id == employee.manager_id:
        return SignerRole.MANAGER
    if employee.manager_id is None and identity.has_any(Role.HR, Role.ADMIN):
        return SignerRole.MANAGER
    raise Forbidden("Only the employee and their direct manager sign the plan.")


def _score_or_problem(
    item: PlanItem, value: Decimal | None, level: int | None, prefix: str
) -> IndicatorScore:
    """The score an actual gives, or a 422 naming the bad value or level."""
    qualitative = item.kind is IndicatorKind.QUALITATIVE
    if qualitative and level is None:
        raise InvalidInput(
            f"{item.name} is qualitative: give the level reached.",
            errors=[field(f"{prefix}level", "required for a qualitative indicator")],
        )
    if not qualitative and value is None:
        raise InvalidInput(
            f"{item.name} is quantitative: give the value measured.",
            errors=[field(f"{prefix}value", "required for a quantitative indicator")],
        )
    try:
        return score_indicator(spec_of(item), value, level)
    except ScoringError as exc:
        pointer = f"{prefix}level" if qualitative else f"{prefix}value"
        raise InvalidInput(
            f"The actual cannot be scored: {exc.detail}.",
            errors=[field(pointer, exc.detail, getattr(exc, "code", None))],
        ) from exc


def _stored_score(item: PlanItem, latest: Actual | None) -> IndicatorScore | None:
    """The score of the latest actual; None without one, or when a later revision of the
    item (say, quantitative to qualitative) left that actual unscorable."""
    if latest is None:
        return None
    try:
        return score_indicator(spec_of(item), latest.value, latest.level)
    except ScoringError:
        return None


def _plan_state(plan: Plan) -> dict[str, Any]:
    return {
        "status": plan.status.value,
        "current_version": plan.current_version,
        "agreed_version": plan.agreed_version,
    }


def _item_values(item: PlanItem, **overrides: Any) -> dict[str, Any]:
    return {
        **copy_parameters(item),
        "key": item.key,
        "indicator_id": item.indicator_id,
        "name": item.name,
        "perspective": item.perspective,
        "weight": item.weight,
        **overrides,
    }


_ROW_FIELDS = {*PARAMETER_FIELDS, "key", "indicator_id", "name", "perspective", "weight"}


def _row_values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in _ROW_FIELDS}


plan_service = PlanService()
