"""The goals service's audit trail, as HR reads it."""

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class AuditRecordRead(BaseModel):
    """One change: who made it, when, what it was before and after, and why."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    entity_type: str = Field(description="`employee`, `indicator`, `plan`, `actual`, ...")
    entity_id: UUID
    action: str = Field(description="`created`, `updated`, `signed`, `recorded`, ...")
    actor: str = Field(description="Subject of the caller who made the change.")
    actor_employee_id: UUID | None
    reason: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    occurred_at: datetime
