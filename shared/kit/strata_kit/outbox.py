"""The transactional outbox: domain events written in the same transaction as the change.

Every service declares one table, `class OutboxEvent(OutboxFields, <Service>Model, table=True)`,
and calls `record_event(...)` inside the request's transaction: the event exists if and
only if the change committed. A relay (see the integration work) delivers rows in order
per subject and marks them published.
"""

import uuid
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.events import EventEnvelope
from strata_kit.db import UtcDateTime, utcnow


class OutboxFields(SQLModel):
    """Columns of an outbox row. `schema_version` versions `data` for its `type` (the row's
    own `version` is the row's concurrency counter, from `TenantModel`)."""

    type: str = Field(max_length=128)
    schema_version: int = Field(default=1)
    subject: str = Field(max_length=200, index=True)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    published_at: datetime | None = Field(default=None, sa_type=UtcDateTime, index=True)
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_error: str | None = Field(default=None, max_length=500)


E = TypeVar("E", bound=OutboxFields)


async def record_event(
    session: AsyncSession,
    table: type[E],
    *,
    type: str,
    subject: str,
    data: BaseModel,
    version: int = 1,
) -> E:
    """Add a domain event to the outbox in the current transaction."""
    row = table(
        type=type,
        schema_version=version,
        subject=subject,
        data=data.model_dump(mode="json"),
    )
    session.add(row)
    session.info["events_recorded"] = True
    return row


def to_envelope(
    row: OutboxFields, *, event_id: uuid.UUID, tenant_id: uuid.UUID
) -> EventEnvelope[dict[str, Any]]:
    """The wire form of an outbox row."""
    return EventEnvelope[dict[str, Any]](
        id=event_id,
        type=row.type,
        version=row.schema_version,
        tenant_id=tenant_id,
        occurred_at=row.occurred_at,
        subject=row.subject,
        data=row.data,
    )
