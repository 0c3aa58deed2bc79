import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from strata_contracts.reviews.vocabulary import InvitationStatus, Relationship
from strata_kit.db import UtcDateTime
from strata_reviews.models import ReviewsModel, enum_type, tenant_fk


class Invitation(ReviewsModel, table=True):
    """One rater asked to rate one ratee (self-assessments have no nomination)."""

    __tablename__ = "invitation"
    __table_args__ = (
        tenant_fk(["campaign_id"], "campaign", ["id"]),
        tenant_fk(["campaign_id", "ratee_id"], "campaign_ratee", ["campaign_id", "employee_id"]),
        tenant_fk(["nomination_id"], "nomination", ["id"]),
        sa.UniqueConstraint("tenant_id", "campaign_id", "ratee_id", "rater_key"),
        sa.Index(None, "tenant_id", "campaign_id", "status"),
        sa.Index(None, "tenant_id", "rater_employee_id"),
    )

    campaign_id: uuid.UUID
    ratee_id: uuid.UUID
    nomination_id: uuid.UUID | None = None
    relationship: Relationship = Field(sa_type=enum_type(Relationship))
    rater_employee_id: uuid.UUID | None = None
    external_name: str | None = Field(default=None, max_length=200)
    external_email: str | None = Field(default=None, max_length=320)
    rater_key: str = Field(max_length=400)
    status: InvitationStatus = Field(
        default=InvitationStatus.PENDING, sa_type=enum_type(InvitationStatus)
    )
    submitted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    declined_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    decline_reason: str | None = Field(default=None, max_length=2000)
    reminder_count: int = 0
    last_reminded_at: datetime | None = Field(default=None, sa_type=UtcDateTime)

    @property
    def external(self) -> bool:
        return self.rater_employee_id is None


class InvitationLink(ReviewsModel, table=True):
    """A single-use link for an external rater. Only the SHA-256 of the token is kept.

    `token_hash` is unique across tenants (not tenant-led) on purpose: the anonymous
    caller of an external link has no tenant yet; the hash is what finds it.
    """

    __tablename__ = "invitation_link"
    __table_args__ = (
        tenant_fk(["invitation_id"], "invitation", ["id"]),
        sa.UniqueConstraint("token_hash"),
        sa.Index(None, "tenant_id", "invitation_id"),
    )

    invitation_id: uuid.UUID
    token_hash: str = Field(max_length=64)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Reminder(ReviewsModel, table=True):
    """A reminder sent (as a `reviews.invitation.reminder_due` event) to a rater."""

    __tablename__ = "reminder"
    __table_args__ = (
        tenant_fk(["invitation_id"], "invitation", ["id"]),
        tenant_fk(["campaign_id"], "campaign", ["id"]),
        sa.Index(None, "tenant_id", "invitation_id"),
    )

    invitation_id: uuid.UUID
    campaign_id: uuid.UUID
    number: int
    requested_by: str = Field(max_length=200)
