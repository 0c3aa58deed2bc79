"""Routes of anytime feedback (`/api/v1/feedback/notes`) and the tenant's settings."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status

from strata_contracts.feedback.notes import (
    NoteCreate,
    NoteRead,
    TenantSettingsRead,
    TenantSettingsUpdate,
)
from strata_contracts.feedback.vocabulary import NoteKind
from strata_contracts.identity import Role
from strata_contracts.pagination import Page
from strata_feedback.notes.service import note_service
from strata_feedback.responses import problems
from strata_feedback.upstream import ViewerDep
from strata_kit.db import SessionDep
from strata_kit.identity import TenantCaller, require_roles
from strata_kit.pagination import PageParams, page_params

router = APIRouter(prefix="/api/v1/feedback", tags=["anytime feedback"])
PERSON = require_roles(Role.EMPLOYEE, Role.MANAGER, Role.HR, Role.ADMIN)


@router.post(
    "/notes", status_code=status.HTTP_201_CREATED, dependencies=[PERSON], responses=problems()
)
async def create_note(
    data: NoteCreate, session: SessionDep, viewer: ViewerDep, response: Response
) -> NoteRead:
    """Send a colleague a short note of praise or guidance."""
    note = await note_service.create(session, viewer, data)
    response.headers["Location"] = f"{router.prefix}/notes/{note.id}"
    return NoteRead.model_validate(note)


@router.get("/notes", responses=problems())
async def list_notes(
    session: SessionDep,
    viewer: ViewerDep,
    params: Annotated[PageParams, Depends(page_params)],
    recipient_id: UUID | None = None,
    author_id: UUID | None = None,
    kind: NoteKind | None = None,
) -> Page[NoteRead]:
    """Notes the caller wrote, received, or (setting) their reports received."""
    return await note_service.page(
        session, viewer, params, recipient_id=recipient_id, author_id=author_id, kind=kind
    )


@router.get("/notes/{note_id}", responses=problems(404))
async def get_note(note_id: UUID, session: SessionDep, viewer: ViewerDep) -> NoteRead:
    """One note, if the caller wrote it, received it, or manages its recipient (setting)."""
    return NoteRead.model_validate(await note_service.get(session, viewer, note_id))


@router.get("/settings", responses=problems())
async def get_settings(session: SessionDep, identity: TenantCaller) -> TenantSettingsRead:
    """The tenant's feedback settings."""
    return await note_service.settings(session)


@router.patch("/settings", dependencies=[require_roles(Role.HR, Role.ADMIN)], responses=problems())
async def update_settings(
    data: TenantSettingsUpdate, session: SessionDep, viewer: ViewerDep
) -> TenantSettingsRead:
    """Change the tenant's feedback settings (HR or admin)."""
    return await note_service.update_settings(session, viewer, data)
