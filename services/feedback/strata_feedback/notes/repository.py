"""Every query of anytime feedback and the tenant's settings."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select
from sqlmodel import col, select

from strata_contracts.feedback.vocabulary import NoteKind
from strata_feedback.notes.models import FeedbackNote, TenantSetting
from strata_kit.repository import Repository


class NoteRepository(Repository[FeedbackNote]):
    model = FeedbackNote

    async def settings(self) -> TenantSetting | None:
        return (await self.session.exec(select(TenantSetting))).first()

    async def received(
        self,
        recipient_id: UUID,
        *,
        since: datetime | None,
        until: datetime | None,
        limit: int,
    ) -> Sequence[FeedbackNote]:
        stmt = select(FeedbackNote).where(FeedbackNote.recipient_id == recipient_id)
        if since is not None:
            stmt = stmt.where(FeedbackNote.created_at >= since)
        if until is not None:
            stmt = stmt.where(FeedbackNote.created_at < until)
        stmt = stmt.order_by(col(FeedbackNote.created_at).desc(), col(FeedbackNote.id)).limit(limit)
        return (await self.session.exec(stmt)).all()

    def list_statement(
        self,
        *,
        visible: ColumnElement[bool],
        recipient_id: UUID | None = None,
        author_id: UUID | None = None,
        kind: NoteKind | None = None,
    ) -> Select[Any]:
        stmt = select(FeedbackNote).where(visible)
        if recipient_id is not None:
            stmt = stmt.where(FeedbackNote.recipient_id == recipient_id)
        if author_id is not None:
            stmt = stmt.where(FeedbackNote.author_id == author_id)
        if kind is not None:
            stmt = stmt.where(FeedbackNote.kind == kind)
        return stmt
