"""Long or bulk work runs as a job resource: accepted at once (202), followed to the end."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

JobStatus = Literal["queued", "running", "succeeded", "failed", "dead"]
"""`failed`: the job ran and refused its input (not retried); `dead`: it raised on every
attempt (retried with backoff, then given up); a job waiting for a retry is `queued` with
`attempts` > 0, its last `error` and `next_attempt_at`."""


class JobItemResult(BaseModel):
    """What happened to one input row, by its index in the request."""

    index: int
    outcome: Literal["created", "updated", "unchanged", "failed", "skipped"]
    id: UUID | None = None
    errors: list[str] = Field(default_factory=list)


class JobRead(BaseModel):
    id: UUID
    kind: str
    status: JobStatus
    all_or_nothing: bool
    total: int = Field(description="Items to process.")
    processed: int = Field(description="Items processed so far (progress).")
    succeeded: int
    failed: int
    error: str | None = Field(
        description="Why the whole job failed, when it did; while it waits for a retry, why "
        "its last attempt failed."
    )
    attempts: int = Field(default=0, description="Attempts started so far.")
    next_attempt_at: datetime | None = Field(
        default=None, description="When a job whose last attempt failed is tried again."
    )
    results: list[JobItemResult] = Field(description="Per-row outcomes, once finished.")
    summary: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
