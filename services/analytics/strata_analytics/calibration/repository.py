import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.calibration.models import CalibrationEntry, CalibrationSession
from strata_analytics.projections.models import CycleView, PlanView
from strata_analytics.results.models import OverallResult


class CalibrationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def cycle_known(self, cycle_id: uuid.UUID) -> bool:
        """Whether the read model knows the cycle in the session's tenant: its phase, a
        plan or a result of it arrived from goals."""
        for statement in (
            select(CycleView.id).where(col(CycleView.id) == cycle_id),
            select(PlanView.id).where(col(PlanView.cycle_id) == cycle_id),
            select(OverallResult.id).where(col(OverallResult.cycle_id) == cycle_id),
        ):
            if (await self.session.exec(statement.limit(1))).first() is not None:
                return True
        return False

    async def get(self, session_id: uuid.UUID) -> CalibrationSession | None:
        statement = select(CalibrationSession).where(col(CalibrationSession.id) == session_id)
        return (await self.session.exec(statement)).first()

    async def entries(self, session_id: uuid.UUID) -> list[CalibrationEntry]:
        statement = (
            select(CalibrationEntry)
            .where(col(CalibrationEntry.session_id) == session_id)
            .order_by(col(CalibrationEntry.employee_id))
        )
        return list((await self.session.exec(statement)).all())

    async def entry(self, session_id: uuid.UUID, employee_id: uuid.UUID) -> CalibrationEntry | None:
        statement = select(CalibrationEntry).where(
            col(CalibrationEntry.session_id) == session_id,
            col(CalibrationEntry.employee_id) == employee_id,
        )
        return (await self.session.exec(statement)).first()

    async def entries_of(
        self, employee_id: uuid.UUID, cycle_id: uuid.UUID
    ) -> list[CalibrationEntry]:
        """Every session's entry of one person's result in a cycle."""
        statement = select(CalibrationEntry).where(
            col(CalibrationEntry.employee_id) == employee_id,
            col(CalibrationEntry.cycle_id) == cycle_id,
        )
        return list((await self.session.exec(statement)).all())
