"""Anytime feedback notes and the tenant's feedback settings."""

import uuid

import sqlalchemy as sa
from sqlalchemy import Index
from sqlmodel import Field

from strata_contracts.feedback.vocabulary import NoteKind
from strata_feedback.models import FeedbackModel, enum_type


class FeedbackNote(FeedbackModel, table=True):
    """A note of praise or guidance from one colleague to another."""

    __tablename__ = "feedback_note"
    __table_args__ = (
        Index("ix_feedback_note_tenant_id_recipient_id", "tenant_id", "recipient_id"),
        Index("ix_feedback_note_tenant_id_author_id", "tenant_id", "author_id"),
    )

    author_id: uuid.UUID
    recipient_id: uuid.UUID
    kind: NoteKind = Field(sa_type=enum_type(NoteKind))
    body: str = Field(sa_type=sa.Text)


class TenantSetting(FeedbackModel, table=True):
    """The tenant's feedback settings: one row per tenant, its id the tenant's id."""

    __tablename__ = "tenant_setting"

    notes_visible_to_manager: bool = True
