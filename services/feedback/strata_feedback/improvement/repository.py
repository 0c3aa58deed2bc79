"""Every query of the improvement-plan domain."""

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select
from sqlmodel import col, select

from strata_contracts.feedback.vocabulary import ActionStatus
from strata_feedback.improvement.models import ImprovementAction, ImprovementProgress
from strata_kit.repository import Repository

OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


class ImprovementRepository(Repository[ImprovementAction]):
    model = ImprovementAction

    async def for_interview(self, interview_id: UUID) -> Sequence[ImprovementAction]:
        stmt = (
            select(ImprovementAction)
            .where(ImprovementAction.interview_id == interview_id)
            .order_by(col(ImprovementAction.created_at), col(ImprovementAction.id))
        )
        return (await self.session.exec(stmt)).all()

    async def open_ids_for_interview(self, interview_id: UUID) -> list[UUID]:
        stmt = (
            select(ImprovementAction.id)
            .where(
                ImprovementAction.interview_id == interview_id,
                col(ImprovementAction.status).in_(OPEN_STATUSES),
            )
            .order_by(col(ImprovementAction.created_at), col(ImprovementAction.id))
        )
        return list((await self.session.exec(stmt)).all())

    async def progress(self, action_id: UUID) -> Sequence[ImprovementProgress]:
        stmt = (
            select(ImprovementProgress)
            .where(ImprovementProgress.action_id == action_id)
            .order_by(col(ImprovementProgress.created_at), col(ImprovementProgress.id))
        )
        return (await self.session.exec(stmt)).all()

    async def newly_overdue(self, as_of: date) -> Sequence[ImprovementAction]:
        """Open actions due before `as_of` whose overdue notice has not gone out (locked)."""
        stmt = (
            select(ImprovementAction)
            .where(
                col(ImprovementAction.status).in_(OPEN_STATUSES),
                ImprovementAction.due_on < as_of,
                col(ImprovementAction.overdue_notified_at).is_(None),
            )
            .order_by(col(ImprovementAction.due_on), col(ImprovementAction.id))
            .with_for_update(skip_locked=True)
        )
        return (await self.session.exec(stmt)).all()

    def list_statement(
        self,
        *,
        visible: ColumnElement[bool] | None,
        employee_id: UUID | None = None,
        interview_id: UUID | None = None,
        owner_id: UUID | None = None,
        status: ActionStatus | None = None,
        open_only: bool = False,
        overdue_as_of: date | None = None,
    ) -> Select[Any]:
        stmt = select(ImprovementAction)
        if visible is not None:
            stmt = stmt.where(visible)
        if employee_id is not None:
            stmt = stmt.where(ImprovementAction.employee_id == employee_id)
        if interview_id is not None:
            stmt = stmt.where(ImprovementAction.interview_id == interview_id)
        if owner_id is not None:
            stmt = stmt.where(ImprovementAction.owner_id == owner_id)
        if status is not None:
            stmt = stmt.where(ImprovementAction.status == status)
        if open_only or overdue_as_of is not None:
            stmt = stmt.where(col(ImprovementAction.status).in_(OPEN_STATUSES))
        if overdue_as_of is not None:
            stmt = stmt.where(ImprovementAction.due_on < overdue_as_of)
        return stmt
