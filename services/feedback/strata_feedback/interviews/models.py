"""Interview tables: the interview with its record, its participants and its gaps."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import ForeignKeyConstraint, Index, text
from sqlmodel import Field

from strata_contracts.feedback.vocabulary import (
    InterviewKind,
    InterviewStatus,
    ParticipantRole,
    RootCause,
)
from strata_feedback.models import FeedbackModel, enum_type
from strata_kit.db import UtcDateTime

_ONE_PER_CYCLE = "cycle_id IS NOT NULL AND status <> 'cancelled'"


class Interview(FeedbackModel, table=True):
    """A feedback interview: scheduling, state, and the record both sides agree on."""

    __table_args__ = (
        Index("ix_interview_tenant_id_employee_id", "tenant_id", "employee_id"),
        Index("ix_interview_tenant_id_manager_id", "tenant_id", "manager_id"),
        Index("ix_interview_tenant_id_cycle_id", "tenant_id", "cycle_id"),
        # One (live) interview per employee per cycle; ad hoc ones have no cycle.
        Index(
            "uq_interview_tenant_id_employee_id_cycle_id",
            "tenant_id",
            "employee_id",
            "cycle_id",
            unique=True,
            sqlite_where=text(_ONE_PER_CYCLE),
            postgresql_where=text(_ONE_PER_CYCLE),
        ),
    )

    employee_id: uuid.UUID
    manager_id: uuid.UUID
    cycle_id: uuid.UUID | None = None
    kind: InterviewKind = Field(sa_type=enum_type(InterviewKind))
    status: InterviewStatus = Field(
        default=InterviewStatus.SCHEDULED, sa_type=enum_type(InterviewStatus)
    )
    scheduled_at: datetime = Field(sa_type=UtcDateTime)
    duration_minutes: int
    location: str | None = Field(default=None, max_length=300)
    meeting_link: str | None = Field(default=None, max_length=2083)
    reschedule_count: int = 0
    held_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    acknowledged_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    disputed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    cancel_reason: str | None = Field(default=None, max_length=2000)
    dispute_reason: str | None = Field(default=None, max_length=2000)
    strengths: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    shortcomings: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    agreed_points: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    manager_comment: str | None = Field(default=None, sa_type=sa.Text)
    employee_comment: str | None = Field(default=None, sa_type=sa.Text)


class InterviewParticipant(FeedbackModel, table=True):
    """Someone besides the employee and the manager who attends."""

    __tablename__ = "interview_participant"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "interview_id"], ["interview.tenant_id", "interview.id"]
        ),
        Index(
            "uq_interview_participant_tenant_id_interview_id_employee_id",
            "tenant_id",
            "interview_id",
            "employee_id",
            unique=True,
        ),
    )

    interview_id: uuid.UUID
    employee_id: uuid.UUID
    role: ParticipantRole = Field(sa_type=enum_type(ParticipantRole))


class InterviewGap(FeedbackModel, table=True):
    """A gap between plan and result found in the interview, with its root cause."""

    __tablename__ = "interview_gap"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "interview_id"], ["interview.tenant_id", "interview.id"]
        ),
        Index("ix_interview_gap_tenant_id_interview_id", "tenant_id", "interview_id"),
    )

    interview_id: uuid.UUID
    position: int
    description: str = Field(sa_type=sa.Text)
    root_cause: RootCause = Field(sa_type=enum_type(RootCause))
    indicator_id: uuid.UUID | None = None
    note: str | None = Field(default=None, sa_type=sa.Text)
