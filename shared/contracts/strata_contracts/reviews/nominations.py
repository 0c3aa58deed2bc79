"""Nominations: who is asked to rate whom, before invitations are issued."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from strata_contracts._base import Email, Name, Read, Reason, Strict
from strata_contracts.reviews.vocabulary import (
    NominationDecisionKind,
    NominationSource,
    NominationStatus,
    Relationship,
)


class NominationCreate(Strict):
    """Nominate a rater. Internal relationships name an employee; `customer` names an
    external person by name and e-mail.

    An internal relationship must agree with the reporting lines (goals): `supervisor` is
    the ratee's manager, `direct_report` reports to the ratee, `peer` is neither. A label
    that disagrees is a 422 naming `relationship`, unless HR overrides it with
    `override_reason` (audited). An override never makes a group shown that would be
    suppressed: a rater labelled `supervisor` who is not the ratee's manager is invited,
    and counted, in the anonymous group the reporting lines give (`counted_as`)."""

    relationship: Relationship
    rater_employee_id: UUID | None = None
    external_name: Name | None = None
    external_email: Email | None = None
    override_reason: Reason | None = Field(
        default=None,
        description="HR only: why the label may disagree with the reporting lines (audited).",
    )


class NominationDecision(Strict):
    decision: NominationDecisionKind
    reason: Reason | None = Field(default=None, description="Required to reject.")


class SuggestionRequest(Strict):
    """Which ratees to suggest raters for (absent: every ratee of the campaign)."""

    ratee_ids: list[UUID] | None = Field(default=None, max_length=5000)


class NominationWarning(BaseModel):
    """Something the nominator should know; the nomination is stored all the same."""

    code: str = Field(
        description=(
            "`cannot_reach_threshold`: the relationship allows fewer raters than its k, so "
            "its answers will never be shown; `below_threshold`: fewer raters are nominated "
            "than its k, so unless more are, its answers (scores and comments) will be "
            "suppressed."
        )
    )
    relationship: Relationship
    detail: str
    nominated: int = Field(description="Raters of this relationship nominated for the ratee.")
    threshold: int = Field(description="The group's k.")


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
    reporting_line: Relationship | None = Field(
        default=None,
        description="What the reporting lines say the rater is to the ratee (internal raters).",
    )
    override_reason: str | None = Field(
        default=None, description="Why HR labelled the rater against the reporting lines."
    )
    counted_as: Relationship = Field(
        description="The group the rater is invited to and counted in (the label, except for "
        "an overridden `supervisor`, who counts in the anonymous group of the reporting lines)."
    )
    warnings: list[NominationWarning] = Field(
        default_factory=list,
        description="On the nominating response only: e.g. a group that cannot reach k.",
    )


class SuggestionResult(BaseModel):
    """Nominations created from the reporting lines (already nominated raters are kept)."""

    created: list[NominationRead]
