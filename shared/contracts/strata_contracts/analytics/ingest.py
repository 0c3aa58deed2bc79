"""What analytics has received from the event hub: its read model's inputs and freshness."""

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field


class SourceStatus(BaseModel):
    source: str = Field(description="The service the events came from (`goals`, `reviews`…).")
    events: int
    last_occurred_at: datetime | None = Field(description="When the newest applied event happened.")
    last_applied_at: datetime | None = Field(description="When analytics applied it.")


class IngestionStatus(BaseModel):
    """How fresh analytics is, for the caller's tenant, and where its consumer stands."""

    position: int = Field(description="Last feed position applied (all tenants).")
    consumer_updated_at: datetime | None
    sources: list[SourceStatus]
    types: dict[str, int] = Field(description="Events applied per type, for this tenant.")


class IngestedEventRead(BaseModel):
    id: UUID
    type: str
    version: int
    subject: str
    occurred_at: datetime
    position: int
    applied_at: datetime
    data: dict[str, Any]
