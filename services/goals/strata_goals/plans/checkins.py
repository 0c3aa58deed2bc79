"""Check-ins: the coaching conversations of the period, recorded against a plan's items, and
the plans whose last check-in is overdue."""

import uuid
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.events import CheckInRecorded
from strata_contracts.goals.plans import CheckInCreate, CheckInRead, OverdueCheckIn
from strata_contracts.goals.vocabulary import CyclePhase
from strata_contracts.identity import IdentityClaims, Role
from strata_contracts.pagination import Page
from strata_contracts.problem import FieldProblem
from strata_goals.cycles.models import Cycle
from strata_goals.cycles.repository import CycleRepository
from strata_goals.cycles.service import cycle_service
from strata_goals.events import emit
from strata_goals.org.repository import EmployeeRepository
from strata_goals.org.service import org_service
from strata_goals.plans.models import CheckIn, Plan
from strata_goals.plans.reading import plan_reader
from strata_goals.plans.repository import PlanRepository
from strata_goals.plans.rules import CHECK_IN_PHASES, CHECK_IN_RECORDED, check_in_read, today
from strata_goals.policy.service import policy_service
from strata_goals.queries import add_row, page_of
from strata_kit.errors import Forbidden, InvalidInput, field
from strata_kit.pagination import PageParams


class CheckInService:
    async def record_check_in(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        plan_id: uuid.UUID,
        data: CheckInCreate,
    ) -> CheckInRead:
        plan = await plan_reader.visible_plan(session, identity, plan_id)
        await plan_reader.ensure_can_edit(session, identity, plan.employee_id)
        cycle = await cycle_service.get(session, plan.cycle_id)
        cycle_service.ensure_phase(cycle, CHECK_IN_PHASES, "A check-in")
        held_on = data.held_on or today()
        problems = _date_problems(held_on, cycle)
        if data.guidance is not None and identity.employee_id == plan.employee_id:
            problems.append(field("guidance", "guidance is the supervisor's to give"))
        keys = {item.key for item in await plan_reader.scored_items(session, plan)}
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


def _date_problems(held_on: date, cycle: Cycle) -> list[FieldProblem]:
    if held_on > today():
        return [field("held_on", "a check-in cannot be recorded ahead of time")]
    if not cycle.starts_on <= held_on <= cycle.ends_on:
        # Coaching belongs to the cycle's period: a check-in dated outside it would count
        # towards a period it did not happen in (today is the default date).
        return [
            field(
                "held_on",
                f"{held_on.isoformat()} is outside the cycle "
                f"({cycle.starts_on.isoformat()} to {cycle.ends_on.isoformat()})",
                "outside_cycle",
            )
        ]
    return []


check_in_service = CheckInService()
