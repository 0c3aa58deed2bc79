"""Actuals: the results measured against a plan's items, one at a time or in bulk for a
cycle, each scored as it is recorded; corrections by HR replace the actual in force."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.calc import IndicatorScore
from strata_contracts.goals.events import ActualRecorded
from strata_contracts.goals.plans import (
    ActualBulkCreate,
    ActualBulkResult,
    ActualCorrection,
    ActualCreate,
    ActualRead,
)
from strata_contracts.identity import IdentityClaims, Role
from strata_contracts.pagination import Page
from strata_contracts.problem import FieldProblem
from strata_goals.audit.service import audit_service
from strata_goals.cycles.repository import CycleRepository
from strata_goals.cycles.service import cycle_service
from strata_goals.events import emit
from strata_goals.org.repository import EmployeeRepository
from strata_goals.plans.exceptions import ActualNotFound, ActualSuperseded
from strata_goals.plans.models import Actual, Plan, PlanItem
from strata_goals.plans.reading import plan_reader
from strata_goals.plans.repository import PlanRepository
from strata_goals.plans.rules import (
    ACTUAL_RECORDED,
    CORRECTION_PHASES,
    RESULT_PHASES,
    actual_read,
    ensure_can_record,
    score_or_problem,
    today,
)
from strata_goals.queries import add_row, page_of
from strata_goals.strategy.repository import IndicatorRepository
from strata_kit.errors import Forbidden, InvalidInput, field
from strata_kit.pagination import PageParams

Resolved = tuple[Plan, PlanItem, IndicatorScore, Any]


class ActualService:
    async def record_actual(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        plan_id: uuid.UUID,
        data: ActualCreate,
    ) -> ActualRead:
        plan = await plan_reader.visible_plan(session, identity, plan_id)
        ensure_can_record(identity, plan)
        cycle = await cycle_service.get(session, plan.cycle_id)
        cycle_service.ensure_phase(cycle, RESULT_PHASES, "Recording actuals")
        items = {item.key: item for item in await plan_reader.scored_items(session, plan)}
        item = items.get(data.key)
        if item is None:
            raise InvalidInput(
                "The plan has no such item.", errors=[field("key", "not an item of this plan")]
            )
        score = score_or_problem(item, data.value, data.level, "")
        actual = _add_actual(
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
        await _actual_recorded(session, identity, plan, item, actual, score)
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
        plan, corrected, item = await self._in_force(session, identity, actual_id, data)
        score = score_or_problem(item, data.value, data.level, "")
        actual = _add_actual(
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
            _recorded_event(
                plan,
                item,
                actual,
                score,
                corrects_actual_id=corrected.id,
                appeal_id=data.appeal_id,
                change_request_id=data.change_request_id,
                reason=data.reason,
            ),
        )
        return actual_read(actual)

    async def _in_force(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        actual_id: uuid.UUID,
        data: ActualCorrection,
    ) -> tuple[Plan, Actual, PlanItem]:
        """The plan, the actual to correct (still in force, standing where the caller saw
        it) and its item in the scored version."""
        if not identity.has_any(Role.HR, Role.ADMIN):
            raise Forbidden("Actuals are corrected by HR.")
        repo = PlanRepository(session)
        corrected = await repo.actual(actual_id)
        if corrected is None:
            raise ActualNotFound(f"No actual {actual_id}.")
        plan = await plan_reader.visible_plan(session, identity, corrected.plan_id)
        cycle = await cycle_service.get(session, plan.cycle_id)
        cycle_service.ensure_phase(cycle, CORRECTION_PHASES, "Correcting actuals")
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
        items = {item.key: item for item in await plan_reader.scored_items(session, plan)}
        item = items.get(corrected.key)
        if item is None:
            raise ActualSuperseded("The item is no longer in the plan's scored version.")
        return plan, corrected, item

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
        resolved = await _resolve_bulk(session, data)
        recorded = []
        for plan, item, score, entry in resolved:
            actual = _add_actual(
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
            await _actual_recorded(session, identity, plan, item, actual, score)
        return ActualBulkResult(recorded=len(recorded), ids=[a.id for _, _, a, _ in recorded])

    async def list_actuals(
        self, session: AsyncSession, plan: Plan, params: PageParams, key: uuid.UUID | None
    ) -> Page[ActualRead]:
        stmt = PlanRepository(session).actuals_statement(plan.id, key)
        return await page_of(session, stmt, Actual, params, actual_read)


async def _resolve_bulk(session: AsyncSession, data: ActualBulkCreate) -> list[Resolved]:
    """Each entry's plan, item and score, found in a few queries; every problem named by its
    pointer, and nothing resolved when there is one."""
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
        data.cycle_id, {e.id for e in by_id.values()} | {e.id for e in by_external.values()}
    )
    versions = await repo.versions_of(list(plans.values()), scored=True)
    items = await repo.items([v.id for v in versions.values()])
    problems: list[FieldProblem] = []
    resolved: list[Resolved] = []
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
        item = _item_of(items.get(versions[plan.id].id, []), indicator_id)
        if item is None:
            problems.append(field(f"items/{i}/{which}", "not an indicator of the employee's plan"))
            continue
        if (plan.id, item.key) in seen:
            problems.append(field(f"items/{i}/{which}", "given twice for this employee"))
            continue
        seen.add((plan.id, item.key))
        try:
            score = score_or_problem(item, entry.value, entry.level, f"items/{i}/")
        except InvalidInput as exc:
            problems.extend(exc.errors or [])
            continue
        resolved.append((plan, item, score, entry))
    if problems:
        raise InvalidInput("Some actuals cannot be recorded; none was.", errors=problems)
    return resolved


def _item_of(items: list[PlanItem], indicator_id: uuid.UUID | None) -> PlanItem | None:
    if indicator_id is None:
        return None
    return next((x for x in items if x.indicator_id == indicator_id), None)


def _add_actual(
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


def _recorded_event(
    plan: Plan, item: PlanItem, actual: Actual, score: IndicatorScore, **correction: Any
) -> ActualRecorded:
    return ActualRecorded(
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
        **correction,
    )


async def _actual_recorded(
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
        session, ACTUAL_RECORDED, f"plan/{plan.id}", _recorded_event(plan, item, actual, score)
    )


actual_service = ActualService()
