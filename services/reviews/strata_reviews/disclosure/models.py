import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from strata_kit.db import UtcDateTime
from strata_reviews.models import ReviewsModel, tenant_fk


class RevealGrant(ReviewsModel, table=True):
    """The right of one HR user to see rater identities (of one campaign or all)."""

    __tablename__ = "reveal_grant"
    __table_args__ = (
        tenant_fk(["campaign_id"], "campaign", ["id"]),
        sa.Index(None, "tenant_id", "grantee_subject"),
    )

    grantee_subject: str = Field(max_length=200)
    campaign_id: uuid.UUID | None = None
    granted_by: str = Field(max_length=200)
    reason: str = Field(max_length=2000)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    revoked_by: str | None = Field(default=None, max_length=200)
    revoke_reason: str | None = Field(default=None, max_length=2000)
