"""Plans and their versions: a plan opened in planning, versions proposed by either side,
weights frozen after planning (HR exception with a reason), and both signatures on the
current version making the performance agreement."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.calc import WeightItem
from strata_contracts.goals.events import PlanSigned, SignedItem
from strata_contracts.goals.plans import (
    PlanCreate,
    PlanRead,
    PlanSign,
    PlanStatus,
    PlanVersionCreate,
    PlanWeightsSet,
    SignerRole,
)
from strata_contracts.goals.vocabulary import EmployeeStatus
from strata_contracts.identity import IdentityClaims
from strata_contracts.problem import FieldProblem
from strata_goals.audit.service import audit_service
from strata_goals.calc import validate_weights
from strata_goals.cycles.repository import CycleRepository
from strata_goals.cycles.service import cycle_service
from strata_goals.events import emit
from strata_goals.org.repository import EmployeeRepository
from strata_goals.org.service import org_service
from strata_goals.plans import items as plan_items
from strata_goals.plans.exceptions import AlreadySigned, PlanExists, StaleVersion
from strata_goals.plans.models import Plan, PlanItem, PlanSignature
from strata_goals.plans.reading import plan_reader
from strata_goals.plans.repository import PlanRepository
from strata_goals.plans.rules import PLAN_SIGNED, item_values, plan_state, signer_role
from strata_goals.policy.service import policy_service
from strata_goals.queries import add_row
from strata_goals.strategy.repository import IndicatorRepository
from strata_kit.errors import InvalidInput, field


class VersionService:
    async def create(
        self, session: AsyncSession, identity: IdentityClaims, data: PlanCreate
    ) -> PlanRead:
        """Open an employee's plan for a cycle in planning (version 1: proposed, or the
        post's indicators)."""
        employee = await EmployeeRepository(session).get(data.employee_id)
        if employee is None:
            raise InvalidInput(
                "The employee does not exist.",
                errors=[field("employee_id", "no such employee in this tenant")],
            )
        await plan_reader.ensure_can_edit(session, identity, employee.id)
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
        plan_reader.ensure_planning(cycle, "Opening a plan")
        if await PlanRepository(session).get_for(employee.id, cycle.id) is not None:
            raise PlanExists(f"{employee.name} already has a plan in {cycle.name}.")
        plan = add_row(session, Plan, employee_id=employee.id, cycle_id=cycle.id)
        await session.flush()
        version = plan_items.new_version(session, identity, plan, 1, data.note, None)
        await session.flush()
        if data.items is not None:
            values = await plan_items.proposed_items(session, data.items, {})
            items = [
                plan_items.add_item(session, plan, version, ordinal, **v)
                for ordinal, v in enumerate(values)
            ]
        else:
            posts = await IndicatorRepository(session).of_positions(
                [employee.position_id] if employee.position_id else []
            )
            items = [
                plan_items.item_from_indicator(session, plan, version, ordinal, indicator)
                for ordinal, indicator in enumerate(posts.get(employee.position_id, []))  # type: ignore[arg-type]
            ]
        await session.flush()
        await plan_items.version_proposed(session, identity, plan, version, items, "created", None)
        return await plan_reader.read(session, plan)

    async def propose_version(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        plan_id: uuid.UUID,
        data: PlanVersionCreate,
    ) -> PlanRead:
        """A new version from either side; it replaces the current one and needs both
        signatures, even if an earlier version was signed."""
        plan = await plan_reader.visible_plan(session, identity, plan_id)
        await plan_reader.ensure_can_edit(session, identity, plan.employee_id)
        cycle = await cycle_service.get(session, plan.cycle_id)
        cycle_service.ensure_open(cycle)
        current_items = await plan_reader.current_items(session, plan, data.base_version)
        values = await plan_items.proposed_items(
            session, data.items, {item.key: item for item in current_items}
        )
        plan_items.weights_may_change(
            identity, cycle, current_items, {v["key"]: v["weight"] for v in values}, data.reason
        )
        version = plan_items.new_version(
            session, identity, plan, plan.current_version + 1, data.note, data.reason
        )
        await session.flush()
        items = [
            plan_items.add_item(session, plan, version, ordinal, **v)
            for ordinal, v in enumerate(values)
        ]
        await plan_items.supersede(
            session, identity, plan, version, items, "version_proposed", data.reason
        )
        return await plan_reader.read(session, plan)

    async def set_weights(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        plan_id: uuid.UUID,
        data: PlanWeightsSet,
    ) -> PlanRead:
        """New weights for the current items, as a new version (frozen after planning: HR
        only, with a reason)."""
        plan = await plan_reader.visible_plan(session, identity, plan_id)
        await plan_reader.ensure_can_edit(session, identity, plan.employee_id)
        cycle = await cycle_service.get(session, plan.cycle_id)
        cycle_service.ensure_open(cycle)
        current_items = await plan_reader.current_items(session, plan, data.base_version)
        given = await _given_weights(session, data, current_items)
        plan_items.weights_may_change(identity, cycle, current_items, given, data.reason)
        version = plan_items.new_version(
            session, identity, plan, plan.current_version + 1, None, data.reason
        )
        await session.flush()
        items = [
            plan_items.add_item(
                session, plan, version, ordinal, **item_values(item, weight=given[item.key])
            )
            for ordinal, item in enumerate(current_items)
        ]
        await plan_items.supersede(
            session, identity, plan, version, items, "weights_changed", data.reason
        )
        return await plan_reader.read(session, plan)

    async def sign(
        self, session: AsyncSession, identity: IdentityClaims, plan_id: uuid.UUID, data: PlanSign
    ) -> PlanRead:
        """Sign the current version as the plan's employee or as their manager; the second
        signature makes it the performance agreement."""
        repo = PlanRepository(session)
        plan = await plan_reader.visible_plan(session, identity, plan_id)
        cycle = await cycle_service.get(session, plan.cycle_id)
        cycle_service.ensure_open(cycle)
        if data.version != plan.current_version:
            raise StaleVersion(
                f"Version {data.version} is not the current one; sign version "
                f"{plan.current_version}.",
                current_version=plan.current_version,
            )
        employee = await org_service.get_employee(session, plan.employee_id)
        role = signer_role(identity, employee)
        if await repo.signature(plan.id, data.version, role) is not None:
            raise AlreadySigned(f"Version {data.version} is already signed by the {role.value}.")
        version = await repo.version(plan.id, data.version)
        assert version is not None
        items = (await repo.items([version.id])).get(version.id, [])
        await plan_items.ensure_signable(session, items)
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
        before = plan_state(plan)
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
            after=plan_state(plan) | {"signed_version": data.version, "signed_as": role.value},
        )
        if other is not None:
            await _agreed(session, plan, data.version, [signature, other], items)
        return await plan_reader.read(session, plan)


async def _given_weights(
    session: AsyncSession, data: PlanWeightsSet, current_items: Sequence[PlanItem]
) -> dict[uuid.UUID, Decimal]:
    """The weight given to each current item: every item once, valid under the policy."""
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
        problems.append(field("items", "every item needs a weight; missing: " + ", ".join(missing)))
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
    return given


async def _agreed(
    session: AsyncSession,
    plan: Plan,
    version: int,
    signatures: Sequence[PlanSignature],
    items: Sequence[PlanItem],
) -> None:
    """Publish the agreement the second signature made."""
    by_role = {s.role: s for s in signatures}
    await emit(
        session,
        PLAN_SIGNED,
        f"plan/{plan.id}",
        PlanSigned(
            plan_id=plan.id,
            employee_id=plan.employee_id,
            cycle_id=plan.cycle_id,
            version=version,
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


plan_versions = VersionService()
