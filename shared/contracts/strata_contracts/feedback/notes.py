"""Anytime feedback: short notes of praise or guidance between colleagues, outside the cycle."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from strata_contracts._base import Strict, Text
from strata_contracts.feedback.vocabulary import NoteKind


class NoteCreate(Strict):
    """A note from the caller to a colleague."""

    recipient_id: UUID
    kind: NoteKind
    body: Text


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
