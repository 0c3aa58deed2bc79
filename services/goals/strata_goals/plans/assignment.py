"""A position's indicator put into the plans of everyone holding the position, in bulk:
drafts get an item, employees without a plan get one drafted from their post, versions
someone already signed are left alone (and reported)."""

import uuid
from collections.abc import Mapping, Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.strategy import SkippedPlan
from strata_contracts.goals.vocabulary import EmployeeStatus
from strata_contracts.identity import IdentityClaims
from strata_goals.audit.service import audit_service
from strata_goals.cycles.models import Cycle
from strata_goals.org.models import Employee
from strata_goals.org.repository import EmployeeRepository
from strata_goals.plans import items as plan_items
from strata_goals.plans.models import Plan
from strata_goals.plans.reading import plan_reader
from strata_goals.plans.repository import PlanRepository
from strata_goals.plans.rules import plan_state
from strata_goals.queries import add_row
from strata_goals.strategy.models import Indicator
from strata_goals.strategy.ports import AssignmentOutcome
from strata_goals.strategy.repository import IndicatorRepository


async def add_post_indicators(
    session: AsyncSession,
    identity: IdentityClaims,
    cycle: Cycle,
    indicators: Mapping[uuid.UUID, Indicator],
) -> AssignmentOutcome:
    """Put each position's indicator (`indicators` by position id) into the cycle's plans of
    everyone holding that position."""
    plan_reader.ensure_planning(cycle, "Adding indicators to plans")
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
            reason = (
                f"version {version.number} is signed; propose a new version to add the indicator"
            )
        elif any(item.indicator_id == indicator.id for item in current):
            reason = "already in the plan"
        else:
            plan_items.item_from_indicator(session, plan, version, len(current), indicator)
            outcome.items_added += 1
            await audit_service.record(
                session,
                identity,
                entity_type="plan",
                entity_id=plan.id,
                action="item_added",
                after={"version": version.number, "indicator_id": str(indicator.id)},
            )
            continue
        outcome.skipped.append(SkippedPlan(plan_id=plan.id, employee_id=employee.id, reason=reason))
    await _draft_plans(session, identity, drafts, indicators, post_indicators, outcome)
    return outcome


async def _draft_plans(
    session: AsyncSession,
    identity: IdentityClaims,
    drafts: Sequence[tuple[Employee, Plan]],
    indicators: Mapping[uuid.UUID, Indicator],
    post_indicators: Mapping[uuid.UUID, Sequence[Indicator]],
    outcome: AssignmentOutcome,
) -> None:
    """The new plans' first versions, drafted from their posts' indicators."""
    # New plans, then their first versions, then items: each level references the one
    # before, so each goes in its own (bulk) flush.
    await session.flush()
    new_versions = [
        plan_items.new_version(
            session, identity, plan, 1, "Drafted from the post's indicators.", None
        )
        for _, plan in drafts
    ]
    await session.flush()
    for (employee, plan), version in zip(drafts, new_versions, strict=True):
        assert employee.position_id is not None
        for ordinal, post_indicator in enumerate(post_indicators[employee.position_id]):
            plan_items.item_from_indicator(session, plan, version, ordinal, post_indicator)
        outcome.plans_created += 1
        outcome.items_added += 1
        await audit_service.record(
            session,
            identity,
            entity_type="plan",
            entity_id=plan.id,
            action="created",
            after=plan_state(plan) | {"indicator_id": str(indicators[employee.position_id].id)},
        )
    await session.flush()
