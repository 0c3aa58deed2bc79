"""Employees: placed in a unit and position, reporting to a manager of the same
organisation, with no loop in the reporting line; every move kept as a placement period."""

import uuid
from datetime import date
from typing import Any, Literal

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.events import EmployeeUpserted
from strata_contracts.goals.org import (
    EmployeeCreate,
    EmployeePlacementRead,
    EmployeeRead,
    EmployeeUpdate,
)
from strata_contracts.goals.vocabulary import EmployeeStatus
from strata_contracts.identity import IdentityClaims
from strata_contracts.pagination import Page
from strata_goals.audit.service import audit_service
from strata_goals.changes import ensure_unique, patch_changes
from strata_goals.events import emit
from strata_goals.org.exceptions import EmployeeNotFound
from strata_goals.org.models import Employee, EmployeePlacement
from strata_goals.org.repository import EmployeeRepository, PositionRepository
from strata_goals.org.rules import (
    EMPLOYEE_UPSERTED,
    employee_read,
    manager_outside_org,
    placement_change,
    today,
)
from strata_goals.org.units import org_unit_service
from strata_goals.queries import add_row, page_of
from strata_kit.audit import snapshot
from strata_kit.errors import InvalidInput, field
from strata_kit.pagination import PageParams


class EmployeeService:
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
        await self.check_placement(session, data.org_unit_id, data.position_id)
        if data.manager_id is not None and await repo.get(data.manager_id) is None:
            raise manager_outside_org("manager_id")
        employee = add_row(session, Employee, **data.model_dump())
        await session.flush()
        add_placement(session, employee, data.hire_date or today())
        await self.employee_changed(session, identity, employee, None, "created")
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
            await self.check_placement(
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
            move(session, employee, current, data.effective_on or today(), explicit=explicit)
        if before != snapshot(employee):
            session.add(employee)
            await session.flush()
            await self.employee_changed(session, identity, employee, before, "updated")
        return employee_read(employee)

    async def employee_changed(
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
            after=snapshot_after(before, read) if after else snapshot(employee),
        )
        await emit(
            session,
            EMPLOYEE_UPSERTED,
            f"employee/{employee.id}",
            EmployeeUpserted(change=action, employee=read),
        )

    async def check_placement(
        self,
        session: AsyncSession,
        org_unit_id: uuid.UUID,
        position_id: uuid.UUID | None,
    ) -> None:
        await org_unit_service.existing_unit(session, org_unit_id, "org_unit_id")
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
            raise manager_outside_org(pointer)
        if manager_id == employee_id or employee_id in {
            m.id for m in await repo.manager_chain(manager_id)
        }:
            raise InvalidInput(
                "The reporting line would form a loop.",
                errors=[field(pointer, "this employee is above the new manager (or is them)")],
            )

    async def _page(
        self, session: AsyncSession, stmt: Any, params: PageParams
    ) -> Page[EmployeeRead]:
        return await page_of(session, stmt, Employee, params, employee_read)


def add_placement(
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


def snapshot_after(before: dict[str, Any] | None, read: EmployeeRead) -> dict[str, Any]:
    """The audit's `after` of a row updated by statement: as `snapshot` would show it."""
    after = (before or {}) | read.model_dump(mode="json")
    if before is not None:
        after["version"] = before["version"] + 1
    return after


def move(
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
    update, opened = placement_change(employee, current, effective)
    if current is not None and update is not None:
        for name, value in update.items():
            if name != "id":
                setattr(current, name, value)
        session.add(current)
    if opened:
        add_placement(session, employee, effective)


employee_service = EmployeeService()
