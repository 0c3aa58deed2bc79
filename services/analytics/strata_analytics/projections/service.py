"""Projection handlers: each source event updates the read model in the consumer's
transaction. Handlers are idempotent (rows are keyed by the source's ids, and the ingest
step never applies one event twice), so a rebuild can replay everything."""

import uuid
from collections.abc import Awaitable, Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.applied.amend import result_amendments
from strata_analytics.models import AnalyticsModel, Job
from strata_analytics.projections.models import (
    CampaignView,
    CycleView,
    EmployeeView,
    IndicatorView,
    ObjectiveView,
    OrgUnitView,
    PlanItemView,
    PlanView,
)
from strata_analytics.projections.repository import ProjectionRepository
from strata_analytics.ratings.pull import KIND as PULL_RATINGS
from strata_analytics.results.service import result_service
from strata_contracts.events import FeedEvent
from strata_contracts.goals.events import (
    ActualRecorded,
    CyclePhaseChanged,
    CycleRenamed,
    EmployeeUpserted,
    IndicatorChanged,
    ObjectiveChanged,
    OrgUnitChanged,
    PlanSigned,
)
from strata_contracts.reviews.events import CAMPAIGN_CLOSED, CampaignClosed
from strata_kit.logging import get_logger

FOUR_PLACES = Decimal("0.0001")
log = get_logger(__name__)
View = TypeVar("View", bound=AnalyticsModel)
Handler = Callable[[AsyncSession, FeedEvent], Awaitable[None]]


def plan_score(items: list[PlanItemView]) -> tuple[Decimal | None, Decimal, Decimal]:
    """(score, scored weight, total weight) of a plan, as goals computes it:
    Σ weight * score / Σ scored weight over the signed items, 4 places half up."""
    weighted = [i for i in items if i.weight is not None]
    total = sum((i.weight for i in weighted if i.weight is not None), Decimal(0))
    scored = [i for i in weighted if i.score is not None]
    scored_weight = sum((i.weight for i in scored if i.weight is not None), Decimal(0))
    if not scored or scored_weight <= 0:
        return None, scored_weight, total
    points = sum(
        (i.weight * i.score for i in scored if i.weight is not None and i.score is not None),
        Decimal(0),
    )
    return (points / scored_weight).quantize(FOUR_PLACES, ROUND_HALF_UP), scored_weight, total


class ProjectionService:
    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {
            "goals.org_unit.changed": self.org_unit,
            "goals.employee.upserted": self.employee,
            "goals.cycle.phase_changed": self.cycle,
            "goals.cycle.renamed": self.cycle_renamed,
            "goals.objective.changed": self.objective,
            "goals.indicator.changed": self.indicator,
            "goals.plan.signed": self.plan_signed,
            "goals.actual.recorded": self.actual,
            CAMPAIGN_CLOSED: self.campaign_closed,
        }

    async def apply(self, session: AsyncSession, event: FeedEvent) -> None:
        handler = self.handlers.get(event.type)
        if handler is None:
            return
        try:
            await handler(session, event)
        except ValidationError as exc:
            # A payload this version cannot read must not stop the feed: the event stays
            # stored (a rebuild after an upgrade projects it) and the skip is logged.
            log.warning(
                "projection.skipped",
                event_id=str(event.id),
                type=event.type,
                error=str(exc.errors()[:1]),
            )

    async def org_unit(self, session: AsyncSession, event: FeedEvent) -> None:
        unit = OrgUnitChanged.model_validate(event.data).org_unit
        row = await self._row(session, OrgUnitView, event.tenant_id, unit.id)
        row.name, row.parent_id, row.level = unit.name, unit.parent_id, unit.level.value
        session.add(row)

    async def employee(self, session: AsyncSession, event: FeedEvent) -> None:
        person = EmployeeUpserted.model_validate(event.data).employee
        row = await self._row(session, EmployeeView, event.tenant_id, person.id)
        row.external_id, row.name = person.external_id, person.name
        row.org_unit_id, row.position_id = person.org_unit_id, person.position_id
        row.manager_id, row.status = person.manager_id, person.status.value
        session.add(row)

    async def cycle(self, session: AsyncSession, event: FeedEvent) -> None:
        change = CyclePhaseChanged.model_validate(event.data)
        row = await self._row(session, CycleView, event.tenant_id, change.cycle_id)
        row.phase, row.phase_changed_at = change.to_phase.value, event.occurred_at
        if change.name is not None:  # an older event without one keeps what is known
            row.name = change.name
        session.add(row)

    async def cycle_renamed(self, session: AsyncSession, event: FeedEvent) -> None:
        renamed = CycleRenamed.model_validate(event.data)
        row = await ProjectionRepository(session).get(CycleView, event.tenant_id, renamed.cycle_id)
        if row is None:  # still planning: its first phase change brings the name
            return
        row.name = renamed.name
        session.add(row)

    async def objective(self, session: AsyncSession, event: FeedEvent) -> None:
        objective = ObjectiveChanged.model_validate(event.data).objective
        row = await self._row(session, ObjectiveView, event.tenant_id, objective.id)
        row.code, row.title = objective.code, objective.title
        row.perspective, row.active = objective.perspective.value, objective.active
        session.add(row)

    async def indicator(self, session: AsyncSession, event: FeedEvent) -> None:
        indicator = IndicatorChanged.model_validate(event.data).indicator
        row = await self._row(session, IndicatorView, event.tenant_id, indicator.id)
        row.code, row.name, row.level = indicator.code, indicator.name, indicator.level.value
        row.perspective = indicator.perspective.value
        row.org_unit_id, row.position_id = indicator.org_unit_id, indicator.position_id
        row.active = indicator.active
        row.links = [
            {
                "parent_objective_id": str(link.parent_objective_id)
                if link.parent_objective_id
                else None,
                "parent_indicator_id": str(link.parent_indicator_id)
                if link.parent_indicator_id
                else None,
                "contribution_weight": str(link.contribution_weight),
            }
            for link in indicator.links
        ]
        session.add(row)

    async def plan_signed(self, session: AsyncSession, event: FeedEvent) -> None:
        signed = PlanSigned.model_validate(event.data)
        tenant = event.tenant_id
        plan = await self._plan(
            session, tenant, signed.plan_id, signed.employee_id, signed.cycle_id
        )
        plan.signed_version, plan.signed_at = signed.version, signed.manager_signed_at
        repo = ProjectionRepository(session)
        existing = {i.key: i for i in await repo.plan_items(tenant, plan.id)}
        for item in signed.items:
            row = existing.pop(item.key, None) or PlanItemView(
                tenant_id=tenant, plan_id=plan.id, key=item.key, name=item.name, perspective=""
            )
            row.indicator_id, row.name = item.indicator_id, item.name
            row.perspective, row.weight = item.perspective.value, item.weight
            session.add(row)
        for dropped in existing.values():  # not in the agreed version: no longer weighed
            dropped.weight = None
            session.add(dropped)
        await self._rescore(session, plan)

    async def actual(self, session: AsyncSession, event: FeedEvent) -> None:
        actual = ActualRecorded.model_validate(event.data)
        tenant = event.tenant_id
        plan = await self._plan(
            session, tenant, actual.plan_id, actual.employee_id, actual.cycle_id
        )
        repo = ProjectionRepository(session)
        item = next(
            (i for i in await repo.plan_items(tenant, plan.id) if i.key == actual.key), None
        )
        if item is None:
            item = PlanItemView(
                tenant_id=tenant, plan_id=plan.id, key=actual.key, name="", perspective=""
            )
        newer = item.measured_on is None or (actual.measured_on, event.occurred_at) >= (
            item.measured_on,
            item.actual_at or event.occurred_at,
        )
        if newer:  # the latest measurement counts, as in goals
            item.indicator_id = item.indicator_id or actual.indicator_id
            item.score, item.actual_id = actual.score, actual.actual_id
            item.measured_on, item.actual_at = actual.measured_on, event.occurred_at
        session.add(item)
        await session.flush()
        if actual.corrects_actual_id is None:
            await self._rescore(session, plan)
            return
        # A correction (an upheld appeal): the result follows even when locked, and what
        # was built on it is marked stale and proposed again.
        before = await result_amendments.before(session, tenant, plan.employee_id, plan.cycle_id)
        await self._rescore(session, plan)
        await result_amendments.amended(session, tenant, actual, before)

    async def campaign_closed(self, session: AsyncSession, event: FeedEvent) -> None:
        closed = CampaignClosed.model_validate(event.data)
        row = await self._row(session, CampaignView, event.tenant_id, closed.campaign_id)
        row.cycle_id, row.closed_at = closed.cycle_id, closed.closed_at
        if closed.name is not None:
            row.name = closed.name
        session.add(row)
        session.add(
            Job(
                tenant_id=event.tenant_id,
                kind=PULL_RATINGS,
                payload={"campaign_id": str(closed.campaign_id)},
                requested_by="service:analytics",
                requested_roles=["admin"],
            )
        )
        session.info["jobs_submitted"] = True

    async def _plan(
        self,
        session: AsyncSession,
        tenant: uuid.UUID,
        plan_id: uuid.UUID,
        employee_id: uuid.UUID,
        cycle_id: uuid.UUID,
    ) -> PlanView:
        plan = await ProjectionRepository(session).get(PlanView, tenant, plan_id)
        if plan is None:
            plan = PlanView(
                tenant_id=tenant, id=plan_id, employee_id=employee_id, cycle_id=cycle_id
            )
            session.add(plan)
        return plan

    async def _rescore(self, session: AsyncSession, plan: PlanView) -> None:
        await session.flush()
        items = await ProjectionRepository(session).plan_items(plan.tenant_id, plan.id)
        plan.score, plan.scored_weight, plan.total_weight = plan_score(items)
        session.add(plan)
        await session.flush()
        await result_service.refresh(session, plan.tenant_id, plan.employee_id, plan.cycle_id)

    async def _row(
        self, session: AsyncSession, model: type[View], tenant: uuid.UUID, row_id: uuid.UUID
    ) -> View:
        row = await ProjectionRepository(session).get(model, tenant, row_id)
        if row is None:
            row = model(tenant_id=tenant, id=row_id)
        return row


projection_service = ProjectionService()
