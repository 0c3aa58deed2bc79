"""Calibration: a session snapshots a population's current results; HR adjusts bands with a
reason (audited, raw kept beside calibrated); finalising locks those results (the read model
no longer changes them) and publishes `analytics.calibration.finalised`."""

import uuid
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.calibration.exceptions import (
    EntryNotFound,
    SessionFinalised,
    SessionNotFound,
)
from strata_analytics.calibration.models import CalibrationEntry, CalibrationSession
from strata_analytics.calibration.repository import CalibrationRepository
from strata_analytics.models import AuditRecord, OutboxEvent
from strata_analytics.results.models import OverallResult
from strata_analytics.results.repository import ResultRepository
from strata_analytics.results.service import result_service
from strata_analytics.stats import calibration_from_counts
from strata_contracts.analytics.calibration import (
    CALIBRATION_FINALISED,
    AdjustmentCreate,
    BandDistribution,
    CalibrationEntryRead,
    CalibrationFinalised,
    CalibrationSessionCreate,
    CalibrationSessionRead,
    FinalisedResult,
    GuidelineShare,
)
from strata_contracts.analytics.results import RatingBand
from strata_contracts.identity import IdentityClaims
from strata_kit.audit import record_audit, snapshot
from strata_kit.errors import InvalidInput, field
from strata_kit.outbox import record_event


def _num(value: float | None) -> float | None:
    return None if value is None or value != value else round(float(value), 4)


STEP = Decimal("0.0001")
"""Overall results have 4 places: the highest score of a band is the next band's floor - this."""


def band_range(bands: list[RatingBand], code: str) -> tuple[Decimal, Decimal | None]:
    """[floor, ceiling) of a band: its min_score up to the next band's (the top band is open)."""
    ordered = sorted(bands, key=lambda b: b.min_score)
    for index, band in enumerate(ordered):
        if band.code == code:
            above = ordered[index + 1].min_score if index + 1 < len(ordered) else None
            return band.min_score, above
    raise KeyError(code)


def overall_in_band(raw: Decimal | None, floor: Decimal, ceiling: Decimal | None) -> Decimal:
    """A band-only adjustment's overall: the raw overall clamped into the band, so the
    overall and the band always agree (below the band: its floor; above: its highest score)."""
    if raw is None or raw < floor:
        return floor
    if ceiling is not None and raw >= ceiling:
        return ceiling - STEP
    return raw


class CalibrationService:
    async def _bands(self, session: AsyncSession, tenant: uuid.UUID) -> list[str]:
        policy = await result_service.policy_for(session, tenant, None)
        return [b.code for b in policy.bands]

    async def create(
        self, session: AsyncSession, identity: IdentityClaims, data: CalibrationSessionCreate
    ) -> CalibrationSessionRead:
        assert identity.tenant_id is not None
        bands = await self._bands(session, identity.tenant_id)
        problems = [
            field(f"guideline/{i}/band", f"not a band of the policy ({', '.join(bands)})")
            for i, g in enumerate(data.guideline)
            if g.band not in bands
        ]
        if sum((g.share for g in data.guideline), Decimal(0)) != 100:
            problems.append(field("guideline", "shares must total 100"))
        if len({g.band for g in data.guideline}) != len(data.guideline):
            problems.append(field("guideline", "a band is listed twice"))
        if problems:
            raise InvalidInput("The guideline is not valid.", errors=problems)
        if not await CalibrationRepository(session).cycle_known(data.cycle_id):
            raise InvalidInput(
                "The cycle is not one of this tenant's (or has not reached analytics yet).",
                errors=[field("cycle_id", "no such cycle in this tenant")],
            )
        repo = ResultRepository(session)
        results = [r for r in await repo.cycle_results(data.cycle_id) if not r.locked]
        if data.org_unit_id is not None:
            units = await repo.org_units()
            people = await repo.employees({r.employee_id for r in results})

            def under(unit: uuid.UUID | None) -> bool:
                seen: set[uuid.UUID] = set()
                while unit is not None and unit not in seen:
                    if unit == data.org_unit_id:
                        return True
                    seen.add(unit)
                    unit = units[unit].parent_id if unit in units else None
                return False

            results = [
                r
                for r in results
                if (p := people.get(r.employee_id)) is not None and under(p.org_unit_id)
            ]
        row = CalibrationSession(
            tenant_id=identity.tenant_id,
            name=data.name,
            cycle_id=data.cycle_id,
            org_unit_id=data.org_unit_id,
            guideline=[g.model_dump(mode="json") for g in data.guideline],
        )
        session.add(row)
        await session.flush()
        for result in results:
            session.add(
                CalibrationEntry(
                    tenant_id=identity.tenant_id,
                    session_id=row.id,
                    employee_id=result.employee_id,
                    cycle_id=result.cycle_id,
                    raw_overall=result.overall,
                    raw_band=result.band,
                )
            )
        await session.flush()
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="calibration_session",
            entity_id=row.id,
            action="created",
            after=snapshot(row),
        )
        return await self.read(session, row.id)

    async def read(self, session: AsyncSession, session_id: uuid.UUID) -> CalibrationSessionRead:
        repo = CalibrationRepository(session)
        row = await repo.get(session_id)
        if row is None:
            raise SessionNotFound(f"No calibration session {session_id}.")
        entries = await repo.entries(row.id)
        people = await ResultRepository(session).employees({e.employee_id for e in entries})
        guideline = [GuidelineShare.model_validate(g) for g in row.guideline]
        raw = Counter(e.raw_band for e in entries if e.raw_band)
        final = Counter(b for e in entries if (b := e.calibrated_band or e.raw_band))
        fit = calibration_from_counts(
            {b: n for b, n in final.items() if b in {g.band for g in guideline}},
            {g.band: float(g.share) / 100 for g in guideline},
        )
        fit_by_band = {b.band: b for b in fit.bands}
        return CalibrationSessionRead(
            id=row.id,
            name=row.name,
            cycle_id=row.cycle_id,
            org_unit_id=row.org_unit_id,
            status="finalised" if row.status == "finalised" else "open",
            guideline=guideline,
            entries=[
                CalibrationEntryRead(
                    employee_id=e.employee_id,
                    employee_name=people[e.employee_id].name if e.employee_id in people else None,
                    raw_overall=e.raw_overall,
                    raw_band=e.raw_band,
                    calibrated_overall=e.calibrated_overall,
                    calibrated_band=e.calibrated_band,
                    final_band=e.calibrated_band or e.raw_band,
                    reason=e.reason,
                    adjusted_by=e.adjusted_by,
                    adjusted_at=e.adjusted_at,
                )
                for e in entries
            ],
            distribution=[
                BandDistribution(
                    band=g.band,
                    raw=raw.get(g.band, 0),
                    calibrated=final.get(g.band, 0),
                    guideline_share=g.share,
                    expected=round(fit_by_band[g.band].expected, 4),
                    deviation=round(fit_by_band[g.band].deviation, 4),
                )
                for g in guideline
            ],
            chi_square=_num(fit.statistic),
            p_value=_num(fit.p_value),
            small_expected=fit.small_expected,
            finalised_at=row.finalised_at,
            finalised_by=row.finalised_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def _open(self, session: AsyncSession, session_id: uuid.UUID) -> CalibrationSession:
        row = await CalibrationRepository(session).get(session_id)
        if row is None:
            raise SessionNotFound(f"No calibration session {session_id}.")
        if row.status == "finalised":
            raise SessionFinalised("The session is finalised; its results are locked.")
        return row

    async def adjust(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        session_id: uuid.UUID,
        data: AdjustmentCreate,
    ) -> CalibrationSessionRead:
        assert identity.tenant_id is not None
        row = await self._open(session, session_id)
        bands = await self._bands(session, identity.tenant_id)
        if data.calibrated_band not in bands:
            raise InvalidInput(
                "Unknown band.",
                errors=[field("calibrated_band", f"one of {', '.join(bands)}")],
            )
        repo = CalibrationRepository(session)
        entry = await repo.entry(row.id, data.employee_id)
        if entry is None:
            raise EntryNotFound(f"Employee {data.employee_id} is not in this session.")
        result = await ResultRepository(session).result(
            identity.tenant_id, entry.employee_id, entry.cycle_id
        )
        policy = await result_service.policy_for(session, identity.tenant_id, None)
        scale = (
            [RatingBand.model_validate(b) for b in result.bands]
            if result is not None and result.bands
            else list(policy.bands)
        )
        if data.calibrated_band not in {b.code for b in scale}:
            raise InvalidInput(
                "Unknown band.",
                errors=[field("calibrated_band", f"one of {', '.join(b.code for b in scale)}")],
            )
        floor, ceiling = band_range(scale, data.calibrated_band)
        if data.calibrated_overall is None:
            overall = overall_in_band(entry.raw_overall, floor, ceiling)
        elif data.calibrated_overall < floor or (
            ceiling is not None and data.calibrated_overall >= ceiling
        ):
            span = f"{floor} to below {ceiling}" if ceiling is not None else f"{floor} or more"
            raise InvalidInput(
                "The calibrated overall is not in the calibrated band.",
                errors=[
                    field(
                        "calibrated_overall",
                        f"band {data.calibrated_band} holds overall results {span}",
                    )
                ],
            )
        else:
            overall = data.calibrated_overall
        before = snapshot(entry)
        entry.calibrated_band = data.calibrated_band
        entry.calibrated_overall = overall
        entry.reason = data.reason
        entry.adjusted_by, entry.adjusted_at = identity.subject, datetime.now(UTC)
        session.add(entry)
        if result is not None:
            result.calibrated_band = data.calibrated_band
            result.calibrated_overall = overall
            result.calibration_session_id = row.id
            session.add(result)
        await session.flush()
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="calibration_entry",
            entity_id=entry.id,
            action="adjusted",
            before=before,
            after=snapshot(entry),
            reason=data.reason,
        )
        return await self.read(session, row.id)

    async def follow_raw(
        self, session: AsyncSession, result: OverallResult
    ) -> list[CalibrationEntry]:
        """An upheld appeal changed the raw result: every session's entry of it takes the new
        raw values; an adjusted entry keeps its band (HR's decision, with its reason) and its
        overall is clamped into that band again from the new raw, so both stay consistent."""
        entries = await CalibrationRepository(session).entries_of(
            result.employee_id, result.cycle_id
        )
        scale = [RatingBand.model_validate(b) for b in result.bands]
        for entry in entries:
            entry.raw_overall, entry.raw_band = result.overall, result.band
            if entry.calibrated_band is not None and entry.calibrated_band in {
                b.code for b in scale
            }:
                floor, ceiling = band_range(scale, entry.calibrated_band)
                entry.calibrated_overall = overall_in_band(result.overall, floor, ceiling)
                if result.calibration_session_id == entry.session_id:
                    result.calibrated_overall = entry.calibrated_overall
            session.add(entry)
        session.add(result)
        await session.flush()
        return entries

    async def finalise(
        self, session: AsyncSession, identity: IdentityClaims, session_id: uuid.UUID
    ) -> CalibrationSessionRead:
        assert identity.tenant_id is not None
        row = await self._open(session, session_id)
        before = snapshot(row)
        now = datetime.now(UTC)
        row.status, row.finalised_at, row.finalised_by = "finalised", now, identity.subject
        session.add(row)
        results = ResultRepository(session)
        finalised = []
        for entry in await CalibrationRepository(session).entries(row.id):
            result = await results.result(identity.tenant_id, entry.employee_id, entry.cycle_id)
            if result is not None:
                result.locked = True
                result.calibration_session_id = row.id
                session.add(result)
            finalised.append(
                FinalisedResult(
                    employee_id=entry.employee_id,
                    raw_band=entry.raw_band,
                    final_band=entry.calibrated_band or entry.raw_band,
                    final_overall=entry.calibrated_overall
                    if entry.calibrated_overall is not None
                    else entry.raw_overall,
                    adjusted=entry.calibrated_band is not None,
                )
            )
        await session.flush()
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="calibration_session",
            entity_id=row.id,
            action="finalised",
            before=before,
            after=snapshot(row),
        )
        await record_event(
            session,
            OutboxEvent,
            type=CALIBRATION_FINALISED,
            subject=f"calibration_session/{row.id}",
            data=CalibrationFinalised(
                session_id=row.id,
                cycle_id=row.cycle_id,
                org_unit_id=row.org_unit_id,
                finalised_at=now,
                results=finalised,
            ),
        )
        return await self.read(session, row.id)


calibration_service = CalibrationService()
