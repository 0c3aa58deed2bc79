"""Payloads (`data`) of the feedback service's domain events, by event type."""

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, JsonValue

from strata_contracts.feedback.vocabulary import AppealOutcome, OwningService

INTERVIEW_HELD = "feedback.interview.held"
INTERVIEW_ACKNOWLEDGED = "feedback.interview.acknowledged"
INTERVIEW_DISPUTED = "feedback.interview.disputed"
APPEAL_OPENED = "feedback.appeal.opened"
APPEAL_RESOLVED = "feedback.appeal.resolved"
ACTION_OVERDUE = "feedback.action.overdue"
CHANGE_REQUEST_CREATED = "feedback.change_request.created"


class InterviewEvent(BaseModel):
    interview_id: UUID
    employee_id: UUID
    manager_id: UUID
    cycle_id: UUID | None


class InterviewHeld(InterviewEvent):
    """`feedback.interview.held`: the interview took place."""

    held_at: datetime


class InterviewAcknowledged(InterviewEvent):
    """`feedback.interview.acknowledged`: the employee accepted the record."""

    acknowledged_at: datetime
    improvement_action_ids: list[UUID]


class InterviewDisputed(InterviewEvent):
    """`feedback.interview.disputed`: the employee disagreed (the reason stays in the service)."""

    disputed_at: datetime


class AppealOpened(BaseModel):
    """`feedback.appeal.opened`: HR has an appeal to handle."""

    appeal_id: UUID
    interview_id: UUID
    employee_id: UUID
    manager_id: UUID


class AppealResolved(BaseModel):
    """`feedback.appeal.resolved`. `outcome` as before; `appeal_decision` (`upheld` or
    `rejected`: about the appeal, never the rating) and `result` (`amended` or `unchanged`)
    spell it out."""

    appeal_id: UUID
    interview_id: UUID
    employee_id: UUID
    outcome: AppealOutcome
    appeal_decision: Literal["upheld", "rejected"] | None = None
    result: Literal["amended", "unchanged"] | None = None
    resolved_at: datetime
    change_request_ids: list[UUID]


class ImprovementActionOverdue(BaseModel):
    """`feedback.action.overdue`: sent once per action when a sweep finds it past due."""

    action_id: UUID
    interview_id: UUID
    employee_id: UUID
    manager_id: UUID
    owner_id: UUID
    due_on: date


class ChangeRequestCreated(BaseModel):
    """`feedback.change_request.created`: an amended appeal asks the owning service to change
    one result through its own audited path; read it at `/api/v1/feedback/change-requests/{id}`
    and report back with `.../applied` or `.../rejected`."""

    change_request_id: UUID
    appeal_id: UUID
    employee_id: UUID
    target_service: OwningService
    target_type: str
    target_id: UUID
    field: str
    before: JsonValue
    after: JsonValue
    reason: str
