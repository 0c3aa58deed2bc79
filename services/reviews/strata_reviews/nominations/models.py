import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from strata_contracts.reviews.vocabulary import NominationSource, NominationStatus, Relationship
from strata_kit.db import UtcDateTime
from strata_reviews.models import ReviewsModel, enum_type, tenant_fk


class Nomination(ReviewsModel, table=True):
    """A proposed rater for one ratee. `rater_key` (`employee:<id>` or `email:<address>`)
    makes one rater count once per ratee, whatever the relationship."""

    __tablename__ = "nomination"
    __table_args__ = (
        tenant_fk(["campaign_id"], "campaign", ["id"]),
        tenant_fk(["campaign_id", "ratee_id"], "campaign_ratee", ["campaign_id", "employee_id"]),
        sa.UniqueConstraint("tenant_id", "campaign_id", "ratee_id", "rater_key"),
    )

    campaign_id: uuid.UUID
    ratee_id: uuid.UUID
    relationship: Relationship = Field(sa_type=enum_type(Relationship))
    rater_employee_id: uuid.UUID | None = None
    external_name: str | None = Field(default=None, max_length=200)
    external_email: str | None = Field(default=None, max_length=320)
    rater_key: str = Field(max_length=400)
    status: NominationStatus = Field(sa_type=enum_type(NominationStatus))
    source: NominationSource = Field(sa_type=enum_type(NominationSource))
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    decision_reason: str | None = Field(default=None, max_length=2000)
    reporting_line: Relationship | None = Field(default=None, sa_type=enum_type(Relationship))
    """What the reporting lines say the rater is to the ratee (None for customers)."""
    override_reason: str | None = Field(default=None, max_length=2000)
    """Why HR labelled the rater against the reporting lines (audited)."""


def counted_as(nomination: Nomination) -> Relationship:
    """The group a nominated rater is invited to and counted in: the label, except that a
    rater labelled `supervisor` against the reporting lines (an HR override) counts in the
    anonymous group the lines give, never in the always-shown supervisor group."""
    line = nomination.reporting_line
    if nomination.relationship is Relationship.SUPERVISOR and line not in (
        None,
        Relationship.SUPERVISOR,
    ):
        assert line is not None
        return line
    return nomination.relationship
