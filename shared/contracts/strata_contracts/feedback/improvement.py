"""Improvement plans: the actions agreed in an interview, their progress, what is overdue."""

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from strata_contracts._base import LongText, Name, Read, Strict
from strata_contracts.feedback.vocabulary import ActionStatus, PlanStatus


class ImprovementActionCreate(Strict):
    """One action of an interview's improvement plan."""

    title: Name
    description: LongText | None = None
    owner_id: UUID | None = Field(
        default=None, description="Who carries the action out. Default: the employee."
    )
    due_on: date = Field(description="Not before the interview's date.")
    success_measure: LongText = Field(description="How both sides will know it is done.")
    training_need_id: UUID | None = Field(
        default=None, description="A training need (analytics) this action answers."
    )


class ImprovementActionUpdate(Strict):
    """Change an open action; every field optional. A new due date re-arms the overdue notice."""

    title: Name | None = None
    description: LongText | None = None
    owner_id: UUID | None = None
    due_on: date | None = None
    success_measure: LongText | None = None
    training_need_id: UUID | None = None


class ProgressCreate(Strict):
    """A progress update on an action, optionally moving its status."""

    note: LongText
    status: ActionStatus | None = Field(
        default=None, description="The action's new status (`done`, `in_progress`, `cancelled`)."
    )


class ProgressRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    action_id: UUID
    note: str
    status_before: ActionStatus
    status_after: ActionStatus
    author: str
    author_employee_id: UUID | None
    created_at: datetime


class ImprovementActionRead(Read):
    interview_id: UUID
    employee_id: UUID
    manager_id: UUID
    cycle_id: UUID | None
    owner_id: UUID
    title: str
    description: str | None
    due_on: date
    success_measure: str
    training_need_id: UUID | None
    status: ActionStatus
    completed_at: datetime | None
    overdue: bool = Field(description="Still open after its due date (UTC).")


class ImprovementPlanRead(BaseModel):
    """An interview's improvement plan: its actions and where they stand."""

    interview_id: UUID
    employee_id: UUID
    cycle_id: UUID | None
    status: PlanStatus
    open_actions: int
    overdue_actions: int
    actions: list[ImprovementActionRead]


class OverdueSweepResult(BaseModel):
    """What one overdue sweep found: actions newly noticed as overdue (each once)."""

    as_of: date
    notified: int
    action_ids: list[UUID]
