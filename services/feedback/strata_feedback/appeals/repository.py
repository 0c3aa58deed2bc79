"""Every query of the appeals domain."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select
from sqlmodel import col, select

from strata_contracts.feedback.vocabulary import AppealStatus, ChangeRequestStatus, OwningService
from strata_feedback.appeals.models import Appeal, ChangeRequest
from strata_kit.repository import Repository

UNRESOLVED_APPEAL = (AppealStatus.OPEN, AppealStatus.UNDER_REVIEW)


class AppealRepository(Repository[Appeal]):
    model = Appeal

    async def for_interview(self, interview_id: UUID) -> Appeal | None:
        stmt = select(Appeal).where(Appeal.interview_id == interview_id)
        return (await self.session.exec(stmt)).first()

    async def unresolved_for_interview(self, interview_id: UUID) -> Appeal | None:
        stmt = select(Appeal).where(
            Appeal.interview_id == interview_id, col(Appeal.status).in_(UNRESOLVED_APPEAL)
        )
        return (await self.session.exec(stmt)).first()

    async def change_requests(self, appeal_id: UUID) -> Sequence[ChangeRequest]:
        stmt = (
            select(ChangeRequest)
            .where(ChangeRequest.appeal_id == appeal_id)
            .order_by(col(ChangeRequest.created_at), col(ChangeRequest.id))
        )
        return (await self.session.exec(stmt)).all()

    async def change_requests_of(self, appeal_ids: list[UUID]) -> Sequence[ChangeRequest]:
        if not appeal_ids:
            return []
        stmt = (
            select(ChangeRequest)
            .where(col(ChangeRequest.appeal_id).in_(appeal_ids))
            .order_by(col(ChangeRequest.created_at), col(ChangeRequest.id))
        )
        return (await self.session.exec(stmt)).all()

    async def change_request(
        self, change_request_id: UUID, *, for_update: bool = False
    ) -> ChangeRequest | None:
        stmt = select(ChangeRequest).where(ChangeRequest.id == change_request_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.exec(stmt)).first()

    def list_statement(
        self,
        *,
        visible: ColumnElement[bool] | None,
        status: AppealStatus | None = None,
        employee_id: UUID | None = None,
        interview_id: UUID | None = None,
    ) -> Select[Any]:
        stmt = select(Appeal)
        if visible is not None:
            stmt = stmt.where(visible)
        if status is not None:
            stmt = stmt.where(Appeal.status == status)
        if employee_id is not None:
            stmt = stmt.where(Appeal.employee_id == employee_id)
        if interview_id is not None:
            stmt = stmt.where(Appeal.interview_id == interview_id)
        return stmt

    def change_request_statement(
        self,
        *,
        target_service: OwningService | None = None,
        status: ChangeRequestStatus | None = None,
        employee_id: UUID | None = None,
    ) -> Select[Any]:
        stmt = select(ChangeRequest)
        if target_service is not None:
            stmt = stmt.where(ChangeRequest.target_service == target_service)
        if status is not None:
            stmt = stmt.where(ChangeRequest.status == status)
        if employee_id is not None:
            stmt = stmt.where(ChangeRequest.employee_id == employee_id)
        return stmt
