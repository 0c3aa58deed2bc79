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
    pulls: dict[str, int] = Field(
        default_factory=dict,
        description="Pulls of closed campaigns' answers from the reviews service (jobs "
        "`ratings.pull`) per status; `dead`: given up after every retry.",
    )
    failing_pulls: list["PullFailure"] = Field(
        default_factory=list,
        description="Pulls whose last attempt failed, newest first (at most 20): waiting for "
        "a retry (`queued`, with `next_attempt_at`) or `dead`. Until they succeed, that "
        "campaign's 360 results and fairness reports are missing.",
    )


class PullFailure(BaseModel):
    job_id: UUID
    campaign_id: UUID | None
    status: str
    attempts: int
    error: str | None = Field(description="Why the last attempt failed.")
    next_attempt_at: datetime | None
    updated_at: datetime


class IngestedEventRead(BaseModel):
    id: UUID
    type: str
    version: int
    subject: str
    occurred_at: datetime
    position: int
    applied_at: datetime
    data: dict[str, Any]


IngestionStatus.model_rebuild()
