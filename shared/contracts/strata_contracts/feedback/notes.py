"""Anytime feedback: short notes of praise or guidance between colleagues, outside the cycle."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, StringConstraints

from strata_contracts.feedback._base import Strict
from strata_contracts.feedback.vocabulary import NoteKind

NoteBody = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class NoteCreate(Strict):
    """A note from the caller to a colleague."""

    recipient_id: UUID
    kind: NoteKind
    body: NoteBody


class NoteRead(BaseModel):
    """A note; visible to its author, its recipient and (tenant setting) the recipient's
    reporting line."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    author_id: UUID
    recipient_id: UUID
    kind: NoteKind
    body: str
    created_at: datetime


class TenantSettingsRead(BaseModel):
    """The tenant's feedback settings."""

    model_config = ConfigDict(from_attributes=True)

    notes_visible_to_manager: bool


class TenantSettingsUpdate(Strict):
    notes_visible_to_manager: bool | None = None
