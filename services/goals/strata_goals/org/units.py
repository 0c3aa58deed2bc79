"""Org units: one enterprise unit, departments nested below it, no loops in the tree;
bulk upserts by HRIS key, parents before children."""

import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.events import OrgUnitChanged
from strata_contracts.goals.org import (
    BulkUpsertResult,
    OrgUnitBulkUpsert,
    OrgUnitCreate,
    OrgUnitRead,
    OrgUnitUpdate,
)
from strata_contracts.identity import IdentityClaims
from strata_contracts.pagination import Page
from strata_contracts.problem import FieldProblem
from strata_goals.audit.service import audit_service
from strata_goals.changes import ensure_unique, patch_changes
from strata_goals.events import emit
from strata_goals.org.exceptions import OrgUnitNotFound
from strata_goals.org.models import OrgUnit
from strata_goals.org.repository import OrgUnitRepository
from strata_goals.org.rules import (
    ORG_UNIT_CHANGED,
    NewId,
    differs,
    index_unique,
    looping,
    org_unit_read,
    random_id,
    topological_order,
    unique_codes,
)
from strata_goals.queries import add_row, page_of
from strata_kit.audit import snapshot
from strata_kit.errors import InvalidInput, field
from strata_kit.pagination import PageParams


class OrgUnitService:
    async def get_org_unit(self, session: AsyncSession, org_unit_id: uuid.UUID) -> OrgUnit:
        unit = await OrgUnitRepository(session).get(org_unit_id)
        if unit is None:
            raise OrgUnitNotFound(f"No org unit {org_unit_id}.")
        return unit

    async def list_org_units(
        self,
        session: AsyncSession,
        params: PageParams,
        *,
        parent_id: uuid.UUID | None,
        external_id: str | None,
    ) -> Page[OrgUnitRead]:
        stmt = OrgUnitRepository(session).list_statement(
            parent_id=parent_id, external_id=external_id
        )
        return await page_of(session, stmt, OrgUnit, params, org_unit_read)

    async def create_org_unit(
        self, session: AsyncSession, identity: IdentityClaims, data: OrgUnitCreate
    ) -> OrgUnitRead:
        repo = OrgUnitRepository(session)
        await ensure_unique(repo.find_by, "org unit", code=data.code, external_id=data.external_id)
        if data.parent_id is None:
            root = await repo.root()
            if root is not None:
                raise InvalidInput(
                    "The tenant already has its enterprise unit; give this unit a parent.",
                    errors=[field("parent_id", f"required: the enterprise unit is {root.id}")],
                )
        elif await repo.get(data.parent_id) is None:
            raise InvalidInput(
                "The parent unit does not exist.",
                errors=[field("parent_id", "no such org unit in this tenant")],
            )
        unit = add_row(session, OrgUnit, **data.model_dump())
        await session.flush()
        await self._org_unit_changed(session, identity, unit, None, "created")
        return org_unit_read(unit)

    async def update_org_unit(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        org_unit_id: uuid.UUID,
        data: OrgUnitUpdate,
    ) -> OrgUnitRead:
        repo = OrgUnitRepository(session)
        unit = await self.get_org_unit(session, org_unit_id)
        before = snapshot(unit)
        changes = patch_changes(data, {"name"})
        await ensure_unique(
            repo.find_by,
            "org unit",
            exclude=unit.id,
            code=changes.get("code"),
            external_id=changes.get("external_id"),
        )
        if "parent_id" in changes and changes["parent_id"] != unit.parent_id:
            new_parent = changes["parent_id"]
            if unit.parent_id is None:
                raise InvalidInput(
                    "The enterprise unit cannot be moved under another unit.",
                    errors=[field("parent_id", "the enterprise unit has no parent")],
                )
            if new_parent is None:
                raise InvalidInput(
                    "Only the enterprise unit has no parent.",
                    errors=[field("parent_id", "cannot be null for a department")],
                )
            if await repo.get(new_parent) is None:
                raise InvalidInput(
                    "The parent unit does not exist.",
                    errors=[field("parent_id", "no such org unit in this tenant")],
                )
            parents = await repo.parent_map()
            parents[unit.id] = new_parent
            if looping([unit.id], parents):
                raise InvalidInput(
                    "A unit cannot be moved below itself.",
                    errors=[field("parent_id", "this unit is the new parent or above it")],
                )
        for name, value in changes.items():
            setattr(unit, name, value)
        if before != snapshot(unit):
            session.add(unit)
            await session.flush()
            await self._org_unit_changed(session, identity, unit, before, "updated")
        return org_unit_read(unit)

    async def bulk_upsert_org_units(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        data: OrgUnitBulkUpsert,
        new_id: NewId = random_id,
    ) -> BulkUpsertResult:
        """Create or update units by HRIS key, parents before children; all or nothing."""
        repo = OrgUnitRepository(session)
        items = data.items
        problems: list[FieldProblem] = []
        by_key = index_unique(items, lambda item: item.external_id, problems)
        existing = await repo.by_external_ids(
            set(by_key) | {i.parent_external_id for i in items if i.parent_external_id}
        )
        self._check_roots(data, existing, await repo.root(), problems)
        ids = {key: existing[key].id if key in existing else new_id(key) for key in by_key}
        parents = await repo.parent_map()
        self._link_parents(data, by_key, existing, ids, parents, problems)
        taken = await repo.by_codes({item.code for item in items if item.code})
        unique_codes(
            [(i, item.code, item.external_id) for i, item in enumerate(items)], taken, problems
        )
        if problems:
            raise InvalidInput("Some org units cannot be stored; nothing was.", errors=problems)

        counts = {"created": 0, "updated": 0, "unchanged": 0}
        order = topological_order(list(by_key), lambda key: items[by_key[key]].parent_external_id)
        for key in order:
            item = items[by_key[key]]
            values = {"name": item.name, "code": item.code, "parent_id": parents.get(ids[key])}
            unit = existing.get(key)
            if unit is None:
                unit = add_row(session, OrgUnit, id=ids[key], external_id=key, **values)
                await self._org_unit_changed(session, identity, unit, None, "created")
                counts["created"] += 1
            elif differs(unit, values):
                before = snapshot(unit)
                for name, value in values.items():
                    setattr(unit, name, value)
                session.add(unit)
                await self._org_unit_changed(session, identity, unit, before, "updated")
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        await session.flush()
        return BulkUpsertResult(**counts, ids=ids)

    @staticmethod
    def _check_roots(
        data: OrgUnitBulkUpsert,
        existing: dict[str, OrgUnit],
        root: OrgUnit | None,
        problems: list[FieldProblem],
    ) -> None:
        """Only the stored enterprise unit, or one new one in a fresh tenant, has no parent."""
        items = data.items
        roots = [i for i, item in enumerate(items) if item.parent_external_id is None]
        for position, i in enumerate(roots):
            stored = existing.get(items[i].external_id)
            if root is not None and (stored is None or stored.id != root.id):
                problems.append(
                    field(
                        f"items/{i}/parent_external_id",
                        "required: the tenant has its enterprise unit",
                    )
                )
            elif root is None and position > 0:
                problems.append(
                    field(f"items/{i}/parent_external_id", "only one unit may be the enterprise")
                )

    @staticmethod
    def _link_parents(
        data: OrgUnitBulkUpsert,
        by_key: dict[str, int],
        existing: dict[str, OrgUnit],
        ids: dict[str, uuid.UUID],
        parents: dict[uuid.UUID, uuid.UUID | None],
        problems: list[FieldProblem],
    ) -> None:
        """Put each item's parent into `parents` (the whole tree), naming missing parents,
        a parent given to the enterprise unit and loops."""
        items = data.items
        for key, i in by_key.items():
            parent = items[i].parent_external_id
            if parent is None:
                continue
            parent_id = ids.get(parent) or (existing[parent].id if parent in existing else None)
            if parent_id is None:
                problems.append(
                    field(f"items/{i}/parent_external_id", f"no org unit with external id {parent}")
                )
                continue
            stored = existing.get(key)
            if stored is not None and stored.parent_id is None:
                problems.append(
                    field(f"items/{i}/parent_external_id", "the enterprise unit has no parent")
                )
            parents[ids[key]] = parent_id
        key_of_id = {v: k for k, v in ids.items()}
        for unit_id in looping(ids.values(), parents) & set(key_of_id):
            key = key_of_id[unit_id]
            problems.append(
                field(f"items/{by_key[key]}/parent_external_id", "the unit tree would form a loop")
            )

    async def _org_unit_changed(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        unit: OrgUnit,
        before: dict[str, Any] | None,
        action: str,
    ) -> None:
        await audit_service.record(
            session,
            identity,
            entity_type="org_unit",
            entity_id=unit.id,
            action=action,
            before=before,
            after=snapshot(unit),
        )
        await emit(
            session,
            ORG_UNIT_CHANGED,
            f"org_unit/{unit.id}",
            OrgUnitChanged(change=action, org_unit=org_unit_read(unit)),
        )

    async def existing_unit(
        self, session: AsyncSession, org_unit_id: uuid.UUID, pointer: str
    ) -> None:
        """Refuse (422 at `pointer`) a unit that is not the tenant's."""
        if await OrgUnitRepository(session).get(org_unit_id) is None:
            raise InvalidInput(
                "The org unit does not exist.",
                errors=[field(pointer, "no such org unit in this tenant")],
            )


org_unit_service = OrgUnitService()
