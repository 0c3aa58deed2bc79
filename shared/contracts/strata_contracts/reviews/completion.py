"""Completion tracking: how many invitations are answered, per campaign, department,
ratee, relationship and rater; and who is overdue."""

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field

from strata_contracts.reviews.vocabulary import CampaignStatus, InvitationStatus, Relationship


class CompletionCounts(BaseModel):
    invited: int
    submitted: int
    declined: int
    in_progress: int
    pending: int
    completion_rate: Decimal = Field(
        description="submitted / invited, 0 to 1, 4 decimals (0 when nobody is invited)."
    )


class RelationshipCompletion(BaseModel):
    relationship: Relationship
    counts: CompletionCounts | None = Field(
        description=(
            "Null when withheld: below k, an anonymous group of one ratee shows no count "
            "(to anyone but HR)."
        )
    )
    withheld: bool = Field(
        default=False, description="True when the counts are withheld (`below_threshold`)."
    )


class DepartmentCompletion(BaseModel):
    org_unit_id: UUID
    ratees: int
    counts: CompletionCounts


WITHHELD_NOTE = (
    "For callers other than HR and admin, the counts add up only the groups whose counts are "
    "disclosed: a ratee's anonymous group (peers, direct reports, customers) with fewer than "
    "k submitted responses is left out of every figure, so no difference of two figures "
    "recovers it."
)


class CampaignCompletion(BaseModel):
    campaign_id: UUID
    status: CampaignStatus
    due_at: datetime
    closes_at: datetime
    ratees: int
    withheld_groups: int = Field(
        default=0, description="Ratee groups left out of the figures. " + WITHHELD_NOTE
    )
    totals: CompletionCounts
    by_relationship: list[RelationshipCompletion]
    by_department: list[DepartmentCompletion]


class RateeCompletion(BaseModel):
    """Counts only: who answered is not shown for a ratee."""

    ratee_id: UUID
    name: str
    org_unit_id: UUID
    manager_id: UUID | None
    withheld_groups: int = Field(
        default=0, description="This ratee's groups left out of `counts`. " + WITHHELD_NOTE
    )
    counts: CompletionCounts
    by_relationship: list[RelationshipCompletion]


class RaterCompletion(BaseModel):
    """One rater's workload (HR only)."""

    rater_employee_id: UUID | None
    external_email: str | None
    counts: CompletionCounts


class OverdueInvitation(BaseModel):
    """An unfinished invitation past the campaign's due date (HR only)."""

    invitation_id: UUID
    ratee_id: UUID
    relationship: Relationship
    rater_employee_id: UUID | None
    external_email: str | None
    status: InvitationStatus
    due_at: datetime
    reminder_count: int
    last_reminded_at: datetime | None
