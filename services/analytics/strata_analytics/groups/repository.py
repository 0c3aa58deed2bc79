import uuid
from typing import Any

from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.calibration.models import CalibrationEntry, CalibrationSession
from strata_analytics.groups.models import GroupAttribute
from strata_analytics.projections.models import CampaignView, EmployeeView
from strata_analytics.results.models import OverallResult


class GroupRepository:
    """Every query of group attributes and the populations they are checked on; the
    session's tenant guard scopes each one to the caller's tenant."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def known_employees(self, ids: set[uuid.UUID]) -> set[uuid.UUID]:
        if not ids:
            return set()
        statement = select(EmployeeView.id).where(col(EmployeeView.id).in_(ids))
        return set((await self.session.exec(statement)).all())

    async def attributes_of(self, ids: set[uuid.UUID]) -> list[GroupAttribute]:
        if not ids:
            return []
        statement = select(GroupAttribute).where(col(GroupAttribute.employee_id).in_(ids))
        return list((await self.session.exec(statement)).all())

    async def remove(self, rows: list[GroupAttribute]) -> None:
        if rows:
            await self.session.exec(
                delete(GroupAttribute).where(col(GroupAttribute.id).in_([r.id for r in rows]))
            )

    def list_statement(self, attribute: str | None, employee_id: uuid.UUID | None) -> Any:
        statement = select(GroupAttribute)
        if attribute is not None:
            statement = statement.where(col(GroupAttribute.attribute) == attribute)
        if employee_id is not None:
            statement = statement.where(col(GroupAttribute.employee_id) == employee_id)
        return statement

    async def values(self, attribute: str) -> dict[uuid.UUID, str]:
        statement = select(GroupAttribute.employee_id, GroupAttribute.value).where(
            col(GroupAttribute.attribute) == attribute
        )
        return dict((await self.session.exec(statement)).all())

    async def calibration_session(self, session_id: uuid.UUID) -> CalibrationSession | None:
        statement = select(CalibrationSession).where(col(CalibrationSession.id) == session_id)
        return (await self.session.exec(statement)).first()

    async def calibration_entries(self, session_id: uuid.UUID) -> list[CalibrationEntry]:
        statement = select(CalibrationEntry).where(col(CalibrationEntry.session_id) == session_id)
        return list((await self.session.exec(statement)).all())

    async def cycle_calibration_sessions(self, cycle_id: uuid.UUID) -> list[uuid.UUID]:
        """The cycle's calibration sessions, oldest first."""
        statement = (
            select(col(CalibrationSession.id))
            .where(col(CalibrationSession.cycle_id) == cycle_id)
            .order_by(col(CalibrationSession.created_at), col(CalibrationSession.id))
        )
        return list((await self.session.exec(statement)).all())

    async def cycle_results(self, cycle_id: uuid.UUID) -> list[OverallResult]:
        statement = select(OverallResult).where(col(OverallResult.cycle_id) == cycle_id)
        return list((await self.session.exec(statement)).all())

    async def cycle_threshold(self, cycle_id: uuid.UUID) -> int | None:
        """The highest anonymity threshold (k) of the cycle's closed campaigns."""
        statement = select(func.max(CampaignView.anonymity_threshold)).where(
            col(CampaignView.cycle_id) == cycle_id
        )
        return (await self.session.exec(statement)).one()
