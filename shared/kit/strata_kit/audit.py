"""The audit trail: who changed what, when, from what to what, and why.

Every service declares one table, `class AuditRecord(AuditFields, <Service>Model, table=True)`,
and writes through `record_audit(...)` in the same transaction as the change, so a change
and its audit record commit or roll back together. Nothing is ever updated in place.
"""

import uuid
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.identity import IdentityClaims
from strata_kit.db import UtcDateTime, utcnow


class AuditFields(SQLModel):
    """Columns of an audit record."""

    entity_type: str = Field(max_length=64, index=True)
    entity_id: uuid.UUID = Field(index=True)
    action: str = Field(max_length=64)
    actor: str = Field(max_length=200, description="Subject of the caller.")
    actor_employee_id: uuid.UUID | None = None
    reason: str | None = Field(default=None, max_length=2000)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)


A = TypeVar("A", bound=AuditFields)


def snapshot(
    obj: SQLModel | BaseModel | None, *, exclude: set[str] | None = None
) -> dict[str, Any] | None:
    """A JSON-safe picture of `obj` for `before`/`after`."""
    if obj is None:
        return None
    return obj.model_dump(mode="json", exclude=(exclude or set()) | {"tenant_id"})


async def record_audit(
    session: AsyncSession,
    table: type[A],
    *,
    identity: IdentityClaims,
    entity_type: str,
    entity_id: uuid.UUID,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> A:
    """Add an audit record to the session (flushed with the change it describes)."""
    record = table(
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        actor=identity.subject,
        actor_employee_id=identity.employee_id,
        reason=reason,
        before=before,
        after=after,
    )
    session.add(record)
    return record
