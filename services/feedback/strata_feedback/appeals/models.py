"""Appeal tables: appeals against an interview's result and the change requests they make."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ForeignKeyConstraint, Index
from sqlmodel import Field

from strata_contracts.feedback.vocabulary import AppealStatus, ChangeRequestStatus, OwningService
from strata_feedback.models import FeedbackModel, enum_type
from strata_kit.db import UtcDateTime


class Appeal(FeedbackModel, table=True):
    """An employee's appeal of a disputed interview, handled by HR. One per interview."""

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "interview_id"], ["interview.tenant_id", "interview.id"]
        ),
        Index("uq_appeal_tenant_id_interview_id", "tenant_id", "interview_id", unique=True),
        Index("ix_appeal_tenant_id_status", "tenant_id", "status"),
        Index("ix_appeal_tenant_id_employee_id", "tenant_id", "employee_id"),
    )

    interview_id: uuid.UUID
    employee_id: uuid.UUID
    manager_id: uuid.UUID
    reason: str = Field(sa_type=sa.Text)
    status: AppealStatus = Field(default=AppealStatus.OPEN, sa_type=enum_type(AppealStatus))
    reviewer: str | None = Field(default=None, max_length=200)
    reviewer_employee_id: uuid.UUID | None = None
    review_started_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    resolution_note: str | None = Field(default=None, sa_type=sa.Text)
    resolved_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ChangeRequest(FeedbackModel, table=True):
    """A change an amended appeal asks the owning service to make; never applied here."""

    __tablename__ = "change_request"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "appeal_id"], ["appeal.tenant_id", "appeal.id"]),
        Index("ix_change_request_tenant_id_appeal_id", "tenant_id", "appeal_id"),
        Index(
            "ix_change_request_tenant_id_target_service_status",
            "tenant_id",
            "target_service",
            "status",
        ),
    )

    appeal_id: uuid.UUID
    interview_id: uuid.UUID
    employee_id: uuid.UUID
    target_service: OwningService = Field(sa_type=enum_type(OwningService))
    target_type: str = Field(max_length=64)
    target_id: uuid.UUID
    field: str = Field(max_length=64)
    before: Any = Field(default=None, sa_type=sa.JSON, nullable=True)
    after: Any = Field(default=None, sa_type=sa.JSON, nullable=True)
    reason: str = Field(sa_type=sa.Text)
    status: ChangeRequestStatus = Field(
        default=ChangeRequestStatus.PENDING, sa_type=enum_type(ChangeRequestStatus)
    )
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    decision_note: str | None = Field(default=None, sa_type=sa.Text)
