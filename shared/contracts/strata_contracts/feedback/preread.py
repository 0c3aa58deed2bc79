"""The pre-read: the packet both sides see before an interview, assembled from the goals
service (plan, KPI results, score explanation), the reviews service (the anonymised 360
summary) and feedback's own records (the last improvement plan, anytime notes).

A part that cannot be had is listed in `missing` with the reason; the rest is still there.
"""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from strata_contracts.feedback.improvement import ImprovementPlanRead
from strata_contracts.feedback.interviews import InterviewSummary
from strata_contracts.feedback.notes import NoteRead
from strata_contracts.feedback.vocabulary import PrereadPart
from strata_contracts.goals.plans import PlanExplanation
from strata_contracts.reviews.results import RateeResultsSummary


class Summary360(BaseModel):
    """The employee's anonymised 360 results (anonymity is enforced by the reviews service)."""

    of_this_cycle: bool = Field(
        description="False when the latest results belong to an earlier cycle (e.g. a "
        "half-yearly 360 read at a monthly interview)."
    )
    results: RateeResultsSummary


class MissingReason(StrEnum):
    NOT_APPLICABLE = "not_applicable"
    """The part does not apply (an ad hoc interview has no cycle plan)."""
    NOT_FOUND = "not_found"
    """The owning service has nothing yet (no plan, no closed 360)."""
    FORBIDDEN = "forbidden"
    """The owning service does not show it to this caller."""
    HIDDEN = "hidden"
    """A tenant setting keeps it from this caller."""
    UNAVAILABLE = "unavailable"
    """The owning service could not be reached."""
    TIMEOUT = "timeout"
    """The owning service did not answer in time."""
    INVALID_RESPONSE = "invalid_response"
    """The owning service answered something this contract does not describe."""
    UPSTREAM_ERROR = "upstream_error"
    """The owning service answered with an error."""


class MissingPart(BaseModel):
    part: PrereadPart
    reason: MissingReason
    status: int | None = Field(
        default=None, description="The HTTP status behind the reason, when there was one."
    )
    detail: str


class PreRead(BaseModel):
    """The interview's pre-read packet."""

    interview: InterviewSummary
    assembled_at: datetime
    plan: PlanExplanation | None = Field(
        description="The plan for the cycle, its KPI actuals and every step of its score (goals)."
    )
    reviews: Summary360 | None
    previous_interview: InterviewSummary | None = Field(
        description="The employee's last held interview before this one; None for a first."
    )
    previous_improvement_plan: ImprovementPlanRead | None = Field(
        description="The improvement plan agreed then, with each action's status."
    )
    notes: list[NoteRead] | None = Field(
        description="Anytime notes the employee received since the previous interview."
    )
    missing: list[MissingPart]
    complete: bool = Field(description="True when `missing` is empty.")
