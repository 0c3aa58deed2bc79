"""Responses: a rater's answers to one invitation, saved as drafts, submitted once."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from strata_contracts._base import LongText, Strict
from strata_contracts.reviews.templates import CompetencyRead, ItemRead, ScaleRead
from strata_contracts.reviews.vocabulary import InvitationStatus, Relationship


class AnswerWrite(Strict):
    """A rating (for a rating item) or a comment (for a question); never both."""

    item_id: UUID
    rating: int | None = None
    comment: LongText | None = None


class ResponseDraft(Strict):
    """The whole draft: it replaces the saved one."""

    answers: list[AnswerWrite] = Field(max_length=500)


class ResponseSubmit(Strict):
    """Submit the saved draft, or these answers (replacing the draft) when given."""

    answers: list[AnswerWrite] | None = Field(default=None, max_length=500)


class AnswerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    item_id: UUID
    rating: int | None
    comment: str | None


class ResponseRead(BaseModel):
    invitation_id: UUID
    status: InvitationStatus
    submitted_at: datetime | None
    answers: list[AnswerRead]


class FormRead(BaseModel):
    """What a rater fills in: the items of their relationship, and their answers so far."""

    invitation_id: UUID
    campaign_id: UUID
    campaign_name: str
    ratee_id: UUID
    ratee_name: str
    relationship: Relationship
    status: InvitationStatus
    due_at: datetime
    closes_at: datetime
    scales: list[ScaleRead]
    competencies: list[CompetencyRead]
    questions: list[ItemRead]
    answers: list[AnswerRead]
