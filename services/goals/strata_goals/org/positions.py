"""Positions (posts) in org units, where the post-level KPIs hang; bulk upserts by HRIS key."""

import uuid
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
from strata_goals.org.exceptions import PositionNotFound
from strata_goals.org.models import Position
from strata_goals.org.repository import OrgUnitRepository, PositionRepository
from strata_goals.org.rules import (
    POSITION_CHANGED,
    NewId,
    differs,
    index_unique,
    position_read,
    random_id,
    unique_codes,
)
from strata_goals.org.units import org_unit_service
from strata_goals.queries import add_row, page_of
from strata_kit.audit import snapshot
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
        for key, index in by_key.items():
            item = data.items[index]
            values = {
                "title": item.title,
                "code": item.code,
                "org_unit_id": units[item.org_unit_external_id].id,
            }
            position = existing.get(key)
            if position is None:
                position = add_row(session, Position, id=new_id(key), external_id=key, **values)
                await self._position_changed(session, identity, position, None, "created")
                counts["created"] += 1
            elif differs(position, values):
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


position_service = PositionService()
