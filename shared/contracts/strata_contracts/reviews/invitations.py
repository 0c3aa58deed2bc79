"""Invitations: one per rater and ratee, issued when a campaign opens."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from strata_contracts._base import Read, Reason, Strict
from strata_contracts.reviews.vocabulary import InvitationStatus, Relationship


class InvitationRead(Read):
    """An invitation as its rater (or HR) sees it."""

    campaign_id: UUID
    ratee_id: UUID
    ratee_name: str
    relationship: Relationship
    rater_employee_id: UUID | None
    external: bool = Field(description="Answered through a token link, without an account.")
    external_name: str | None
    external_email: str | None
    status: InvitationStatus
    due_at: datetime
    closes_at: datetime
    submitted_at: datetime | None
    declined_at: datetime | None
    decline_reason: str | None
    reminder_count: int
    last_reminded_at: datetime | None


class InvitationDecline(Strict):
    reason: Reason


class ExternalLinkRead(BaseModel):
    """A fresh single-use link for an external rater. The token is shown only here;
    Strata keeps only its hash, and issuing a new link revokes the previous one."""

    invitation_id: UUID
    token: str
    path: str = Field(description="Path under the gateway that answers with the token.")
    expires_at: datetime


class ReminderRequest(Strict):
    """Remind the raters who have not finished (absent ids: every unfinished invitation)."""

    invitation_ids: list[UUID] | None = Field(default=None, max_length=5000)


class ReminderBatchRead(BaseModel):
    campaign_id: UUID
    reminded: int
    invitation_ids: list[UUID]
