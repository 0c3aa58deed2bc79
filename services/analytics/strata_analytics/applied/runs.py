"""Recommendation runs once computed: storing a run with its recommendations, reading runs
and recommendations, and HR's decision on each recommendation (audited, published as
`analytics.recommendation.decided`). The kinds of run (compensation, promotion, training
needs) compute their items and hand them to `run_service.store`."""

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.applied.calc import FOUR
from strata_analytics.applied.exceptions import (
    AlreadyDecided,
    RecommendationNotFound,
    RecommendationStale,
    RunNotFound,
)
from strata_analytics.applied.models import Recommendation, RecommendationRun
from strata_analytics.applied.repository import AppliedRepository
from strata_analytics.applied.rules import Guard, recommendation_read
from strata_analytics.models import AuditRecord, OutboxEvent
from strata_analytics.results.repository import ResultRepository
from strata_contracts.analytics.applied import (
    RECOMMENDATION_DECIDED,
    DecisionCreate,
    RecommendationDecided,
    RecommendationRead,
    RunListItem,
    RunRead,
    RunSummary,
)
from strata_contracts.events import RECOMMENDATION_DECIDED_VERSION
from strata_contracts.pagination import Page
from strata_kit.audit import record_audit, snapshot
from strata_kit.errors import InvalidInput, field
from strata_kit.identity import TenantIdentity
from strata_kit.outbox import record_event
from strata_kit.pagination import PageParams, paginate

# (employee, unit, proposed value, inputs): one recommendation of a run.
Item = tuple[uuid.UUID, str, Decimal, dict[str, Any]]


def run_list_item(run: RecommendationRun) -> RunListItem:
    return RunListItem(
        id=run.id,
        kind=run.kind,
        cycle_id=run.cycle_id,
        summary=RunSummary.model_validate(run.summary),
        created_by=run.created_by,
        created_at=run.created_at,
        updated_at=run.updated_at,
        stale_reason=run.stale_reason,
        stale_at=run.stale_at,
        rerun_of=run.rerun_of,
        superseded_by=run.superseded_by,
    )


def check_decidable(row: Recommendation) -> None:
    """A stale recommendation is decided through its re-proposal; a decision is final."""
    if row.stale:
        raise RecommendationStale(
            f"The result it was built on changed ({row.stale_reason}); decide the "
            + (
                f"re-proposed recommendation {row.superseded_by}."
                if row.superseded_by
                else "re-proposal once its run is computed again."
            )
        )
    if row.status != "proposed":
        raise AlreadyDecided(
            f"The recommendation was {row.status} by {row.decided_by}; a decision is final."
        )


def check_decision(row: Recommendation, data: DecisionCreate) -> None:
    """An override needs a new value and a reason; accepting keeps the proposed value."""
    problems = []
    if data.status == "overridden":
        if data.value is None:
            problems.append(field("value", "an override needs the new value"))
        if data.reason is None:
            problems.append(field("reason", "an override needs a reason"))
        elif data.value is not None and data.value == row.proposed_value:
            problems.append(field("value", "the same as the proposed value: accept instead"))
    elif data.value is not None and data.value != row.proposed_value:
        problems.append(field("value", "accepting keeps the proposed value; override to change it"))
    if row.unit == "promote" and data.value is not None and data.value not in (0, 1):
        problems.append(field("value", "1 (promote) or 0 (do not promote)"))
    if problems:
        raise InvalidInput("The decision is not valid.", errors=problems)


class RunService:
    async def store(
        self,
        session: AsyncSession,
        identity: TenantIdentity,
        kind: str,
        cycle_id: uuid.UUID,
        parameters: dict[str, Any],
        summary: RunSummary,
        items: Iterable[Item],
    ) -> RunRead:
        """The run, its recommendations and the audit record, in the request's transaction."""
        run = RecommendationRun(
            tenant_id=identity.tenant_id,
            kind=kind,
            cycle_id=cycle_id,
            parameters=parameters,
            summary=summary.model_dump(mode="json"),
            created_by=identity.subject,
        )
        session.add(run)
        await session.flush()
        for employee_id, unit, value, inputs in items:
            session.add(
                Recommendation(
                    tenant_id=identity.tenant_id,
                    run_id=run.id,
                    kind=kind,
                    employee_id=employee_id,
                    cycle_id=cycle_id,
                    unit=unit,
                    proposed_value=value,
                    inputs=inputs,
                )
            )
        await session.flush()
        including = bool(parameters.get("include_incomplete"))
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="recommendation_run",
            entity_id=run.id,
            action="computed_including_incomplete" if including else "computed",
            after={"kind": kind, "parameters": parameters, "summary": run.summary},
            reason=parameters.get("include_incomplete_reason") if including else None,
        )
        return await self.run(session, run.id)

    # --- reading ----------------------------------------------------------------------

    async def run(self, session: AsyncSession, run_id: uuid.UUID) -> RunRead:
        repo = AppliedRepository(session)
        run = await repo.run(run_id)
        if run is None:
            raise RunNotFound(f"No recommendation run {run_id}.")
        rows = await repo.run_recommendations(run.id)
        people = await ResultRepository(session).employees({r.employee_id for r in rows})
        return RunRead(
            id=run.id,
            kind=run.kind,
            cycle_id=run.cycle_id,
            parameters=run.parameters,
            summary=RunSummary.model_validate(run.summary),
            recommendations=[recommendation_read(r, people.get(r.employee_id)) for r in rows],
            created_by=run.created_by,
            created_at=run.created_at,
            stale_reason=run.stale_reason,
            stale_at=run.stale_at,
            rerun_of=run.rerun_of,
            superseded_by=run.superseded_by,
        )

    async def runs(
        self,
        session: AsyncSession,
        params: PageParams,
        kind: str | None,
        cycle_id: uuid.UUID | None,
    ) -> Page[RunListItem]:
        return await paginate(
            session,
            AppliedRepository(session).runs_statement(kind, cycle_id),
            sort=col(RecommendationRun.updated_at),
            id_column=col(RecommendationRun.id),
            params=params,
            to_item=run_list_item,
            updated_column=col(RecommendationRun.updated_at),
        )

    async def recommendations(
        self,
        session: AsyncSession,
        params: PageParams,
        *,
        kind: str | None,
        status: str | None,
        run_id: uuid.UUID | None,
        cycle_id: uuid.UUID | None,
        employee_id: uuid.UUID | None,
    ) -> Page[RecommendationRead]:
        page = await paginate(
            session,
            AppliedRepository(session).recommendations_statement(
                kind=kind, status=status, run_id=run_id, cycle_id=cycle_id, employee_id=employee_id
            ),
            sort=col(Recommendation.updated_at),
            id_column=col(Recommendation.id),
            params=params,
            to_item=lambda row: row,
            updated_column=col(Recommendation.updated_at),
        )
        people = await ResultRepository(session).employees({r.employee_id for r in page.items})
        return Page[RecommendationRead](
            items=[recommendation_read(r, people.get(r.employee_id)) for r in page.items],
            next_cursor=page.next_cursor,
        )

    async def recommendation_row(
        self, session: AsyncSession, recommendation_id: uuid.UUID
    ) -> Recommendation:
        row = await AppliedRepository(session).recommendation(recommendation_id)
        if row is None:
            raise RecommendationNotFound(f"No recommendation {recommendation_id}.")
        return row

    async def read(self, session: AsyncSession, row: Recommendation) -> RecommendationRead:
        people = await ResultRepository(session).employees({row.employee_id})
        return recommendation_read(row, people.get(row.employee_id))

    # --- decisions --------------------------------------------------------------------

    async def decide(
        self,
        session: AsyncSession,
        identity: TenantIdentity,
        recommendation_id: uuid.UUID,
        data: DecisionCreate,
        guard: Guard,
    ) -> Recommendation:
        """Accept the proposed value or override it (new value and reason required);
        audited, and published as `analytics.recommendation.decided`."""
        row = await self.recommendation_row(session, recommendation_id)
        guard(row)
        check_decidable(row)
        check_decision(row, data)
        before = snapshot(row)
        now = datetime.now(UTC)
        row.status = data.status
        row.final_value = (
            row.proposed_value
            if data.status == "accepted" or data.value is None
            else data.value.quantize(FOUR)
        )
        row.reason = data.reason
        row.decided_by, row.decided_at = identity.subject, now
        session.add(row)
        await session.flush()
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="recommendation",
            entity_id=row.id,
            action=data.status,
            before=before,
            after=snapshot(row),
            reason=data.reason,
        )
        await self._publish(session, row, identity, data, now)
        return row

    async def _publish(
        self,
        session: AsyncSession,
        row: Recommendation,
        identity: TenantIdentity,
        data: DecisionCreate,
        decided_at: datetime,
    ) -> None:
        assert row.final_value is not None
        await record_event(
            session,
            OutboxEvent,
            type=RECOMMENDATION_DECIDED,
            subject=f"recommendation/{row.id}",
            version=RECOMMENDATION_DECIDED_VERSION,
            data=RecommendationDecided(
                recommendation_id=row.id,
                run_id=row.run_id,
                kind=row.kind,
                employee_id=row.employee_id,
                cycle_id=row.cycle_id,
                status=data.status,
                unit=row.unit,
                proposed_value=row.proposed_value,
                final_value=row.final_value,
                reason=row.reason,
                decided_by=identity.subject,
                decided_at=decided_at,
                inputs=row.inputs,
            ),
        )


run_service = RunService()
