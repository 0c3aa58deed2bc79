"""Rules of cycles: dates from the cadence, phases in order behind gates, HR overrides with a
reason, closed cycles frozen, reopening audited."""

import calendar
import uuid
from datetime import date, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.cycles import (
    CycleCreate,
    CycleRead,
    CycleReopen,
    CycleUpdate,
    GateFinding,
    PhaseChangeRead,
    PhaseTransition,
)
from strata_contracts.goals.events import CyclePhaseChanged, CycleRenamed
from strata_contracts.goals.vocabulary import Cadence, CyclePhase
from strata_contracts.identity import IdentityClaims, Role
from strata_contracts.pagination import Page
from strata_goals.audit.service import audit_service
from strata_goals.cycles.exceptions import (
    CycleClosed,
    CycleNotFound,
    CycleOverlap,
    GateBlocked,
    WrongPhase,
)
from strata_goals.cycles.models import Cycle, CyclePhaseChange
from strata_goals.cycles.ports import PlanGate
from strata_goals.cycles.repository import CycleRepository
from strata_goals.events import emit
from strata_goals.queries import add_row, page_of
from strata_kit.audit import snapshot
from strata_kit.db import utcnow
from strata_kit.errors import Forbidden, InvalidInput, field
from strata_kit.pagination import PageParams

PHASES = list(CyclePhase)
CYCLE_PHASE_CHANGED = "goals.cycle.phase_changed"
CYCLE_RENAMED = "goals.cycle.renamed"
_MONTHS = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.HALF_YEARLY: 6, Cadence.ANNUAL: 12}
_LISTED = 100


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cadence_end(cadence: Cadence, starts_on: date) -> date | None:
    """The last day of a cycle of `cadence` starting on `starts_on` (None when custom)."""
    months = _MONTHS.get(cadence)
    return add_months(starts_on, months) - timedelta(days=1) if months else None


def cycle_read(cycle: Cycle) -> CycleRead:
    return CycleRead.model_validate(cycle)


def phase_change_read(change: CyclePhaseChange) -> PhaseChangeRead:
    return PhaseChangeRead.model_validate(change)


class CycleService:
    async def get(self, session: AsyncSession, cycle_id: uuid.UUID) -> Cycle:
        cycle = await CycleRepository(session).get(cycle_id)
        if cycle is None:
            raise CycleNotFound(f"No cycle {cycle_id}.")
        return cycle

    async def list_cycles(
        self, session: AsyncSession, params: PageParams, *, phase: CyclePhase | None
    ) -> Page[CycleRead]:
        stmt = CycleRepository(session).list_statement(phase=phase)
        return await page_of(session, stmt, Cycle, params, cycle_read)

    async def create(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        data: CycleCreate,
        cycle_id: uuid.UUID | None = None,
    ) -> CycleRead:
        expected = cadence_end(data.cadence, data.starts_on)
        if expected is None and data.ends_on is None:
            raise InvalidInput(
                "A custom cycle needs its last day.",
                errors=[field("ends_on", "required for a custom cadence")],
            )
        if expected is not None and data.ends_on is not None and data.ends_on != expected:
            raise InvalidInput(
                f"A {data.cadence.value} cycle starting on {data.starts_on} ends on {expected}.",
                errors=[field("ends_on", f"must be {expected} for a {data.cadence.value} cycle")],
            )
        ends_on = data.ends_on or expected
        assert ends_on is not None
        overlapping = await CycleRepository(session).overlapping(
            data.cadence, data.starts_on, ends_on
        )
        if overlapping and not data.allow_overlap:
            names = ", ".join(
                f"{c.name} ({c.starts_on.isoformat()} to {c.ends_on.isoformat()}, {c.phase.value})"
                for c in overlapping[:5]
            )
            raise CycleOverlap(
                f"Another {data.cadence.value} cycle covers these days: {names}. A cycle covers "
                "everyone in the tenant; allow the overlap explicitly with a reason if intended.",
                errors=[field("starts_on", "overlaps a cycle of the same cadence", "overlap")],
                overlapping_cycle_ids=[str(c.id) for c in overlapping[:_LISTED]],
            )
        cycle = add_row(
            session,
            Cycle,
            id=cycle_id or uuid.uuid4(),
            name=data.name,
            cadence=data.cadence,
            starts_on=data.starts_on,
            ends_on=ends_on,
            phase=CyclePhase.PLANNING,
            phase_changed_at=utcnow(),
        )
        await session.flush()
        after = snapshot(cycle) or {}
        if overlapping:
            after["overlaps"] = [str(c.id) for c in overlapping[:_LISTED]]
        await audit_service.record(
            session,
            identity,
            entity_type="cycle",
            entity_id=cycle.id,
            action="created",
            after=after,
            reason=data.overlap_reason if overlapping else None,
        )
        return cycle_read(cycle)

    async def rename(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        cycle_id: uuid.UUID,
        data: CycleUpdate,
    ) -> CycleRead:
        cycle = await self.get(session, cycle_id)
        self.ensure_open(cycle)
        before = snapshot(cycle)
        renamed = cycle.name != data.name
        cycle.name = data.name
        session.add(cycle)
        await session.flush()
        await audit_service.record(
            session,
            identity,
            entity_type="cycle",
            entity_id=cycle.id,
            action="updated",
            before=before,
            after=snapshot(cycle),
        )
        if renamed:
            await emit(
                session,
                CYCLE_RENAMED,
                f"cycle/{cycle.id}",
                CycleRenamed(cycle_id=cycle.id, name=cycle.name),
            )
        return cycle_read(cycle)

    async def transition(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        cycle_id: uuid.UUID,
        data: PhaseTransition,
        plans: PlanGate,
    ) -> CycleRead:
        """Move the cycle to the next phase, through its gate (`plans` answers what the
        gates ask of the cycle's plans)."""
        cycle = await self.get(session, cycle_id)
        current = cycle.phase
        if current is CyclePhase.CLOSED:
            raise CycleClosed("The cycle is closed; reopen it to change its phase.")
        here, there = PHASES.index(current), PHASES.index(data.to_phase)
        if there == here:
            raise WrongPhase(f"The cycle is already in {current.value}.")
        if there < here:
            raise InvalidInput(
                "Cycles move forward only.",
                errors=[field("to_phase", f"{data.to_phase.value} comes before {current.value}")],
            )
        if there > here + 1:
            skipped = ", ".join(p.value for p in PHASES[here + 1 : there])
            raise InvalidInput(
                f"A phase cannot be skipped: {current.value} → {data.to_phase.value} skips "
                f"{skipped}.",
                errors=[
                    field("to_phase", f"the next phase is {PHASES[here + 1].value}", "skipped")
                ],
            )
        if data.override and not identity.has_any(Role.HR, Role.ADMIN):
            raise Forbidden("Only HR may override a phase gate.")
        findings = await self._gate(session, cycle, data.to_phase, plans)
        if findings and not data.override:
            raise GateBlocked(
                "; ".join(f.detail for f in findings) + " (HR may override with a reason).",
                findings=[f.model_dump(mode="json") for f in findings],
            )
        await self._change_phase(
            session,
            identity,
            cycle,
            data.to_phase,
            reason=data.reason,
            override=bool(findings),
            findings=findings,
            reopened=False,
        )
        return cycle_read(cycle)

    async def reopen(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        cycle_id: uuid.UUID,
        data: CycleReopen,
    ) -> CycleRead:
        """Reopen a closed cycle (HR, with a reason, audited)."""
        cycle = await self.get(session, cycle_id)
        if cycle.phase is not CyclePhase.CLOSED:
            raise WrongPhase(
                f"Only a closed cycle is reopened; this one is in {cycle.phase.value}."
            )
        await self._change_phase(
            session,
            identity,
            cycle,
            CyclePhase(data.to_phase),
            reason=data.reason,
            override=False,
            findings=[],
            reopened=True,
        )
        return cycle_read(cycle)

    async def history(self, session: AsyncSession, cycle_id: uuid.UUID) -> list[PhaseChangeRead]:
        await self.get(session, cycle_id)
        changes = await CycleRepository(session).phase_changes(cycle_id)
        return [phase_change_read(c) for c in changes]

    # --- rules other domains apply -------------------------------------------------------

    def ensure_open(self, cycle: Cycle) -> None:
        """Refuse any change to a closed (frozen) cycle."""
        if cycle.phase is CyclePhase.CLOSED:
            raise CycleClosed(
                f"The cycle {cycle.name!r} is closed and frozen; HR can reopen it with a reason."
            )

    def ensure_phase(self, cycle: Cycle, allowed: set[CyclePhase], action: str) -> None:
        """Refuse `action` unless the cycle is in one of `allowed` (closed: frozen)."""
        self.ensure_open(cycle)
        if cycle.phase not in allowed:
            wanted = " or ".join(p.value for p in PHASES if p in allowed)
            raise WrongPhase(f"{action} happens in {wanted}; the cycle is in {cycle.phase.value}.")

    # --- internals -----------------------------------------------------------------------

    async def _gate(
        self, session: AsyncSession, cycle: Cycle, to_phase: CyclePhase, plans: PlanGate
    ) -> list[GateFinding]:
        findings: list[GateFinding] = []
        if to_phase is CyclePhase.ASSESSMENT:
            unsigned = await plans.unsigned_in_cycle(session, cycle.id)
            if unsigned:
                findings.append(
                    GateFinding(
                        code="unsigned_plans",
                        detail=f"{len(unsigned)} plan(s) are not signed by both sides",
                        count=len(unsigned),
                        plan_ids=unsigned[:_LISTED],
                    )
                )
        if to_phase is CyclePhase.FEEDBACK:
            missing = await plans.missing_actuals_in_cycle(session, cycle.id)
            if missing:
                findings.append(
                    GateFinding(
                        code="missing_actuals",
                        detail=f"{len(missing)} signed plan(s) have indicators without an actual",
                        count=len(missing),
                        plan_ids=missing[:_LISTED],
                    )
                )
        return findings

    async def _change_phase(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        cycle: Cycle,
        to_phase: CyclePhase,
        *,
        reason: str | None,
        override: bool,
        findings: list[GateFinding],
        reopened: bool,
    ) -> None:
        before = snapshot(cycle)
        from_phase = cycle.phase
        cycle.phase = to_phase
        cycle.phase_changed_at = utcnow()
        session.add(cycle)
        change = add_row(
            session,
            CyclePhaseChange,
            cycle_id=cycle.id,
            from_phase=from_phase,
            to_phase=to_phase,
            reopened=reopened,
            override=override,
            reason=reason,
            findings=[f.model_dump(mode="json") for f in findings],
            actor=identity.subject,
            actor_employee_id=identity.employee_id,
        )
        await session.flush()
        await audit_service.record(
            session,
            identity,
            entity_type="cycle",
            entity_id=cycle.id,
            action="reopened" if reopened else "phase_changed",
            before=before,
            after=snapshot(cycle),
            reason=reason,
        )
        await emit(
            session,
            CYCLE_PHASE_CHANGED,
            f"cycle/{cycle.id}",
            CyclePhaseChanged(
                cycle_id=cycle.id,
                from_phase=from_phase,
                to_phase=to_phase,
                reopened=reopened,
                override=override,
                reason=reason,
                change_id=change.id,
                name=cycle.name,
            ),
        )


cycle_service = CycleService()
