"""HRIS bulk upsert of employees by external id: every reference resolved and checked for
the whole batch in a few set-based reads, then written all or nothing."""

import uuid
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from functools import cached_property
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.org import (
    BulkUpsertResult,
    EmployeeBulkUpsert,
    EmployeeRead,
    EmployeeUpsert,
)
from strata_contracts.identity import IdentityClaims
from strata_contracts.problem import FieldProblem
from strata_goals.models import AuditRecord, OutboxEvent
from strata_goals.org.models import Employee, EmployeePlacement, OrgUnit, Position
from strata_goals.org.repository import (
    BulkRows,
    EmployeeRepository,
    OrgUnitRepository,
    PositionRepository,
)
from strata_goals.org.rules import (
    EMPLOYEE_UPSERTED,
    PLACEMENT,
    NewId,
    audit_row,
    differs,
    event_row,
    index_unique,
    looping,
    manager_field,
    new_row,
    placement_change,
    random_id,
    today,
    topological_order,
)
from strata_goals.queries import session_tenant, update_rows
from strata_kit.audit import snapshot
from strata_kit.db import utcnow
from strata_kit.errors import Conflict, InvalidInput, field


@dataclass
class References:
    """What the batch's items point at, read in one query per kind."""

    existing: dict[str, Employee]
    units: dict[str, OrgUnit]
    units_by_id: dict[uuid.UUID, OrgUnit]
    positions: dict[str, Position]
    positions_by_id: dict[uuid.UUID, Position]
    managers_by_id: dict[uuid.UUID, Employee]


@dataclass
class Batch:
    """A checked batch: each external id's Strata id and the row it should become."""

    ids: dict[str, uuid.UUID]
    """Each key's Strata id (the stored one, or the new row's)."""
    stored: dict[str, Employee]
    """The keys that name a stored employee, and that row."""
    rows: dict[str, dict[str, Any]] = dataclass_field(default_factory=dict)
    """Each key's columns as they should become (external_id included)."""
    new_only: bool = False
    """Every row is new: a plain INSERT, so an external id taken meanwhile fails the batch
    (IntegrityError) instead of updating the row that holds it."""

    @cached_property
    def key_of_id(self) -> dict[uuid.UUID, str]:
        return {v: k for k, v in self.ids.items()}


async def _references(session: AsyncSession, items: list[EmployeeUpsert]) -> References:
    repo = EmployeeRepository(session)
    units_repo = OrgUnitRepository(session)
    positions_repo = PositionRepository(session)
    return References(
        existing=await repo.by_external_ids(
            {i.external_id for i in items}
            | {i.manager_external_id for i in items if i.manager_external_id}
        ),
        units=await units_repo.by_external_ids(
            {i.org_unit_external_id for i in items if i.org_unit_external_id}
        ),
        units_by_id=await units_repo.by_ids({i.org_unit_id for i in items if i.org_unit_id}),
        positions=await positions_repo.by_external_ids(
            {i.position_external_id for i in items if i.position_external_id}
        ),
        positions_by_id=await positions_repo.by_ids(
            {i.position_id for i in items if i.position_id}
        ),
        managers_by_id=await repo.by_ids({i.manager_id for i in items if i.manager_id}),
    )


def _place(
    i: int, item: EmployeeUpsert, refs: References, problems: list[FieldProblem]
) -> tuple[OrgUnit | None, Position | None]:
    """The item's unit and position, each named as a problem when it is not the tenant's,
    and the position when it belongs to another unit."""
    unit = (
        refs.units.get(item.org_unit_external_id)
        if item.org_unit_external_id is not None
        else refs.units_by_id.get(item.org_unit_id)  # type: ignore[arg-type]
    )
    if unit is None:
        pointer = "org_unit_external_id" if item.org_unit_external_id else "org_unit_id"
        problems.append(field(f"items/{i}/{pointer}", "no such org unit in this tenant"))
    position: Position | None = None
    position_pointer = "position_external_id" if item.position_external_id else "position_id"
    if item.position_external_id is not None:
        position = refs.positions.get(item.position_external_id)
    elif item.position_id is not None:
        position = refs.positions_by_id.get(item.position_id)
    if (item.position_external_id or item.position_id) and position is None:
        problems.append(field(f"items/{i}/{position_pointer}", "no such position in this tenant"))
    if position is not None and unit is not None and position.org_unit_id != unit.id:
        problems.append(
            field(f"items/{i}/{position_pointer}", "the position belongs to another org unit")
        )
    return unit, position


def _manager(
    i: int,
    item: EmployeeUpsert,
    refs: References,
    ids: dict[str, uuid.UUID],
    in_batch: set[uuid.UUID],
    problems: list[FieldProblem],
) -> uuid.UUID | None:
    """The item's manager: by HRIS key (in the batch or stored) or by Strata id."""
    if item.manager_external_id is not None:
        key = item.manager_external_id
        manager_id = ids.get(key) or (refs.existing[key].id if key in refs.existing else None)
        if manager_id is None:
            problems.append(manager_field(f"items/{i}/manager_external_id"))
        return manager_id
    if item.manager_id is not None:
        if item.manager_id not in refs.managers_by_id and item.manager_id not in in_batch:
            problems.append(manager_field(f"items/{i}/manager_id"))
        return item.manager_id
    return None


async def check_batch(session: AsyncSession, data: EmployeeBulkUpsert, new_id: NewId) -> Batch:
    """Resolve and check every item; all the problems at once (422, nothing stored)."""
    items = data.items
    problems: list[FieldProblem] = []
    by_key = index_unique(items, lambda item: item.external_id, problems)
    refs = await _references(session, items)
    ids = {key: refs.existing[key].id if key in refs.existing else new_id(key) for key in by_key}
    stored = {key: refs.existing[key] for key in by_key if key in refs.existing}
    batch = Batch(ids=ids, stored=stored)
    in_batch = set(ids.values())
    for key, i in by_key.items():
        item = items[i]
        unit, position = _place(i, item, refs, problems)
        manager_id = _manager(i, item, refs, ids, in_batch, problems)
        batch.rows[key] = {
            "external_id": key,
            "name": item.name,
            "email": item.email,
            "org_unit_id": unit.id if unit else None,
            "position_id": position.id if position else None,
            "manager_id": manager_id,
            "status": item.status,
            "hire_date": item.hire_date,
        }
    managers = await _reporting_lines(session, batch)
    key_of_id = batch.key_of_id
    for employee_id in looping(ids.values(), managers) & set(key_of_id):
        i = by_key[key_of_id[employee_id]]
        pointer = "manager_external_id" if items[i].manager_external_id else "manager_id"
        problems.append(field(f"items/{i}/{pointer}", "the reporting line would form a loop"))
    if problems:
        raise InvalidInput("Some employees cannot be stored; nothing was.", errors=problems)
    return batch


@dataclass
class Change:
    """One employee created or updated: the row as written (its wire shape, built without
    validation from checked values, and its version) and, for an update, before."""

    employee: EmployeeRead
    version: int
    before: dict[str, Any] | None

    @cached_property
    def after(self) -> dict[str, Any]:
        """The row as `snapshot` shows it (JSON-safe, no tenant)."""
        return self.employee.model_dump(mode="json") | {"version": self.version}

    @property
    def action(self) -> Literal["created", "updated"]:
        return "created" if self.before is None else "updated"


async def _reporting_lines(
    session: AsyncSession, batch: Batch
) -> dict[uuid.UUID, uuid.UUID | None]:
    """Each employee's manager as the batch would leave it, to look for loops. Only a stored
    employee given a new manager can close a loop through rows outside the batch (no stored
    row points at a new one); otherwise the batch's own lines are the whole question, and the
    tenant's reporting lines are not read."""
    moved = any(
        row.manager_id != batch.rows[key]["manager_id"] for key, row in batch.stored.items()
    )
    lines = await EmployeeRepository(session).manager_map() if moved else {}
    lines.update({batch.ids[key]: row["manager_id"] for key, row in batch.rows.items()})
    return lines


class HrisUpsert:
    async def bulk_upsert_employees(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        data: EmployeeBulkUpsert,
        new_id: NewId = random_id,
    ) -> BulkUpsertResult:
        """Create or update employees by HRIS key in a few set-based queries; all or nothing."""
        batch = await check_batch(session, data, new_id)
        counts = await self.write(session, identity, batch)
        return BulkUpsertResult(**counts, ids=batch.ids)

    async def write(
        self, session: AsyncSession, identity: IdentityClaims, batch: Batch
    ) -> dict[str, int]:
        """Write a checked batch in a constant number of statements (employees, placements,
        audit records, events: one executemany each) and count what it did."""
        tenant, now = session_tenant(session), utcnow()
        changes = _changes(batch, now)
        moved = [c for c in changes if c.before is not None and _moved(c)]
        current = (
            await EmployeeRepository(session).current_placements([c.employee.id for c in moved])
            if moved
            else {}
        )
        writer = BulkRows(session)
        employees = [_employee_row(tenant, c) for c in changes]
        opened, closed = _placements(tenant, changes, current, today(), now)
        try:
            if batch.new_only:
                await writer.insert(Employee, employees)
            else:
                await writer.upsert_employees(employees)
            await writer.insert(EmployeePlacement, opened)
        except IntegrityError as exc:
            # Another request created one of these people after the batch was checked (its
            # external id taken, or its row kept under the other request's id).
            raise Conflict(
                "Another request created some of these employees at the same time; "
                "nothing of this batch was stored. Send the batch again."
            ) from exc
        await update_rows(session, EmployeePlacement, closed)
        await writer.insert(AuditRecord, _audit_rows(tenant, identity, changes, now))
        await writer.insert(OutboxEvent, _event_rows(tenant, changes, now))
        if changes:
            session.info["events_recorded"] = True
        for change in changes:
            if change.before is not None:
                _refresh(batch.stored[batch.key_of_id[change.employee.id]], change)
        created = sum(1 for c in changes if c.before is None)
        updated = len(changes) - created
        return {"created": created, "updated": updated, "unchanged": len(batch.rows) - len(changes)}


def _changes(batch: Batch, now: datetime) -> list[Change]:
    """The rows that change, managers before their reports (so each manager row is written
    before the rows that reference it), each as it will be stored."""
    rows, key_of_id = batch.rows, batch.key_of_id

    def manager_key(key: str) -> str | None:
        manager_id = rows[key]["manager_id"]
        return key_of_id.get(manager_id) if manager_id is not None else None

    changes: list[Change] = []
    for key in topological_order(list(rows), manager_key):
        values = rows[key]
        stored = batch.stored.get(key)
        if stored is None:
            read = EmployeeRead.model_construct(
                id=batch.ids[key], created_at=now, updated_at=now, **values
            )
            changes.append(Change(read, 1, None))
        elif differs(stored, values):
            read = EmployeeRead.model_construct(
                id=stored.id, created_at=stored.created_at, updated_at=now, **values
            )
            changes.append(Change(read, stored.version + 1, snapshot(stored)))
    return changes


def _moved(change: Change) -> bool:
    before = change.before or {}
    return any(change.after[n] != before[n] for n in PLACEMENT)


_EMPLOYEE_COLUMNS = [c.name for c in Employee.__table__.c]  # type: ignore[attr-defined]


def _employee_row(tenant: uuid.UUID, change: Change) -> dict[str, Any]:
    return {"tenant_id": tenant, "version": change.version, **dict(change.employee)}


def _placements(
    tenant: uuid.UUID,
    changes: list[Change],
    current: dict[uuid.UUID, EmployeePlacement],
    effective: date,
    now: datetime,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The placement rows to insert (a hire's first, a move's next) and the updates of the
    current ones a move closes or corrects."""
    opened: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []

    def open_from(employee: EmployeeRead, valid_from: date) -> None:
        opened.append(
            new_row(tenant, now)
            | {
                "employee_id": employee.id,
                "org_unit_id": employee.org_unit_id,
                "position_id": employee.position_id,
                "manager_id": employee.manager_id,
                "valid_from": valid_from,
                "valid_to": None,
            }
        )

    for change in changes:
        employee = change.employee
        if change.before is None:
            open_from(employee, employee.hire_date or effective)
        elif _moved(change):
            update, opens = placement_change(employee, current.get(employee.id), effective)
            if update is not None:
                updates.append(update)
            if opens:
                open_from(employee, effective)
    return opened, updates


def _audit_rows(
    tenant: uuid.UUID, identity: IdentityClaims, changes: list[Change], now: datetime
) -> list[dict[str, Any]]:
    return [
        audit_row(
            tenant,
            identity,
            now,
            entity_type="employee",
            entity_id=change.employee.id,
            action=change.action,
            before=change.before,
            after=change.after,
        )
        for change in changes
    ]


def _event_rows(tenant: uuid.UUID, changes: list[Change], now: datetime) -> list[dict[str, Any]]:
    return [
        event_row(
            tenant,
            now,
            type=EMPLOYEE_UPSERTED,
            subject=f"employee/{change.employee.id}",
            # EmployeeUpserted(change=…, employee=…) as JSON, from the row's JSON
            data={"change": change.action, "employee": _wire(change.after)},
        )
        for change in changes
    ]


def _wire(after: dict[str, Any]) -> dict[str, Any]:
    return {name: after[name] for name in EmployeeRead.model_fields}


def _refresh(stored: Employee, written: Change) -> None:
    """Bring a loaded row up to what the statement wrote, without marking it changed (an ORM
    flush of it would send a second UPDATE against a stale version)."""
    for name, value in written.employee:
        set_committed_value(stored, name, value)
    set_committed_value(stored, "version", written.version)


hris_upsert = HrisUpsert()
