"""Every query of anytime feedback and the tenant's settings."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.feedback.vocabulary import NoteKind
from strata_feedback.notes.models import FeedbackNote, TenantSetting


class NoteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, note_id: UUID) -> FeedbackNote | None:
        return (
            await self.session.exec(select(FeedbackNote).where(FeedbackNote.id == note_id))
        ).first()

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

    def add(self, *rows: Any) -> None:
        self.session.add_all(rows)

    async def flush(self) -> None:
        await self.session.flush()

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
