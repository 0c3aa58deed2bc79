"""Who may see and shape a plan, and the plan as it is read: its summary, current version,
versions, agreement, and the items a step works on."""

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.plans import (
    AgreementRead,
    PlanRead,
    PlanStatus,
    PlanSummary,
    PlanVersionRead,
    SignerRole,
)
from strata_contracts.goals.vocabulary import CyclePhase
from strata_contracts.identity import IdentityClaims, Role
from strata_contracts.pagination import Page
from strata_goals.cycles.models import Cycle
from strata_goals.cycles.service import cycle_service
from strata_goals.org.service import org_service
from strata_goals.plans.exceptions import AgreementNotFound, PlanNotFound, StaleVersion
from strata_goals.plans.models import Plan, PlanItem
from strata_goals.plans.repository import PlanRepository
from strata_goals.plans.rules import item_read, plan_summary, signature_read, version_read
from strata_goals.queries import page_of
from strata_kit.errors import Forbidden
from strata_kit.pagination import PageParams


class PlanReader:
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

    # --- reads ---------------------------------------------------------------------------

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

    # --- the items a step works on -------------------------------------------------------

    async def current_items(
        self, session: AsyncSession, plan: Plan, base_version: int
    ) -> list[PlanItem]:
        """The current version's items, if the caller started from it (else 409)."""
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

    async def scored_items(self, session: AsyncSession, plan: Plan) -> list[PlanItem]:
        """The items of the version a plan is scored on: agreed, else current."""
        repo = PlanRepository(session)
        version = (await repo.versions_of([plan], scored=True))[plan.id]
        return (await repo.items([version.id])).get(version.id, [])


plan_reader = PlanReader()
