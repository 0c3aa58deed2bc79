"""Appeals against an interview's result, and the change requests an amended outcome makes."""

from datetime import datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    computed_field,
    model_validator,
)

from strata_contracts._base import LongText, Read, Strict, Text
from strata_contracts.feedback.vocabulary import (
    APPEAL_DECISIONS,
    AppealOutcome,
    AppealStatus,
    ChangeRequestStatus,
    OwningService,
)

Slug = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$"
    ),
]
MAX_AMENDMENTS = 20


class AppealCreate(Strict):
    """The employee appeals a disputed interview's result."""

    interview_id: UUID
    reason: LongText


class AppealReview(Strict):
    """HR takes the appeal under review."""

    note: Text | None = None


class ChangeRequestCreate(Strict):
    """One result to change, in the service that owns it, with before, after and why."""

    target_service: OwningService
    target_type: Slug = Field(
        description="What kind of result, e.g. `kpi_result`, `overall_rating`."
    )
    target_id: UUID = Field(description="The result's id in the owning service.")
    field: Slug = Field(description="Which value of the result changes, e.g. `actual`.")
    before: JsonValue = Field(description="The value as it stands.")
    after: JsonValue = Field(description="The value the appeal decided.")
    reason: Text

    @model_validator(mode="after")
    def _a_change(self) -> Self:
        if self.before == self.after:
            raise ValueError("after equals before: that is not a change")
        return self


class AppealResolve(Strict):
    """Resolve an appeal under review. `amended` needs the changes it makes; the others none."""

    outcome: AppealOutcome
    resolution_note: LongText
    amendments: list[ChangeRequestCreate] = Field(default_factory=list, max_length=MAX_AMENDMENTS)

    @model_validator(mode="after")
    def _amendments_match_outcome(self) -> Self:
        if self.outcome is AppealOutcome.AMENDED and not self.amendments:
            raise ValueError("an amended outcome needs at least one amendment")
        if self.outcome is not AppealOutcome.AMENDED and self.amendments:
            raise ValueError("only an amended outcome carries amendments")
        return self


class ChangeRequestDecision(Strict):
    """The owning service reports what it did with a change request."""

    note: Text | None = None


class ChangeRequestRead(Read):
    """A change an amended appeal asks the owning service to make (through its own audited
    path). Feedback never edits another service's result."""

    appeal_id: UUID
    interview_id: UUID
    employee_id: UUID
    target_service: OwningService
    target_type: str
    target_id: UUID
    field: str
    before: JsonValue
    after: JsonValue
    reason: str
    status: ChangeRequestStatus
    decided_at: datetime | None
    decision_note: str | None


class AppealRead(Read):
    interview_id: UUID
    employee_id: UUID
    manager_id: UUID
    reason: str
    status: AppealStatus
    reviewer: str | None = Field(description="Subject of the HR person reviewing it.")
    review_started_at: datetime | None
    resolution_note: str | None
    resolved_at: datetime | None
    change_requests: list[ChangeRequestRead]

    @computed_field(  # type: ignore[prop-decorator]
        description="Once resolved: `upheld` (the employee's appeal was found valid) or "
        "`rejected` (it was not). Never about the rating itself; see `result`."
    )
    @property
    def appeal_decision(self) -> Literal["upheld", "rejected"] | None:
        decision = APPEAL_DECISIONS.get(self.status.value)
        return decision[0] if decision else None  # type: ignore[return-value]

    @computed_field(  # type: ignore[prop-decorator]
        description="Once resolved: `amended` (results change: see `change_requests`) or "
        "`unchanged` (the original result stands)."
    )
    @property
    def result(self) -> Literal["amended", "unchanged"] | None:
        decision = APPEAL_DECISIONS.get(self.status.value)
        return decision[1] if decision else None  # type: ignore[return-value]


class AppealSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    interview_id: UUID
    status: AppealStatus
    resolved_at: datetime | None
