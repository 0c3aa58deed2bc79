import uuid

import sqlalchemy as sa
from sqlmodel import Field

from strata_reviews.models import ReviewsModel, tenant_fk


class Answer(ReviewsModel, table=True):
    """One answer of an invitation's response: a rating or a comment."""

    __tablename__ = "answer"
    __table_args__ = (
        tenant_fk(["invitation_id"], "invitation", ["id"]),
        tenant_fk(["item_id"], "item", ["id"]),
        sa.UniqueConstraint("tenant_id", "invitation_id", "item_id"),
    )

    invitation_id: uuid.UUID
    item_id: uuid.UUID
    rating: int | None = None
    comment: str | None = Field(default=None, sa_type=sa.Text)
