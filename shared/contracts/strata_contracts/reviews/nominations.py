"""Nominations: who is asked to rate whom, before invitations are issued."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from strata_contracts.reviews._base import Email, Name, Read, Reason, Strict
from strata_contracts.reviews.vocabulary import (
    NominationDecisionKind,
    NominationSource,
    NominationStatus,
    Relationship,
)


class NominationCreate(Strict):
    """Nominate a rater. Internal relationships name an employee; `customer` names an
    external person by name and e-mail."""

    relationship: Relationship
    rater_employee_id: UUID | None = None
    external_name: Name | None = None
    external_email: Email | None = None


class NominationDecision(Strict):
    decision: NominationDecisionKind
    reason: Reason | None = Field(default=None, description="Required to reject.")


class SuggestionRequest(Strict):
    """Which ratees to suggest raters for (absent: every ratee of the campaign)."""

    ratee_ids: list[UUID] | None = Field(default=None, max_length=5000)


class NominationRead(Read):
    """A nomination. It says who was asked, never whether or what they answered."""

    campaign_id: UUID
    ratee_id: UUID
    relationship: Relationship
    rater_employee_id: UUID | None
    external_name: str | None
    external_email: str | None
    status: NominationStatus
    source: NominationSource
    decided_at: datetime | None
    decision_reason: str | None


class SuggestionResult(BaseModel):
    """Nominations created from the reporting lines (already nominated raters are kept)."""

    created: list[NominationRead]
