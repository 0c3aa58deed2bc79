"""Queries of cycles."""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select
from sqlmodel import col, select

from strata_contracts.goals.vocabulary import Cadence, CyclePhase
from strata_goals.cycles.models import Cycle, CyclePhaseChange
from strata_kit.repository import Repository


class CycleRepository(Repository[Cycle]):
    model = Cycle

    def list_statement(self, *, phase: CyclePhase | None) -> Select[Any]:
        stmt = select(Cycle)
        if phase is not None:
            stmt = stmt.where(Cycle.phase == phase)
        return stmt

    async def in_phase(self, phase: CyclePhase) -> Sequence[Cycle]:
        return (await self.session.exec(select(Cycle).where(Cycle.phase == phase))).all()

    async def overlapping(
        self, cadence: Cadence, starts_on: date, ends_on: date
    ) -> Sequence[Cycle]:
        """Cycles of `cadence` sharing at least one day with `starts_on`..`ends_on`."""
        stmt = (
            select(Cycle)
            .where(
                Cycle.cadence == cadence,
                col(Cycle.starts_on) <= ends_on,
                col(Cycle.ends_on) >= starts_on,
            )
            .order_by(col(Cycle.starts_on), col(Cycle.id))
        )
        return (await self.session.exec(stmt)).all()

    async def phase_changes(self, cycle_id: uuid.UUID) -> Sequence[CyclePhaseChange]:
        stmt = (
            select(CyclePhaseChange)
            .where(CyclePhaseChange.cycle_id == cycle_id)
            .order_by(col(CyclePhaseChange.created_at), col(CyclePhaseChange.id))
        )
        return (await self.session.exec(stmt)).all()
