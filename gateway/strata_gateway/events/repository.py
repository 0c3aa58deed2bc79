import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.events import EventEnvelope
from strata_gateway.models import Event


class EventRepository:
    """Queries on the event table. It is not a `TenantModel` table: every tenant-facing
    query here filters `tenant_id` itself."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def serialise_ingest(self) -> None:
        """Make positions commit in order: one ingest transaction at a time (PostgreSQL;
        SQLite serialises writers anyway). Without it a reader could pass a position whose
        transaction had not committed yet, and miss that event for ever."""
        if self.session.get_bind().dialect.name == "postgresql":
            connection = await self.session.connection()
            await connection.execute(text("SELECT pg_advisory_xact_lock(74269001)"))

    async def insert_new(
        self, events: Sequence[EventEnvelope[dict[str, Any]]], source: str
    ) -> list[tuple[uuid.UUID, int]]:
        """Insert events not stored yet; return (id, position) of those inserted."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        inserted = []
        connection = await self.session.connection()
        for event in events:
            statement = (
                insert(Event)
                .values(
                    id=event.id,
                    tenant_id=event.tenant_id,
                    type=event.type,
                    schema_version=event.version,
                    subject=event.subject,
                    source=source,
                    occurred_at=event.occurred_at,
                    data=event.data,
                )
                .on_conflict_do_nothing(index_elements=["id"])
                .returning(text("position"))
            )
            position = (await connection.execute(statement)).scalar_one_or_none()
            if position is not None:
                inserted.append((event.id, int(position)))
        return inserted

    async def after(
        self,
        position: int,
        *,
        limit: int,
        tenant_id: uuid.UUID | None,
        types: Sequence[str] = (),
    ) -> list[Event]:
        """Events after `position` in order; one tenant's, or every tenant's when None."""
        statement = select(Event).where(col(Event.position) > position)
        if tenant_id is not None:
            statement = statement.where(Event.tenant_id == tenant_id)
        if types:
            statement = statement.where(col(Event.type).in_(types))
        statement = statement.order_by(col(Event.position)).limit(limit)
        return list((await self.session.exec(statement)).all())

    async def by_ids(self, ids: Sequence[uuid.UUID]) -> list[Event]:
        return list((await self.session.exec(select(Event).where(col(Event.id).in_(ids)))).all())
