"""Feedback interviews: scheduling, the record, acknowledgement and disagreement."""

from datetime import datetime
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, HttpUrl, model_validator

from strata_contracts._base import LongText, Read, Strict, Text
from strata_contracts.feedback.vocabulary import (
    InterviewKind,
    InterviewStatus,
    ParticipantRole,
    RootCause,
)

MAX_PARTICIPANTS = 10
MAX_RECORD_ITEMS = 50

Location = Annotated[str, Field(min_length=1, max_length=300)]
Duration = Annotated[int, Field(ge=15, le=480, description="Planned length in minutes.")]


class Participant(Strict):
    """Someone other than the employee and the manager of record who attends."""

    employee_id: UUID
    role: ParticipantRole = ParticipantRole.OTHER


PLACE_OR_LINK_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"required": ["location"], "properties": {"location": {"type": "string"}}},
        {"required": ["meeting_link"], "properties": {"meeting_link": {"type": "string"}}},
    ]
}
"""Where the interview takes place: a `location`, a `meeting_link`, or both (at least one)."""


class InterviewCreate(Strict):
    """Schedule an interview. With `cycle_id` it is the cycle's interview for the employee
    (one per employee per cycle, while the cycle is in its feedback phase); without, an ad
    hoc one. It needs a place: a `location`, a `meeting_link`, or both (the server checks
    this after the caller's rights, with a 422 naming both fields)."""

    model_config = ConfigDict(json_schema_extra=PLACE_OR_LINK_SCHEMA)

    employee_id: UUID
    manager_id: UUID | None = Field(
        default=None,
        description=(
            "Manager of record. Default: the caller when a manager schedules, else the "
            "employee's manager per the goals service."
        ),
    )
    cycle_id: UUID | None = Field(default=None, description="The goals cycle; absent: ad hoc.")
    scheduled_at: AwareDatetime
    duration_minutes: Duration = 60
    location: Location | None = Field(
        default=None, description="A room or place; required unless `meeting_link` is given."
    )
    meeting_link: HttpUrl | None = Field(
        default=None, description="A video-call link; required unless `location` is given."
    )
    participants: list[Participant] = Field(default_factory=list, max_length=MAX_PARTICIPANTS)


class InterviewReschedule(Strict):
    """Move an interview; the reason is kept in the audit trail."""

    scheduled_at: AwareDatetime
    duration_minutes: Duration | None = None
    location: Location | None = None
    meeting_link: HttpUrl | None = None
    reason: Text


class InterviewCancel(Strict):
    reason: Text


class InterviewHold(Strict):
    """Mark the interview as held (it took place)."""

    held_at: AwareDatetime | None = Field(default=None, description="Default: now.")


class GapCreate(Strict):
    """A gap between plan and result, and where it came from."""

    description: LongText
    root_cause: RootCause
    indicator_id: UUID | None = Field(default=None, description="The goals indicator, if any.")
    note: LongText | None = Field(default=None, description="Required when root_cause is `other`.")

    @model_validator(mode="after")
    def _other_needs_note(self) -> Self:
        if self.root_cause is RootCause.OTHER and self.note is None:
            raise ValueError("a gap whose root cause is `other` needs a note")
        return self


class GapRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    position: int
    description: str
    root_cause: RootCause
    indicator_id: UUID | None
    note: str | None


class RecordUpdate(Strict):
    """Change the interview record; every field optional, a list replaces the stored one.

    The manager of record (or HR) writes every field except `employee_comment`, which
    only the employee writes."""

    strengths: list[LongText] | None = Field(default=None, max_length=MAX_RECORD_ITEMS)
    shortcomings: list[LongText] | None = Field(default=None, max_length=MAX_RECORD_ITEMS)
    gaps: list[GapCreate] | None = Field(default=None, max_length=MAX_RECORD_ITEMS)
    agreed_points: list[LongText] | None = Field(default=None, max_length=MAX_RECORD_ITEMS)
    manager_comment: LongText | None = None
    employee_comment: LongText | None = None


class InterviewAcknowledge(Strict):
    """The employee acknowledges the record, optionally with a comment."""

    comment: LongText | None = None


class InterviewDispute(Strict):
    """The employee disagrees with the record; the written reason is required."""

    reason: Text


class InterviewClose(Strict):
    note: Text | None = None


class ParticipantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    employee_id: UUID
    role: ParticipantRole


class InterviewRead(Read):
    employee_id: UUID
    manager_id: UUID
    cycle_id: UUID | None
    kind: InterviewKind
    status: InterviewStatus
    scheduled_at: datetime
    duration_minutes: int
    location: str | None
    meeting_link: str | None
    participants: list[ParticipantRead]
    reschedule_count: int
    held_at: datetime | None
    acknowledged_at: datetime | None
    disputed_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    dispute_reason: str | None
    strengths: list[str]
    shortcomings: list[str]
    gaps: list[GapRead]
    agreed_points: list[str]
    manager_comment: str | None
    employee_comment: str | None
    version: int = Field(description="Changes on every write; the ETag carries it.")


class InterviewSummary(BaseModel):
    """An interview in a list or a pre-read: who, when, where it stands."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    employee_id: UUID
    manager_id: UUID
    cycle_id: UUID | None
    kind: InterviewKind
    status: InterviewStatus
    scheduled_at: datetime
    held_at: datetime | None
