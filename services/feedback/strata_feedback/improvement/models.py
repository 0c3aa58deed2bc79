"""Improvement plan tables: an interview's actions and their progress updates."""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import ForeignKeyConstraint, Index
from sqlmodel import Field

from strata_contracts.feedback.vocabulary import ActionStatus
from strata_feedback.models import FeedbackModel, enum_type
from strata_kit.db import UtcDateTime


class ImprovementAction(FeedbackModel, table=True):
    """One action of an interview's improvement plan."""

    __tablename__ = "improvement_action"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "interview_id"], ["interview.tenant_id", "interview.id"]
        ),
        Index("ix_improvement_action_tenant_id_interview_id", "tenant_id", "interview_id"),
        Index("ix_improvement_action_tenant_id_employee_id", "tenant_id", "employee_id"),
        Index("ix_improvement_action_tenant_id_status_due_on", "tenant_id", "status", "due_on"),
    )

    interview_id: uuid.UUID
    employee_id: uuid.UUID
    manager_id: uuid.UUID
    cycle_id: uuid.UUID | None = None
    owner_id: uuid.UUID
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_type=sa.Text)
    due_on: date
    success_measure: str = Field(sa_type=sa.Text)
    training_need_id: uuid.UUID | None = None
    status: ActionStatus = Field(default=ActionStatus.OPEN, sa_type=enum_type(ActionStatus))
    completed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    overdue_notified_at: datetime | None = Field(
        default=None,
        sa_type=UtcDateTime,
        description="When the overdue event was recorded; cleared when the due date moves.",
    )


class ImprovementProgress(FeedbackModel, table=True):
    """A progress update on an action (and the status change it made, if any)."""

    __tablename__ = "improvement_progress"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "action_id"], ["improvement_action.tenant_id", "improvement_action.id"]
        ),
        Index("ix_improvement_progress_tenant_id_action_id", "tenant_id", "action_id"),
    )

    action_id: uuid.UUID
    note: str = Field(sa_type=sa.Text)
    status_before: ActionStatus = Field(sa_type=enum_type(ActionStatus))
    status_after: ActionStatus = Field(sa_type=enum_type(ActionStatus))
    author: str = Field(max_length=200)
    author_employee_id: uuid.UUID | None = None
