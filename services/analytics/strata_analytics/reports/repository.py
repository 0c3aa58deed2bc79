import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.calibration.models import CalibrationEntry, CalibrationSession
from strata_analytics.projections.models import (
    CampaignView,
    CommentFact,
    CycleView,
    EmployeeView,
    RatingFact,
)
from strata_analytics.results.models import OverallResult


class ReportRepository:
    """The read-model rows a report is drawn from (tenant-scoped by the session)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def employee(self, employee_id: uuid.UUID) -> EmployeeView | None:
        statement = select(EmployeeView).where(col(EmployeeView.id) == employee_id)
        return (await self.session.exec(statement)).first()

    async def campaign(self, campaign_id: uuid.UUID) -> CampaignView | None:
        statement = select(CampaignView).where(col(CampaignView.id) == campaign_id)
        return (await self.session.exec(statement)).first()

    async def cycle(self, cycle_id: uuid.UUID) -> CycleView | None:
        statement = select(CycleView).where(col(CycleView.id) == cycle_id)
        return (await self.session.exec(statement)).first()

    async def ratings(self, campaign_id: uuid.UUID, ratee_id: uuid.UUID) -> list[RatingFact]:
        statement = (
            select(RatingFact)
            .where(col(RatingFact.campaign_id) == campaign_id, col(RatingFact.ratee_id) == ratee_id)
            .order_by(col(RatingFact.id))
        )
        return list((await self.session.exec(statement)).all())

    async def comments(self, campaign_id: uuid.UUID, ratee_id: uuid.UUID) -> list[CommentFact]:
        statement = (
            select(CommentFact)
            .where(
                col(CommentFact.campaign_id) == campaign_id, col(CommentFact.ratee_id) == ratee_id
            )
            .order_by(col(CommentFact.id))
        )
        return list((await self.session.exec(statement)).all())

    async def cycle_results(self, cycle_id: uuid.UUID) -> list[OverallResult]:
        statement = select(OverallResult).where(col(OverallResult.cycle_id) == cycle_id)
        return list((await self.session.exec(statement)).all())

    async def calibration_session(self, session_id: uuid.UUID) -> CalibrationSession | None:
        statement = select(CalibrationSession).where(col(CalibrationSession.id) == session_id)
        return (await self.session.exec(statement)).first()

    async def latest_calibration(self, cycle_id: uuid.UUID) -> CalibrationSession | None:
        statement = (
            select(CalibrationSession)
            .where(col(CalibrationSession.cycle_id) == cycle_id)
            .order_by(col(CalibrationSession.created_at).desc(), col(CalibrationSession.id))
            .limit(1)
        )
        return (await self.session.exec(statement)).first()

    async def calibration_entries(self, session_id: uuid.UUID) -> list[CalibrationEntry]:
        statement = select(CalibrationEntry).where(col(CalibrationEntry.session_id) == session_id)
        return list((await self.session.exec(statement)).all())
