"""An upheld appeal changes the world: when goals publishes a corrected actual (an appeal's
change request applied, `goals.actual.recorded` with `corrects_actual_id`), the person's result
is recomputed even if a finalised calibration locked it, every calibration entry of it takes
the new raw values, every recommendation run built on it is marked stale and queued to be
proposed again with the same parameters, and `analytics.result.amended` (plus
`analytics.recommendation.stale` per recommendation) is published, all audited.

Runs in the event consumer's transaction, which sees every tenant: the work is scoped to the
event's tenant for its duration (`tenant_scope`), so every query and new row is that tenant's.
Re-proposing is a job (`recommendations.repropose`), run with the tenant bound."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.applied.compensation import compensation_service
from strata_analytics.applied.models import Recommendation, RecommendationRun
from strata_analytics.applied.needs import training_needs_service
from strata_analytics.applied.promotion import promotion_service
from strata_analytics.applied.repository import AppliedRepository
from strata_analytics.calibration.repository import CalibrationRepository
from strata_analytics.calibration.service import band_range, calibration_service, overall_in_band
from strata_analytics.models import AuditRecord, Job, OutboxEvent
from strata_analytics.results.exceptions import ResultNotFound
from strata_analytics.results.models import OverallResult
from strata_analytics.results.repository import ResultRepository
from strata_analytics.results.service import result_service
from strata_contracts.analytics.applied import (
    RECOMMENDATION_STALE,
    RESULT_AMENDED,
    BonusRunCreate,
    MeritRunCreate,
    PromotionRunCreate,
    RatingAmendment,
    RecommendationStale,
    ResultAmended,
    RunRead,
    TrainingRunCreate,
)
from strata_contracts.analytics.results import RatingBand
from strata_contracts.goals.events import ActualRecorded
from strata_contracts.identity import IdentityClaims, Role
from strata_contracts.jobs import JobItemResult
from strata_kit.audit import record_audit, snapshot
from strata_kit.errors import InvalidInput, field
from strata_kit.jobs import JobContext, JobOutcome
from strata_kit.logging import get_logger

REPROPOSE = "recommendations.repropose"
SUBJECT = "service:analytics"
log = get_logger(__name__)


def _final(row: OverallResult | None) -> tuple[Any, str | None]:
    if row is None:
        return None, None
    overall = row.calibrated_overall if row.calibrated_overall is not None else row.overall
    return overall, row.calibrated_band or row.band


@asynccontextmanager
async def tenant_scope(session: AsyncSession, tenant: uuid.UUID) -> AsyncIterator[None]:
    """Scope a cross-tenant session to one tenant for a while (pending work flushed first,
    so nothing of another tenant is written inside the scope)."""
    await session.flush()
    saved = dict(session.info)
    session.info.pop("cross_tenant", None)
    session.info["tenant_id"] = tenant
    try:
        yield
        await session.flush()
    finally:
        for key in ("cross_tenant", "tenant_id"):
            session.info.pop(key, None)
            if key in saved:
                session.info[key] = saved[key]


def _people(run: RecommendationRun, recommendations: list[Recommendation]) -> set[str]:
    summary = run.summary or {}
    found = {str(r.employee_id) for r in recommendations}
    for key in ("excluded", "included_incomplete", "evaluations"):
        found |= {str(e.get("employee_id")) for e in summary.get(key, [])}
    return found


@dataclass(frozen=True)
class Before:
    """A result as it stood before the event changed anything."""

    record: dict[str, Any] | None
    raw: tuple[Any, str | None]
    final: tuple[Any, str | None]


class ResultAmendments:
    async def before(
        self, session: AsyncSession, tenant: uuid.UUID, employee: uuid.UUID, cycle: uuid.UUID
    ) -> Before:
        row = await ResultRepository(session).result(tenant, employee, cycle)
        if row is None:
            return Before(None, (None, None), (None, None))
        return Before(snapshot(row), (row.overall, row.band), _final(row))

    async def amended(
        self,
        session: AsyncSession,
        tenant: uuid.UUID,
        correction: ActualRecorded,
        before: Before,
    ) -> None:
        async with tenant_scope(session, tenant):
            await self._amend(session, tenant, correction, before)

    async def _amend(
        self,
        session: AsyncSession,
        tenant: uuid.UUID,
        correction: ActualRecorded,
        was: Before,
    ) -> None:
        identity = IdentityClaims(subject=SUBJECT, tenant_id=tenant, roles=frozenset({Role.ADMIN}))
        employee, cycle = correction.employee_id, correction.cycle_id
        row = await result_service.refresh(session, tenant, employee, cycle, amend_locked=True)
        if row is None:
            return
        await calibration_service.follow_raw(session, row)
        if await self._already_amended(session, row.id, correction.actual_id):
            return  # a replay (rebuild): the state is rebuilt, nothing is announced twice
        cause = f"actual {correction.corrects_actual_id} corrected by {correction.actual_id}"
        await self._announce(
            session,
            identity,
            row,
            was,
            cause,
            correction.appeal_id,
            correction.change_request_id,
            correction.reason,
        )

    async def amend_rating(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        result_id: uuid.UUID,
        data: RatingAmendment,
    ) -> OverallResult:
        """An upheld appeal decides the band: the result takes it (with a consistent overall)
        and is locked with it; calibration entries and what was built on it follow."""
        row = await ResultRepository(session).by_id(result_id)
        if row is None:
            raise ResultNotFound(f"No result {result_id}.")
        scale = [RatingBand.model_validate(b) for b in row.bands]
        if data.band not in {b.code for b in scale}:
            raise InvalidInput(
                "Unknown band.",
                errors=[field("band", f"one of {', '.join(b.code for b in scale)}")],
            )
        floor, ceiling = band_range(scale, data.band)
        if data.overall is None:
            overall = overall_in_band(row.overall, floor, ceiling)
        elif data.overall < floor or (ceiling is not None and data.overall >= ceiling):
            raise InvalidInput(
                "The overall is not in the band.",
                errors=[field("overall", f"band {data.band} starts at {floor}")],
            )
        else:
            overall = data.overall
        was = Before(snapshot(row), (row.overall, row.band), _final(row))
        row.calibrated_band, row.calibrated_overall, row.locked = data.band, overall, True
        session.add(row)
        note = f"Appeal {data.appeal_id}: {data.reason}" if data.appeal_id else data.reason
        for entry in await CalibrationRepository(session).entries_of(row.employee_id, row.cycle_id):
            before = snapshot(entry)
            entry.calibrated_band, entry.calibrated_overall = data.band, overall
            entry.reason = note[:2000]
            entry.adjusted_by, entry.adjusted_at = identity.subject, datetime.now(UTC)
            session.add(entry)
            await session.flush()
            await record_audit(
                session,
                AuditRecord,
                identity=identity,
                entity_type="calibration_entry",
                entity_id=entry.id,
                action="amended_by_appeal",
                before=before,
                after=snapshot(entry),
                reason=note,
            )
        await session.flush()
        await self._announce(
            session,
            identity,
            row,
            was,
            f"band set to {data.band} (overall {overall})",
            data.appeal_id,
            data.change_request_id,
            data.reason,
        )
        return row

    async def _announce(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        row: OverallResult,
        was: Before,
        cause: str,
        appeal_id: uuid.UUID | None,
        change_request_id: uuid.UUID | None,
        why: str | None,
    ) -> None:
        """Audit the amendment, mark what was built on the result stale, publish it."""
        employee, cycle, before = row.employee_id, row.cycle_id, was.final
        if appeal_id:
            cause += f" (appeal {appeal_id})"
        reason = f"Result amended: {cause}. {why or ''}".strip()
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="overall_result",
            entity_id=row.id,
            action="amended",
            before=was.record,
            after=snapshot(row),
            reason=reason,
        )
        after = _final(row)
        stale_runs: list[RecommendationRun] = []
        stale_recommendations: list[Recommendation] = []
        if after != before or was.raw != (row.overall, row.band):
            stale_runs, stale_recommendations = await self._mark_stale(
                session, identity, employee, cycle, reason
            )
        await record_event(
            session,
            RESULT_AMENDED,
            f"overall_result/{row.id}",
            ResultAmended(
                employee_id=employee,
                cycle_id=cycle,
                appeal_id=appeal_id,
                change_request_id=change_request_id,
                cause=cause,
                before_overall=before[0],
                before_band=before[1],
                raw_overall=row.overall,
                raw_band=row.band,
                final_overall=after[0],
                final_band=after[1],
                calibration_session_id=row.calibration_session_id,
                stale_run_ids=[r.id for r in stale_runs],
                stale_recommendation_ids=[r.id for r in stale_recommendations],
            ),
        )

    async def _already_amended(
        self, session: AsyncSession, result_id: uuid.UUID, actual_id: uuid.UUID
    ) -> bool:
        statement = select(func.count()).where(
            col(AuditRecord.entity_type) == "overall_result",
            col(AuditRecord.entity_id) == result_id,
            col(AuditRecord.action) == "amended",
            col(AuditRecord.reason).contains(f"corrected by {actual_id}"),
        )
        return bool((await session.exec(statement)).one())

    async def _mark_stale(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        employee: uuid.UUID,
        cycle: uuid.UUID,
        reason: str,
    ) -> tuple[list[RecommendationRun], list[Recommendation]]:
        """Every live run the person is part of is stale as a whole (a budget or pool ties
        everyone's amount together) and queued to be proposed again."""
        repo = AppliedRepository(session)
        now = datetime.now(UTC)
        runs: list[RecommendationRun] = []
        recommendations: list[Recommendation] = []
        for run in await repo.live_runs_for_cycle(cycle):
            if run.stale_at is not None:
                continue
            if run.cycle_id != cycle and str(cycle) not in run.parameters.get("cycle_ids", []):
                continue
            rows = await repo.run_recommendations(run.id)
            if str(employee) not in _people(run, rows):
                continue
            run.stale_reason, run.stale_at = reason, now
            session.add(run)
            runs.append(run)
            for rec in rows:
                before = snapshot(rec)
                rec.stale, rec.stale_reason = True, reason
                session.add(rec)
                recommendations.append(rec)
                await record_audit(
                    session,
                    AuditRecord,
                    identity=identity,
                    entity_type="recommendation",
                    entity_id=rec.id,
                    action="stale",
                    before=before,
                    after=snapshot(rec),
                    reason=reason,
                )
                await record_event(
                    session,
                    RECOMMENDATION_STALE,
                    f"recommendation/{rec.id}",
                    RecommendationStale(
                        recommendation_id=rec.id,
                        run_id=run.id,
                        kind=rec.kind,
                        employee_id=rec.employee_id,
                        cycle_id=rec.cycle_id,
                        status=rec.status,
                        reason=reason,
                    ),
                )
            session.add(
                Job(
                    tenant_id=run.tenant_id,
                    kind=REPROPOSE,
                    payload={"run_id": str(run.id)},
                    requested_by=SUBJECT,
                    requested_roles=["admin"],
                )
            )
            session.info["jobs_submitted"] = True
        await session.flush()
        return runs, recommendations


async def record_event(session: AsyncSession, type: str, subject: str, data: Any) -> None:
    from strata_kit.outbox import record_event as record

    await record(session, OutboxEvent, type=type, subject=subject, data=data)


RUN_MODELS: dict[str, Any] = {
    "merit": (MeritRunCreate, compensation_service.merit_run),
    "bonus": (BonusRunCreate, compensation_service.bonus_run),
    "promotion": (PromotionRunCreate, promotion_service.promotion_run),
    "training": (TrainingRunCreate, training_needs_service.training_run),
}


def _match(old: Recommendation, new: list[Recommendation]) -> Recommendation | None:
    for candidate in new:
        if candidate.employee_id != old.employee_id:
            continue
        if old.kind == "training" and candidate.inputs.get("competency_key") != old.inputs.get(
            "competency_key"
        ):
            continue
        return candidate
    return None


class Repropose:
    """The job: compute a stale run again with its parameters; the new run names the old
    (`rerun_of`), the old one and its recommendations name their successors."""

    async def __call__(self, session: AsyncSession, job: JobContext) -> JobOutcome:
        repo = AppliedRepository(session)
        run_id = uuid.UUID(job.payload["run_id"])
        old = await repo.run(run_id)
        if old is None or old.superseded_by is not None:
            return JobOutcome(results=[JobItemResult(index=0, outcome="skipped", id=run_id)])
        model, compute = RUN_MODELS[old.kind]
        try:
            data = model.model_validate(old.parameters)
            new: RunRead = await compute(session, job.identity, data)
        except (InvalidInput, ValidationError) as exc:
            log.warning("recommendations.repropose_failed", run_id=str(run_id), error=str(exc))
            return JobOutcome(
                results=[JobItemResult(index=0, outcome="failed", id=run_id, errors=[str(exc)])],
                error=str(exc),
            )
        row = await repo.run(new.id)
        assert row is not None
        row.rerun_of = old.id
        row.summary = {
            **row.summary,
            "notes": [
                *row.summary.get("notes", []),
                f"Re-proposed: supersedes run {old.id} ({old.stale_reason}).",
            ],
        }
        old.superseded_by = row.id
        session.add_all([row, old])
        fresh = await repo.run_recommendations(row.id)
        for rec in await repo.run_recommendations(old.id):
            successor = _match(rec, fresh)
            if successor is not None:
                rec.superseded_by = successor.id
                session.add(rec)
        await session.flush()
        await record_audit(
            session,
            AuditRecord,
            identity=job.identity,
            entity_type="recommendation_run",
            entity_id=old.id,
            action="reproposed",
            after={"superseded_by": str(row.id)},
            reason=old.stale_reason,
        )
        return JobOutcome(
            results=[JobItemResult(index=0, outcome="created", id=row.id)],
            summary={"run_id": str(row.id), "rerun_of": str(old.id)},
        )


result_amendments = ResultAmendments()
