"""Payloads of the reviews service's domain events (the `data` of an `EventEnvelope`).

No payload names a rater together with the ratee they rate: events reach subscribers
(integrations) that must not learn who rated whom.
"""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from strata_contracts.reviews.vocabulary import Relationship

CAMPAIGN_OPENED = "reviews.campaign.opened"
CAMPAIGN_CLOSED = "reviews.campaign.closed"
INVITATION_CREATED = "reviews.invitation.created"
INVITATION_DECLINED = "reviews.invitation.declined"
INVITATION_REMINDER_DUE = "reviews.invitation.reminder_due"
RESPONSE_SUBMITTED = "reviews.response.submitted"
RESULTS_READY = "reviews.results.ready"


class CampaignOpened(BaseModel):
    campaign_id: UUID
    cycle_id: UUID
    name: str
    opened_at: datetime
    due_at: datetime
    closes_at: datetime
    ratees: int
    invitations: int


class CampaignClosed(BaseModel):
    campaign_id: UUID
    cycle_id: UUID
    closed_at: datetime
    invitations: int
    submitted: int
    name: str | None = Field(
        default=None, description="The campaign's name (absent from events before 2026-12)."
    )


class InvitationNotice(BaseModel):
    """An invitation was issued, or a reminder is due: tell the rater (mail, chat...).

    For external raters, get a fresh link with `POST /invitations/{id}/link` first.
    """

    invitation_id: UUID
    campaign_id: UUID
    rater_employee_id: UUID | None
    external_email: str | None
    due_at: datetime
    closes_at: datetime
    reminder_number: int = Field(default=0, description="0 for the invitation itself.")


class InvitationDeclined(BaseModel):
    invitation_id: UUID
    campaign_id: UUID
    declined_at: datetime


class ResponseSubmitted(BaseModel):
    campaign_id: UUID
    ratee_id: UUID
    relationship: Relationship
    submitted_at: datetime


class ResultsReady(BaseModel):
    campaign_id: UUID
    cycle_id: UUID
    ratee_id: UUID
    closed_at: datetime
