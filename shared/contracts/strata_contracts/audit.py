"""Every service's audit trail, as HR and auditors read it (`GET /api/v1/<service>/audit`)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class AuditRecordRead(BaseModel):
    """One change: who made it, when, what it was before and after, and why."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    entity_type: str = Field(
        description="`employee`, `plan`, `template`, `appeal`, `calibration_entry`, "
        "`recommendation`, ... (the service's own kinds of object)."
    )
    entity_id: UUID
    action: str = Field(description="`created`, `updated`, `signed`, `adjusted`, ...")
    actor: str = Field(description="Subject of the caller who made the change.")
    actor_employee_id: UUID | None
    reason: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    occurred_at: datetime
