"""Rules of the organisation: one enterprise unit, no loops in the unit tree or the reporting
line, references inside the tenant, placements kept as history, bulk upserts by HRIS key."""

import uuid
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.events import EmployeeUpserted, OrgUnitChanged, PositionChanged
from strata_contracts.goals.org import (
    BulkUpsertResult,
    EmployeeBulkUpsert,
    EmployeeCreate,
    EmployeePlacementRead,
    EmployeeRead,
    EmployeeUpdate,
    OrgUnitBulkUpsert,
    OrgUnitCreate,
    OrgUnitRead,
    OrgUnitUpdate,
    PositionBulkUpsert,
    PositionCreate,
    PositionRead,
    PositionUpdate,
)
from strata_contracts.goals.vocabulary import EmployeeStatus, Level
from strata_contracts.identity import IdentityClaims, Role
from strata_contracts.pagination import Page
from strata_contracts.problem import FieldProblem
from strata_goals.audit.service import audit_service
from strata_goals.changes import ensure_unique, patch_changes
from strata_goals.events import emit
from strata_goals.org.exceptions import (
    EmployeeNotFound,
    OrgUnitNotFound,
    PositionNotFound,
)
from strata_goals.org.models import Employee, EmployeePlacement, OrgUnit, Position
from strata_goals.org.repository import (
    EmployeeRepository,
    OrgUnitRepository,
    PositionRepository,
)
from strata_goals.queries import add_row, page_of, update_rows
from strata_kit.audit import snapshot
from strata_kit.errors import Forbidden, InvalidInput, field
from strata_kit.pagination import PageParams

K = TypeVar("K", bound=Hashable)

EMPLOYEE_UPSERTED = "goals.employee.upserted"
ORG_UNIT_CHANGED = "goals.org_unit.changed"
POSITION_CHANGED = "goals.position.changed"


NewId = Callable[[str], uuid.UUID]
"""The id of a row created by a bulk upsert, from its external id (random by default; the
demo derives them so other services' demos can refer to the same people)."""


def _random_id(_: str) -> uuid.UUID:
    return uuid.uuid4()


def today() -> date:
    return datetime.now(UTC).date()


def org_unit_read(unit: OrgUnit) -> OrgUnitRead:
    return OrgUnitRead(
        id=unit.id,
        name=unit.name,
        code=unit.code,
        external_id=unit.external_id,
        parent_id=unit.parent_id,
        level=Level.ENTERPRISE if unit.parent_id is None else Level.DEPARTMENT,
        created_at=unit.created_at,
        updated_at=unit.updated_at,
    )


def position_read(position: Position) -> PositionRead:
    return PositionRead.model_validate(position)


def employee_read(employee: Employee) -> EmployeeRead:
    return EmployeeRead.model_validate(employee)


def topological_order(keys: Sequence[K], parent_of: Callable[[K], K | None]) -> list[K]:
    """`keys` with every parent before its children (parents outside `keys` are ignored;
    the caller has ruled out loops)."""
    inside = set(keys)
    placed: set[K] = set()
    ordered: list[K] = []
    for start in keys:
        path: list[K] = []
        node: K | None = start
        while node is not None and node in inside and node not in placed and node not in path:
            path.append(node)
            node = parent_of(node)
        for key in reversed(path):
            placed.add(key)
            ordered.append(key)
    return ordered


def looping(starts: Iterable[K], parent_of: Mapping[K, K | None]) -> set[K]:
    """Those of `starts` that sit on a loop of parents (`parent_of` is the whole graph)."""
    done: set[K] = set()
    on_loop: set[K] = set()
    for start in starts:
        path: list[K] = []
        node: K | None = start
        while node is not None and node not in done and node not in path:
            path.append(node)
            node = parent_of.get(node)
        if node is not None and node in path:
            on_loop.update(path[path.index(node) :])
        done.update(path)
    return on_loop


class OrgService:
    # --- org units ---------------------------------------------------------------------

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
        new_id: NewId = _random_id,
    ) -> BulkUpsertResult:
        """Create or update units by HRIS key, parents before children; all or nothing."""
        repo = OrgUnitRepository(session)
        items = data.items
        problems: list[FieldProblem] = []
        by_key = _index_unique(items, lambda item: item.external_id, problems)
        existing = await repo.by_external_ids(
            set(by_key) | {i.parent_external_id for i in items if i.parent_external_id}
        )
        root = await repo.root()
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
        ids = {key: existing[key].id if key in existing else new_id(key) for key in by_key}
        parents = await repo.parent_map()
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
        taken = await repo.by_codes({item.code for item in items if item.code})
        _unique_codes(
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
            elif _differs(unit, values):
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

    # --- positions ---------------------------------------------------------------------

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
        await self._existing_unit(session, data.org_unit_id, "org_unit_id")
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
            await self._existing_unit(session, changes["org_unit_id"], "org_unit_id")
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
        new_id: NewId = _random_id,
    ) -> BulkUpsertResult:
        repo = PositionRepository(session)
        problems: list[FieldProblem] = []
        by_key = _index_unique(data.items, lambda item: item.external_id, problems)
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
        _unique_codes(
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
            elif _differs(position, values):
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

    # --- employees ---------------------------------------------------------------------

    async def get_employee(self, session: AsyncSession, employee_id: uuid.UUID) -> Employee:
        employee = await EmployeeRepository(session).get(employee_id)
        if employee is None:
            raise EmployeeNotFound(f"No employee {employee_id}.")
        return employee

    async def list_employees(
        self,
        session: AsyncSession,
        params: PageParams,
        *,
        org_unit_id: uuid.UUID | None = None,
        position_id: uuid.UUID | None = None,
        manager_id: uuid.UUID | None = None,
        external_id: str | None = None,
        status: EmployeeStatus | None = None,
    ) -> Page[EmployeeRead]:
        stmt = EmployeeRepository(session).list_statement(
            org_unit_id=org_unit_id,
            position_id=position_id,
            manager_id=manager_id,
            external_id=external_id,
            status=status,
        )
        return await self._page(session, stmt, params)

    async def list_reports(
        self,
        session: AsyncSession,
        params: PageParams,
        manager_id: uuid.UUID,
        *,
        direct_only: bool,
    ) -> Page[EmployeeRead]:
        """Who reports to `manager_id`: directly, or anywhere below in the reporting line."""
        await self.get_employee(session, manager_id)
        repo = EmployeeRepository(session)
        if direct_only:
            stmt = repo.list_statement(manager_id=manager_id)
        else:
            stmt = repo.list_statement(within=repo.reports_statement(manager_id))
        return await self._page(session, stmt, params)

    async def manager_chain(
        self, session: AsyncSession, employee_id: uuid.UUID
    ) -> list[EmployeeRead]:
        await self.get_employee(session, employee_id)
        chain = await EmployeeRepository(session).manager_chain(employee_id)
        return [employee_read(e) for e in chain]

    async def history(
        self, session: AsyncSession, employee_id: uuid.UUID
    ) -> list[EmployeePlacementRead]:
        await self.get_employee(session, employee_id)
        placements = await EmployeeRepository(session).placements(employee_id)
        return [EmployeePlacementRead.model_validate(p) for p in placements]

    async def create_employee(
        self, session: AsyncSession, identity: IdentityClaims, data: EmployeeCreate
    ) -> EmployeeRead:
        repo = EmployeeRepository(session)
        await ensure_unique(repo.find_by, "employee", external_id=data.external_id)
        await self._check_placement(session, data.org_unit_id, data.position_id)
        if data.manager_id is not None and await repo.get(data.manager_id) is None:
            raise _manager_outside_org("manager_id")
        employee = add_row(session, Employee, **data.model_dump())
        await session.flush()
        _add_placement(session, employee, data.hire_date or today())
        await self._employee_changed(session, identity, employee, None, "created")
        return employee_read(employee)

    async def update_employee(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        employee_id: uuid.UUID,
        data: EmployeeUpdate,
    ) -> EmployeeRead:
        repo = EmployeeRepository(session)
        employee = await self.get_employee(session, employee_id)
        before = snapshot(employee)
        changes = patch_changes(data, {"name", "email", "org_unit_id", "status"})
        changes.pop("effective_on", None)
        await ensure_unique(
            repo.find_by, "employee", exclude=employee.id, external_id=changes.get("external_id")
        )
        if "org_unit_id" in changes or "position_id" in changes:
            await self._check_placement(
                session,
                changes.get("org_unit_id", employee.org_unit_id),
                changes.get("position_id", employee.position_id),
            )
        if changes.get("manager_id") is not None:
            await self._check_manager(session, employee.id, changes["manager_id"], "manager_id")
        moved = any(
            name in changes and changes[name] != getattr(employee, name)
            for name in ("org_unit_id", "position_id", "manager_id")
        )
        for name, value in changes.items():
            setattr(employee, name, value)
        if moved:
            current = (await repo.current_placements([employee.id])).get(employee.id)
            explicit = data.effective_on is not None
            _move(session, employee, current, data.effective_on or today(), explicit=explicit)
        if before != snapshot(employee):
            session.add(employee)
            await session.flush()
            await self._employee_changed(session, identity, employee, before, "updated")
        return employee_read(employee)

    async def bulk_upsert_employees(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        data: EmployeeBulkUpsert,
        new_id: NewId = _random_id,
    ) -> BulkUpsertResult:
        """Create or update employees by HRIS key in a few set-based queries; all or nothing."""
        repo = EmployeeRepository(session)
        units_repo = OrgUnitRepository(session)
        positions_repo = PositionRepository(session)
        items = data.items
        problems: list[FieldProblem] = []
        by_key = _index_unique(items, lambda item: item.external_id, problems)
        existing = await repo.by_external_ids(
            set(by_key) | {i.manager_external_id for i in items if i.manager_external_id}
        )
        units = await units_repo.by_external_ids(
            {i.org_unit_external_id for i in items if i.org_unit_external_id}
        )
        units_by_id = await units_repo.by_ids({i.org_unit_id for i in items if i.org_unit_id})
        positions = await positions_repo.by_external_ids(
            {i.position_external_id for i in items if i.position_external_id}
        )
        positions_by_id = await positions_repo.by_ids(
            {i.position_id for i in items if i.position_id}
        )
        managers_by_id = await repo.by_ids({i.manager_id for i in items if i.manager_id})
        ids = {key: existing[key].id if key in existing else new_id(key) for key in by_key}
        managers = await repo.manager_map()

        rows: dict[str, dict[str, Any]] = {}
        for key, i in by_key.items():
            item = items[i]
            unit = (
                units.get(item.org_unit_external_id)
                if item.org_unit_external_id is not None
                else units_by_id.get(item.org_unit_id)  # type: ignore[arg-type]
            )
            if unit is None:
                pointer = "org_unit_external_id" if item.org_unit_external_id else "org_unit_id"
                problems.append(field(f"items/{i}/{pointer}", "no such org unit in this tenant"))
            position: Position | None = None
            position_pointer = (
                "position_external_id" if item.position_external_id else "position_id"
            )
            if item.position_external_id is not None:
                position = positions.get(item.position_external_id)
            elif item.position_id is not None:
                position = positions_by_id.get(item.position_id)
            if (item.position_external_id or item.position_id) and position is None:
                problems.append(
                    field(f"items/{i}/{position_pointer}", "no such position in this tenant")
                )
            if position is not None and unit is not None and position.org_unit_id != unit.id:
                problems.append(
                    field(
                        f"items/{i}/{position_pointer}", "the position belongs to another org unit"
                    )
                )
            manager_id: uuid.UUID | None = None
            if item.manager_external_id is not None:
                manager_id = ids.get(item.manager_external_id) or (
                    existing[item.manager_external_id].id
                    if item.manager_external_id in existing
                    else None
                )
                if manager_id is None:
                    problems.append(_manager_field(f"items/{i}/manager_external_id"))
            elif item.manager_id is not None:
                manager_id = item.manager_id
                if manager_id not in managers_by_id and manager_id not in ids.values():
                    problems.append(_manager_field(f"items/{i}/manager_id"))
            managers[ids[key]] = manager_id
            rows[key] = {
                "name": item.name,
                "email": item.email,
                "org_unit_id": unit.id if unit else None,
                "position_id": position.id if position else None,
                "manager_id": manager_id,
                "status": item.status,
                "hire_date": item.hire_date,
            }
        key_of_id = {v: k for k, v in ids.items()}
        for employee_id in looping(ids.values(), managers) & set(key_of_id):
            i = by_key[key_of_id[employee_id]]
            pointer = "manager_external_id" if items[i].manager_external_id else "manager_id"
            problems.append(field(f"items/{i}/{pointer}", "the reporting line would form a loop"))
        if problems:
            raise InvalidInput("Some employees cannot be stored; nothing was.", errors=problems)

        current = await repo.current_placements(
            [e.id for e in existing.values() if e.external_id in by_key]
        )
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        effective = today()

        def manager_key(key: str) -> str | None:
            manager_id = rows[key]["manager_id"]
            return key_of_id.get(manager_id) if manager_id is not None else None

        hired: list[Employee] = []
        changed: list[dict[str, Any]] = []
        moves: list[tuple[EmployeeRead, EmployeePlacement | None]] = []
        # Managers first: rows are inserted in this order, so every manager row exists before
        # the rows that reference it, whatever the batch boundaries of the bulk INSERT.
        for key in topological_order(list(by_key), manager_key):
            values = rows[key]
            employee = existing.get(key)
            if employee is None:
                employee = add_row(session, Employee, id=ids[key], external_id=key, **values)
                hired.append(employee)
                await self._employee_changed(session, identity, employee, None, "created")
                counts["created"] += 1
            elif _differs(employee, values):
                # Updated in one statement below, not through the ORM (a flush would send
                # one UPDATE per row).
                before = snapshot(employee)
                after = employee_read(employee).model_copy(update=values)
                changed.append({"id": employee.id, **values})
                if any(values[n] != getattr(employee, n) for n in _PLACEMENT):
                    moves.append((after, current.get(employee.id)))
                await self._employee_changed(
                    session, identity, employee, before, "updated", after=after
                )
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        # Placements and updates reference the new employee rows: insert those first.
        await session.flush()
        await update_rows(session, Employee, changed)
        placement_updates: list[dict[str, Any]] = []
        for employee in hired:
            _add_placement(session, employee, employee.hire_date or effective)
        for after, placement in moves:
            update, opened = _placement_change(after, placement, effective)
            if update is not None:
                placement_updates.append(update)
            if opened:
                _add_placement(session, after, effective)
        await update_rows(session, EmployeePlacement, placement_updates)
        await session.flush()
        return BulkUpsertResult(**counts, ids=ids)

    async def _employee_changed(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        employee: Employee,
        before: dict[str, Any] | None,
        action: Literal["created", "updated"],
        *,
        after: EmployeeRead | None = None,
    ) -> None:
        """Audit and publish a change; `after` is the employee as changed when the row is
        updated by statement rather than through `employee`."""
        read = after or employee_read(employee)
        await audit_service.record(
            session,
            identity,
            entity_type="employee",
            entity_id=employee.id,
            action=action,
            before=before,
            after=_snapshot_after(before, read) if after else snapshot(employee),
        )
        await emit(
            session,
            EMPLOYEE_UPSERTED,
            f"employee/{employee.id}",
            EmployeeUpserted(change=action, employee=read),
        )

    async def _check_placement(
        self,
        session: AsyncSession,
        org_unit_id: uuid.UUID,
        position_id: uuid.UUID | None,
    ) -> None:
        await self._existing_unit(session, org_unit_id, "org_unit_id")
        if position_id is None:
            return
        position = await PositionRepository(session).get(position_id)
        if position is None:
            raise InvalidInput(
                "The position does not exist.",
                errors=[field("position_id", "no such position in this tenant")],
            )
        if position.org_unit_id != org_unit_id:
            raise InvalidInput(
                "The position belongs to another org unit.",
                errors=[field("position_id", f"the position is in unit {position.org_unit_id}")],
            )

    async def _check_manager(
        self,
        session: AsyncSession,
        employee_id: uuid.UUID,
        manager_id: uuid.UUID,
        pointer: str,
    ) -> None:
        repo = EmployeeRepository(session)
        if await repo.get(manager_id) is None:
            raise _manager_outside_org(pointer)
        if manager_id == employee_id or employee_id in {
            m.id for m in await repo.manager_chain(manager_id)
        }:
            raise InvalidInput(
                "The reporting line would form a loop.",
                errors=[field(pointer, "this employee is above the new manager (or is them)")],
            )

    async def _existing_unit(
        self, session: AsyncSession, org_unit_id: uuid.UUID, pointer: str
    ) -> None:
        if await OrgUnitRepository(session).get(org_unit_id) is None:
            raise InvalidInput(
                "The org unit does not exist.",
                errors=[field(pointer, "no such org unit in this tenant")],
            )

    # --- data rules shared by the other domains ----------------------------------------

    async def can_see_employee(
        self, session: AsyncSession, identity: IdentityClaims, employee_id: uuid.UUID
    ) -> bool:
        """Whether the caller may see this employee's performance records: HR, admin and
        integration see the tenant; a person sees their own; a manager their reporting line."""
        if identity.has_any(Role.HR, Role.ADMIN, Role.INTEGRATION):
            return True
        return await self.is_self_or_above(session, identity, employee_id)

    async def is_self_or_above(
        self, session: AsyncSession, identity: IdentityClaims, employee_id: uuid.UUID
    ) -> bool:
        """Whether the caller is the employee, or a manager anywhere above them."""
        if identity.employee_id is None:
            return False
        if identity.employee_id == employee_id:
            return True
        if not identity.has_any(Role.MANAGER):
            return False
        chain = await EmployeeRepository(session).manager_chain(employee_id)
        return any(m.id == identity.employee_id for m in chain)

    async def reporting_line(
        self, session: AsyncSession, manager_id: uuid.UUID | None
    ) -> set[uuid.UUID]:
        """Everyone below `manager_id`, direct and indirect (empty without a manager)."""
        if manager_id is None:
            return set()
        return await EmployeeRepository(session).reporting_line(manager_id)

    async def ensure_can_see(
        self, session: AsyncSession, identity: IdentityClaims, employee_id: uuid.UUID
    ) -> None:
        if not await self.can_see_employee(session, identity, employee_id):
            raise Forbidden("Only the employee, their managers and HR may see this.")

    def visible_employees(self, session: AsyncSession, identity: IdentityClaims) -> Any | None:
        """A subquery of the employee ids whose records the caller may see, or None when the
        caller sees the whole tenant."""
        if identity.has_any(Role.HR, Role.ADMIN, Role.INTEGRATION):
            return None
        repo = EmployeeRepository(session)
        if identity.employee_id is None:
            return repo.ids_statement()
        if identity.has_any(Role.MANAGER):
            return repo.visible_statement(identity.employee_id)
        return repo.ids_statement(identity.employee_id)

    async def _page(
        self, session: AsyncSession, stmt: Any, params: PageParams
    ) -> Page[EmployeeRead]:
        return await page_of(session, stmt, Employee, params, employee_read)


def _unique_codes(
    items: Sequence[tuple[int, str | None, str]],
    taken: Mapping[str, OrgUnit | Position],
    problems: list[FieldProblem],
) -> None:
    """A bulk item's code must be unique in the batch and not belong to a stored row with
    another external id."""
    seen: dict[str, str] = {}
    for index, code, external_id in items:
        if code is None:
            continue
        other = taken.get(code)
        if other is not None and other.external_id != external_id:
            problems.append(field(f"items/{index}/code", f"already used by {other.id}"))
        elif seen.setdefault(code, external_id) != external_id:
            problems.append(field(f"items/{index}/code", "used twice in this batch"))


def _index_unique(
    items: Sequence[Any], key_of: Callable[[Any], str], problems: list[FieldProblem]
) -> dict[str, int]:
    """Position of each item by its external id; a repeated id is a problem."""
    index: dict[str, int] = {}
    for i, item in enumerate(items):
        key = key_of(item)
        if key in index:
            problems.append(field(f"items/{i}/external_id", f"repeats item {index[key]}"))
        else:
            index[key] = i
    return index


def _differs(row: Any, values: dict[str, Any]) -> bool:
    return any(getattr(row, name) != value for name, value in values.items())


def _add_placement(
    session: AsyncSession, employee: Employee | EmployeeRead, valid_from: date
) -> None:
    add_row(
        session,
        EmployeePlacement,
        employee_id=employee.id,
        org_unit_id=employee.org_unit_id,
        position_id=employee.position_id,
        manager_id=employee.manager_id,
        valid_from=valid_from,
    )


_PLACEMENT = ("org_unit_id", "position_id", "manager_id")


def _snapshot_after(before: dict[str, Any] | None, read: EmployeeRead) -> dict[str, Any]:
    """The audit's `after` of a row updated by statement: as `snapshot` would show it."""
    after = (before or {}) | read.model_dump(mode="json")
    if before is not None:
        after["version"] = before["version"] + 1
    return after


def _placement_change(
    employee: Employee | EmployeeRead, current: EmployeePlacement | None, effective: date
) -> tuple[dict[str, Any] | None, bool]:
    """What a move does to the placements: the update of the current one (closed the day
    before `effective`, or corrected in place when it has not begun yet or began that same
    day, so no empty period is left) and whether a new one opens on `effective`."""
    if current is None:
        return None, True
    if effective <= current.valid_from:
        return {"id": current.id, **{n: getattr(employee, n) for n in _PLACEMENT}}, False
    return {"id": current.id, "valid_to": effective - timedelta(days=1)}, True


def _move(
    session: AsyncSession,
    employee: Employee,
    current: EmployeePlacement | None,
    effective: date,
    *,
    explicit: bool,
) -> None:
    """A move of one employee through the ORM; an explicit date before the current placement
    began is refused."""
    if current is not None and effective < current.valid_from and explicit:
        raise InvalidInput(
            "A move cannot take effect before the current placement began.",
            errors=[field("effective_on", f"on or after {current.valid_from}")],
        )
    update, opened = _placement_change(employee, current, effective)
    if current is not None and update is not None:
        for name, value in update.items():
            if name != "id":
                setattr(current, name, value)
        session.add(current)
    if opened:
        _add_placement(session, employee, effective)


def _manager_field(pointer: str) -> FieldProblem:
    return field(pointer, "the manager is not an employee of this organisation")


def _manager_outside_org(pointer: str) -> InvalidInput:
    return InvalidInput(
        "The manager is not an employee of this organisation.", errors=[_manager_field(pointer)]
    )


org_service = OrgService()
