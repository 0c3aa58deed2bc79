"""Business rules of anytime feedback: notes between colleagues, visible to the author, the
recipient and (tenant setting) the recipient's reporting line; and the tenant's settings.
HR's tenant-wide reach does not extend to these notes: they are between colleagues."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, false, or_
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.feedback.notes import (
    NoteCreate,
    NoteRead,
    TenantSettingsRead,
    TenantSettingsUpdate,
)
from strata_contracts.feedback.vocabulary import NoteKind
from strata_contracts.pagination import Page
from strata_feedback.access import Viewer
from strata_feedback.notes.exceptions import NoteNotFound, PersonOnly
from strata_feedback.notes.models import FeedbackNote, TenantSetting
from strata_feedback.notes.repository import NoteRepository
from strata_feedback.trail import audit
from strata_kit.audit import snapshot
from strata_kit.errors import InvalidInput, field
from strata_kit.pagination import PageParams, paginate

DEFAULT_SETTINGS = TenantSettingsRead(notes_visible_to_manager=True)
PREREAD_NOTES = 50


class NoteService:
    async def settings(self, session: AsyncSession) -> TenantSettingsRead:
        row = await NoteRepository(session).settings()
        return TenantSettingsRead.model_validate(row) if row else DEFAULT_SETTINGS

    async def update_settings(
        self, session: AsyncSession, viewer: Viewer, data: TenantSettingsUpdate
    ) -> TenantSettingsRead:
        repo = NoteRepository(session)
        row = await repo.settings()
        before = snapshot(row, exclude={"created_at", "updated_at"}) if row else None
        if row is None:
            row = TenantSetting(tenant_id=viewer.identity.tenant_id, id=viewer.identity.tenant_id)
            repo.add(row)
        if data.notes_visible_to_manager is not None:
            row.notes_visible_to_manager = data.notes_visible_to_manager
        await repo.flush()
        await audit(
            session,
            viewer.identity,
            entity_type="tenant_setting",
            entity_id=row.id,
            action="updated",
            before=before,
            after=snapshot(row, exclude={"created_at", "updated_at"}),
        )
        return TenantSettingsRead.model_validate(row)

    async def _manager_reach(self, session: AsyncSession, viewer: Viewer) -> frozenset[UUID]:
        """Recipients whose notes the caller sees as their manager (empty if the setting is off)."""
        if not (await self.settings(session)).notes_visible_to_manager:
            return frozenset()
        return await viewer.reports()

    async def manager_sees_notes(
        self, session: AsyncSession, viewer: Viewer, recipient: UUID
    ) -> bool:
        return recipient in await self._manager_reach(session, viewer)

    async def create(self, session: AsyncSession, viewer: Viewer, data: NoteCreate) -> FeedbackNote:
        if viewer.employee_id is None:
            raise PersonOnly("Notes are written by a person: the identity needs an employee id.")
        if data.recipient_id == viewer.employee_id:
            raise InvalidInput(
                "A note goes to a colleague, not to yourself.",
                errors=[field("recipient_id", "is the author")],
            )
        note = FeedbackNote(
            tenant_id=viewer.identity.tenant_id,
            author_id=viewer.employee_id,
            recipient_id=data.recipient_id,
            kind=data.kind,
            body=data.body,
        )
        repo = NoteRepository(session)
        repo.add(note)
        await repo.flush()
        await audit(
            session,
            viewer.identity,
            entity_type="feedback_note",
            entity_id=note.id,
            action="created",
            after=snapshot(note, exclude={"created_at", "updated_at", "body"}),
        )
        return note

    async def get(self, session: AsyncSession, viewer: Viewer, note_id: UUID) -> FeedbackNote:
        note = await NoteRepository(session).get(note_id)
        if note is None:
            raise NoteNotFound(note_id)
        if viewer.is_person(note.author_id) or viewer.is_person(note.recipient_id):
            return note
        if await self.manager_sees_notes(session, viewer, note.recipient_id):
            return note
        raise NoteNotFound(note_id)

    async def page(
        self,
        session: AsyncSession,
        viewer: Viewer,
        params: PageParams,
        *,
        recipient_id: UUID | None = None,
        author_id: UUID | None = None,
        kind: NoteKind | None = None,
    ) -> Page[NoteRead]:
        me = viewer.employee_id
        visible: ColumnElement[bool] = false()
        if me is not None:
            clauses = [col(FeedbackNote.author_id) == me, col(FeedbackNote.recipient_id) == me]
            reach = await self._manager_reach(session, viewer)
            if reach:
                clauses.append(col(FeedbackNote.recipient_id).in_(reach))
            visible = or_(*clauses)
        stmt = NoteRepository(session).list_statement(
            visible=visible, recipient_id=recipient_id, author_id=author_id, kind=kind
        )
        return await paginate(
            session,
            stmt,
            sort=col(FeedbackNote.created_at),
            id_column=col(FeedbackNote.id),
            params=params,
            to_item=NoteRead.model_validate,
            updated_column=col(FeedbackNote.updated_at),
        )

    async def interview_input(
        self,
        session: AsyncSession,
        viewer: Viewer,
        employee_id: UUID,
        *,
        since: datetime | None,
        until: datetime | None,
    ) -> list[NoteRead] | None:
        """Notes the employee received in the period, newest first, for the interview's
        pre-read; None when the caller may not see them (a manager with the setting off)."""
        if not (
            viewer.is_person(employee_id)
            or await self.manager_sees_notes(session, viewer, employee_id)
        ):
            return None
        rows = await NoteRepository(session).received(
            employee_id, since=since, until=until, limit=PREREAD_NOTES
        )
        return [NoteRead.model_validate(r) for r in rows]


note_service = NoteService()
