"""Positions (posts) in org units, where the post-level KPIs hang; bulk upserts by HRIS key."""

import uuid
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.events import PositionChanged
from strata_contracts.goals.org import (
    BulkUpsertResult,
    PositionBulkUpsert,
    PositionCreate,
    PositionRead,
    PositionUpdate,
)
from strata_contracts.identity import IdentityClaims
from strata_contracts.pagination import Page
from strata_contracts.problem import FieldProblem
from strata_goals.audit.service import audit_service
from strata_goals.changes import ensure_unique, patch_changes
from strata_goals.events import emit
from strata_goals.models import AuditRecord, OutboxEvent
from strata_goals.org.exceptions import PositionNotFound
from strata_goals.org.models import Position
from strata_goals.org.repository import BulkRows, OrgUnitRepository, PositionRepository
from strata_goals.org.rules import (
    POSITION_CHANGED,
    NewId,
    audit_row,
    differs,
    event_row,
    index_unique,
    position_read,
    random_id,
    unique_codes,
)
from strata_goals.org.units import org_unit_service
from strata_goals.queries import add_row, page_of, session_tenant
from strata_kit.audit import snapshot
from strata_kit.db import utcnow
from strata_kit.errors import InvalidInput, field
from strata_kit.pagination import PageParams


class PositionService:
    async def get_position(self, session: AsyncSession, position_id: uuid.UUID) -> Position:
        position = await PositionRepository(session).get(position_id)
        if position is None:
            raise PositionNotFound(f"No position {position_id}.")
        return position

    async def list_positions(
        self,
        session: AsyncSession,
        params: PageParams,
        *,
        org_unit_id: uuid.UUID | None,
        external_id: str | None,
    ) -> Page[PositionRead]:
        stmt = PositionRepository(session).list_statement(
            org_unit_id=org_unit_id, external_id=external_id
        )
        return await page_of(session, stmt, Position, params, position_read)

    async def create_position(
        self, session: AsyncSession, identity: IdentityClaims, data: PositionCreate
    ) -> PositionRead:
        repo = PositionRepository(session)
        await ensure_unique(repo.find_by, "position", code=data.code, external_id=data.external_id)
        await org_unit_service.existing_unit(session, data.org_unit_id, "org_unit_id")
        position = add_row(session, Position, **data.model_dump())
        await session.flush()
        await self._position_changed(session, identity, position, None, "created")
        return position_read(position)

    async def update_position(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        position_id: uuid.UUID,
        data: PositionUpdate,
    ) -> PositionRead:
        repo = PositionRepository(session)
        position = await self.get_position(session, position_id)
        before = snapshot(position)
        changes = patch_changes(data, {"title", "org_unit_id"})
        await ensure_unique(
            repo.find_by,
            "position",
            exclude=position.id,
            code=changes.get("code"),
            external_id=changes.get("external_id"),
        )
        if "org_unit_id" in changes:
            await org_unit_service.existing_unit(session, changes["org_unit_id"], "org_unit_id")
        for name, value in changes.items():
            setattr(position, name, value)
        if before != snapshot(position):
            session.add(position)
            await session.flush()
            await self._position_changed(session, identity, position, before, "updated")
        return position_read(position)

    async def bulk_upsert_positions(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        data: PositionBulkUpsert,
        new_id: NewId = random_id,
    ) -> BulkUpsertResult:
        repo = PositionRepository(session)
        problems: list[FieldProblem] = []
        by_key = index_unique(data.items, lambda item: item.external_id, problems)
        units = await OrgUnitRepository(session).by_external_ids(
            {item.org_unit_external_id for item in data.items}
        )
        for i, item in enumerate(data.items):
            if item.org_unit_external_id not in units:
                problems.append(
                    field(
                        f"items/{i}/org_unit_external_id",
                        f"no org unit with external id {item.org_unit_external_id}",
                    )
                )
        taken_codes = await repo.by_codes({item.code for item in data.items if item.code})
        unique_codes(
            [(i, item.code, item.external_id) for i, item in enumerate(data.items)],
            taken_codes,
            problems,
        )
        if problems:
            raise InvalidInput("Some positions cannot be stored; nothing was.", errors=problems)
        existing = await repo.by_external_ids(set(by_key))
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        ids: dict[str, uuid.UUID] = {}
        hired: list[PositionRead] = []
        now = utcnow()
        for key, index in by_key.items():
            item = data.items[index]
            values: dict[str, Any] = {
                "title": item.title,
                "code": item.code,
                "org_unit_id": units[item.org_unit_external_id].id,
                "external_id": key,
            }
            position = existing.get(key)
            if position is None:
                ids[key] = new_id(key)
                hired.append(
                    PositionRead.model_construct(
                        id=ids[key], created_at=now, updated_at=now, **values
                    )
                )
                counts["created"] += 1
                continue
            if differs(position, values):
                before = snapshot(position)
                for name, value in values.items():
                    setattr(position, name, value)
                session.add(position)
                await self._position_changed(session, identity, position, before, "updated")
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
            ids[key] = position.id
        await session.flush()
        await _insert_new(session, identity, hired, now)
        return BulkUpsertResult(**counts, ids=ids)

    async def _position_changed(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        position: Position,
        before: dict[str, Any] | None,
        action: str,
    ) -> None:
        await audit_service.record(
            session,
            identity,
            entity_type="position",
            entity_id=position.id,
            action=action,
            before=before,
            after=snapshot(position),
        )
        await emit(
            session,
            POSITION_CHANGED,
            f"position/{position.id}",
            PositionChanged(change=action, position=position_read(position)),
        )


async def _insert_new(
    session: AsyncSession, identity: IdentityClaims, created: list[PositionRead], now: datetime
) -> None:
    """The new positions of a bulk upsert, their audit records and events: one statement
    each, as the ORM would have written them row by row."""
    if not created:
        return
    tenant = session_tenant(session)
    after = [p.model_dump(mode="json") | {"version": 1} for p in created]
    writer = BulkRows(session)
    await writer.insert(
        Position,
        [{"tenant_id": tenant, "version": 1, **dict(p)} for p in created],
    )
    await writer.insert(
        AuditRecord,
        [
            audit_row(
                tenant,
                identity,
                now,
                entity_type="position",
                entity_id=p.id,
                action="created",
                before=None,
                after=a,
            )
            for p, a in zip(created, after, strict=True)
        ],
    )
    fields = list(PositionRead.model_fields)
    await writer.insert(
        OutboxEvent,
        [
            event_row(
                tenant,
                now,
                type=POSITION_CHANGED,
                subject=f"position/{p.id}",
                data={"change": "created", "position": {n: a[n] for n in fields}},
            )
            for p, a in zip(created, after, strict=True)
        ],
    )
    session.info["events_recorded"] = True


position_service = PositionService()
