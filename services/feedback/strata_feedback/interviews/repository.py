"""Every query of the interviews domain."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, delete
from sqlmodel import col, select

from strata_contracts.feedback.vocabulary import InterviewStatus
from strata_feedback.interviews.models import Interview, InterviewGap, InterviewParticipant
from strata_kit.repository import Repository


class InterviewRepository(Repository[Interview]):
    model = Interview

    async def live_for_cycle(self, employee_id: UUID, cycle_id: UUID) -> Interview | None:
        stmt = select(Interview).where(
            Interview.employee_id == employee_id,
            Interview.cycle_id == cycle_id,
            Interview.status != InterviewStatus.CANCELLED,
        )
        return (await self.session.exec(stmt)).first()

    async def previous(self, interview: Interview) -> Interview | None:
        """The employee's latest held interview before `interview` (the one whose
        improvement plan the next one reviews)."""
        stmt = (
            select(Interview)
            .where(
                Interview.employee_id == interview.employee_id,
                Interview.id != interview.id,
                col(Interview.held_at).is_not(None),
                Interview.scheduled_at < interview.scheduled_at,
            )
            .order_by(col(Interview.scheduled_at).desc(), col(Interview.id).desc())
            .limit(1)
        )
        return (await self.session.exec(stmt)).first()

    async def participants(self, interview_id: UUID) -> Sequence[InterviewParticipant]:
        stmt = (
            select(InterviewParticipant)
            .where(InterviewParticipant.interview_id == interview_id)
            .order_by(col(InterviewParticipant.created_at), col(InterviewParticipant.id))
        )
        return (await self.session.exec(stmt)).all()

    async def gaps(self, interview_id: UUID) -> Sequence[InterviewGap]:
        stmt = (
            select(InterviewGap)
            .where(InterviewGap.interview_id == interview_id)
            .order_by(col(InterviewGap.position))
        )
        return (await self.session.exec(stmt)).all()

    async def delete_gaps(self, interview_id: UUID) -> None:
        await self.session.exec(
            delete(InterviewGap).where(col(InterviewGap.interview_id) == interview_id)
        )

    def list_statement(
        self,
        *,
        visible: ColumnElement[bool] | None,
        employee_id: UUID | None = None,
        manager_id: UUID | None = None,
        cycle_id: UUID | None = None,
        status: InterviewStatus | None = None,
        scheduled_from: datetime | None = None,
        scheduled_to: datetime | None = None,
    ) -> Select[Any]:
        stmt = select(Interview)
        if visible is not None:
            stmt = stmt.where(visible)
        if employee_id is not None:
            stmt = stmt.where(Interview.employee_id == employee_id)
        if manager_id is not None:
            stmt = stmt.where(Interview.manager_id == manager_id)
        if cycle_id is not None:
            stmt = stmt.where(Interview.cycle_id == cycle_id)
        if status is not None:
            stmt = stmt.where(Interview.status == status)
        if scheduled_from is not None:
            stmt = stmt.where(Interview.scheduled_at >= scheduled_from)
        if scheduled_to is not None:
            stmt = stmt.where(Interview.scheduled_at < scheduled_to)
        return stmt
