"""Every query of the organisation domain."""

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Select, and_, union
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_goals.org.models import Employee, EmployeePlacement, OrgUnit, Position
from strata_goals.queries import chunks, session_tenant

_EMPLOYEE = Employee.__table__  # type: ignore[attr-defined]
_ORG_UNIT = OrgUnit.__table__  # type: ignore[attr-defined]


class OrgUnitRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, org_unit_id: uuid.UUID) -> OrgUnit | None:
        return await self.session.get(OrgUnit, (session_tenant(self.session), org_unit_id))

    async def root(self) -> OrgUnit | None:
        """The enterprise unit (the one without a parent), if the tenant has one."""
        stmt = select(OrgUnit).where(col(OrgUnit.parent_id).is_(None))
        return (await self.session.exec(stmt)).first()

    async def all(self) -> Sequence[OrgUnit]:
        return (await self.session.exec(select(OrgUnit))).all()

    async def by_ids(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, OrgUnit]:
        found: dict[uuid.UUID, OrgUnit] = {}
        for batch in chunks(ids):
            rows = await self.session.exec(select(OrgUnit).where(col(OrgUnit.id).in_(batch)))
            found.update({row.id: row for row in rows})
        return found

    async def by_external_ids(self, external_ids: Collection[str]) -> dict[str, OrgUnit]:
        found: dict[str, OrgUnit] = {}
        for batch in chunks(external_ids):
            stmt = select(OrgUnit).where(col(OrgUnit.external_id).in_(batch))
            found.update(
                {row.external_id: row for row in await self.session.exec(stmt) if row.external_id}
            )
        return found

    async def by_codes(self, codes: Collection[str]) -> dict[str, OrgUnit]:
        found: dict[str, OrgUnit] = {}
        for batch in chunks(codes):
            stmt = select(OrgUnit).where(col(OrgUnit.code).in_(batch))
            found.update({row.code: row for row in await self.session.exec(stmt) if row.code})
        return found

    async def find_by(self, **values: Any) -> OrgUnit | None:
        stmt = select(OrgUnit).filter_by(**values)
        return (await self.session.exec(stmt)).first()

    def list_statement(
        self, *, parent_id: uuid.UUID | None, external_id: str | None
    ) -> Select[Any]:
        stmt = select(OrgUnit)
        if parent_id is not None:
            stmt = stmt.where(OrgUnit.parent_id == parent_id)
        if external_id is not None:
            stmt = stmt.where(OrgUnit.external_id == external_id)
        return stmt

    async def parent_map(self) -> dict[uuid.UUID, uuid.UUID | None]:
        """Every unit's parent, in one query (the unit tree is small)."""
        rows = await self.session.exec(select(OrgUnit.id, OrgUnit.parent_id))
        return {unit_id: parent_id for unit_id, parent_id in rows}

    async def subtree_ids(self, org_unit_id: uuid.UUID) -> set[uuid.UUID]:
        """`org_unit_id` and every unit nested below it (one recursive query)."""
        tenant = session_tenant(self.session)
        unit = _ORG_UNIT
        tree = (
            select(unit.c.id)
            .where(unit.c.tenant_id == tenant, unit.c.id == org_unit_id)
            .cte("subtree", recursive=True)
        )
        tree = tree.union(
            select(unit.c.id).join(
                tree, and_(unit.c.parent_id == tree.c.id, unit.c.tenant_id == tenant)
            )
        )
        return set(await self.session.exec(select(tree.c.id)))


class PositionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, position_id: uuid.UUID) -> Position | None:
        return await self.session.get(Position, (session_tenant(self.session), position_id))

    async def by_ids(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Position]:
        found: dict[uuid.UUID, Position] = {}
        for batch in chunks(ids):
            rows = await self.session.exec(select(Position).where(col(Position.id).in_(batch)))
            found.update({row.id: row for row in rows})
        return found

    async def by_external_ids(self, external_ids: Collection[str]) -> dict[str, Position]:
        found: dict[str, Position] = {}
        for batch in chunks(external_ids):
            stmt = select(Position).where(col(Position.external_id).in_(batch))
            found.update(
                {row.external_id: row for row in await self.session.exec(stmt) if row.external_id}
            )
        return found

    async def by_codes(self, codes: Collection[str]) -> dict[str, Position]:
        found: dict[str, Position] = {}
        for batch in chunks(codes):
            stmt = select(Position).where(col(Position.code).in_(batch))
            found.update({row.code: row for row in await self.session.exec(stmt) if row.code})
        return found

    async def find_by(self, **values: Any) -> Position | None:
        return (await self.session.exec(select(Position).filter_by(**values))).first()

    async def in_units(self, org_unit_ids: Collection[uuid.UUID]) -> Sequence[Position]:
        stmt = select(Position).where(col(Position.org_unit_id).in_(list(org_unit_ids)))
        return (await self.session.exec(stmt)).all()

    async def all(self) -> Sequence[Position]:
        return (await self.session.exec(select(Position))).all()

    def list_statement(
        self, *, org_unit_id: uuid.UUID | None, external_id: str | None
    ) -> Select[Any]:
        stmt = select(Position)
        if org_unit_id is not None:
            stmt = stmt.where(Position.org_unit_id == org_unit_id)
        if external_id is not None:
            stmt = stmt.where(Position.external_id == external_id)
        return stmt


class EmployeeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, employee_id: uuid.UUID) -> Employee | None:
        return await self.session.get(Employee, (session_tenant(self.session), employee_id))

    async def by_ids(self, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Employee]:
        found: dict[uuid.UUID, Employee] = {}
        for batch in chunks(ids):
            rows = await self.session.exec(select(Employee).where(col(Employee.id).in_(batch)))
            found.update({row.id: row for row in rows})
        return found

    async def by_external_ids(self, external_ids: Collection[str]) -> dict[str, Employee]:
        found: dict[str, Employee] = {}
        for batch in chunks(external_ids):
            stmt = select(Employee).where(col(Employee.external_id).in_(batch))
            found.update(
                {row.external_id: row for row in await self.session.exec(stmt) if row.external_id}
            )
        return found

    async def find_by(self, **values: Any) -> Employee | None:
        return (await self.session.exec(select(Employee).filter_by(**values))).first()

    async def holding_positions(self, position_ids: Collection[uuid.UUID]) -> Sequence[Employee]:
        stmt = select(Employee).where(col(Employee.position_id).in_(list(position_ids)))
        return (await self.session.exec(stmt)).all()

    def list_statement(
        self,
        *,
        org_unit_id: uuid.UUID | None = None,
        position_id: uuid.UUID | None = None,
        manager_id: uuid.UUID | None = None,
        external_id: str | None = None,
        status: str | None = None,
        within: Select[Any] | None = None,
    ) -> Select[Any]:
        stmt = select(Employee)
        if org_unit_id is not None:
            stmt = stmt.where(Employee.org_unit_id == org_unit_id)
        if position_id is not None:
            stmt = stmt.where(Employee.position_id == position_id)
        if manager_id is not None:
            stmt = stmt.where(Employee.manager_id == manager_id)
        if external_id is not None:
            stmt = stmt.where(Employee.external_id == external_id)
        if status is not None:
            stmt = stmt.where(Employee.status == status)
        if within is not None:
            stmt = stmt.where(col(Employee.id).in_(within))
        return stmt

    async def manager_map(self) -> dict[uuid.UUID, uuid.UUID | None]:
        """Every employee's manager, in one query (to check a whole batch for loops)."""
        rows = await self.session.exec(select(Employee.id, Employee.manager_id))
        return {employee_id: manager_id for employee_id, manager_id in rows}

    def ids_statement(self, *ids: uuid.UUID) -> Select[Any]:
        """The ids among `ids` that are employees of the tenant (none when empty)."""
        return select(Employee.id).where(col(Employee.id).in_(ids))

    def reports_statement(self, manager_id: uuid.UUID) -> Select[Any]:
        """Ids of everyone below `manager_id` in the reporting line, direct and indirect."""
        tenant = session_tenant(self.session)
        emp = _EMPLOYEE
        line = (
            select(emp.c.id)
            .where(emp.c.tenant_id == tenant, emp.c.manager_id == manager_id)
            .cte("reporting_line", recursive=True)
        )
        # UNION (not UNION ALL) ends the recursion even if bad data ever formed a loop.
        line = line.union(
            select(emp.c.id).join(
                line, and_(emp.c.manager_id == line.c.id, emp.c.tenant_id == tenant)
            )
        )
        return select(line.c.id)

    async def reporting_line(self, manager_id: uuid.UUID) -> set[uuid.UUID]:
        line = self.reports_statement(manager_id)
        return set(await self.session.exec(line))  # type: ignore[call-overload]

    def visible_statement(self, employee_id: uuid.UUID) -> Select[Any]:
        """Ids of `employee_id` and their whole reporting line."""
        tenant = session_tenant(self.session)
        own = select(_EMPLOYEE.c.id).where(
            _EMPLOYEE.c.tenant_id == tenant, _EMPLOYEE.c.id == employee_id
        )
        combined = union(own, self.reports_statement(employee_id)).subquery()
        return select(combined.c.id)

    async def manager_chain(self, employee_id: uuid.UUID) -> list[Employee]:
        """The employee's managers, nearest first (one recursive query)."""
        tenant = session_tenant(self.session)
        emp = _EMPLOYEE
        chain = (
            select(emp.c.manager_id.label("id"), emp.c.id.label("below"))
            .where(emp.c.tenant_id == tenant, emp.c.id == employee_id)
            .cte("manager_chain", recursive=True)
        )
        chain = chain.union(
            select(emp.c.manager_id, emp.c.id).join(
                chain, and_(emp.c.id == chain.c.id, emp.c.tenant_id == tenant)
            )
        )
        rows = await self.session.exec(select(chain.c.id, chain.c.below))
        below_to_manager = {below: manager for manager, below in rows}
        ordered: list[uuid.UUID] = []
        current = below_to_manager.get(employee_id)
        while current is not None and current not in ordered:
            ordered.append(current)
            current = below_to_manager.get(current)
        managers = await self.by_ids(ordered)
        return [managers[m] for m in ordered if m in managers]

    async def placements(self, employee_id: uuid.UUID) -> Sequence[EmployeePlacement]:
        stmt = (
            select(EmployeePlacement)
            .where(EmployeePlacement.employee_id == employee_id)
            .order_by(col(EmployeePlacement.valid_from), col(EmployeePlacement.created_at))
        )
        return (await self.session.exec(stmt)).all()

    async def current_placements(
        self, employee_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, EmployeePlacement]:
        found: dict[uuid.UUID, EmployeePlacement] = {}
        for batch in chunks(employee_ids):
            stmt = select(EmployeePlacement).where(
                col(EmployeePlacement.employee_id).in_(batch),
                col(EmployeePlacement.valid_to).is_(None),
            )
            found.update({row.employee_id: row for row in await self.session.exec(stmt)})
        return found


# --- set-based writes (bulk upserts) ---------------------------------------------------------

_EMPLOYEE_UPSERTED_COLUMNS = (
    "name",
    "email",
    "org_unit_id",
    "position_id",
    "manager_id",
    "status",
    "hire_date",
    "updated_at",
)


class BulkRows:
    """Many rows in one statement each: an executemany, which the driver sends as one
    round trip (asyncpg pipelines the rows; sqlite3 loops in C), whatever the row count.
    The rows carry their tenant; the tenant guard does not see Core statements."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert(self, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
        """INSERT rows of a table (every column given in every row)."""
        if rows:
            await self.session.exec(model.__table__.insert(), params=list(rows))

    async def upsert_employees(self, rows: Sequence[dict[str, Any]]) -> None:
        """INSERT … ON CONFLICT (tenant_id, external_id) DO UPDATE: new people are inserted,
        known ones updated in the same statement, their version moved on. The rows come
        managers first, so each manager row exists before the rows that reference it."""
        if not rows:
            return
        dialect = self.session.sync_session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(_EMPLOYEE)
        stmt = stmt.on_conflict_do_update(
            index_elements=[_EMPLOYEE.c.tenant_id, _EMPLOYEE.c.external_id],
            set_={name: stmt.excluded[name] for name in _EMPLOYEE_UPSERTED_COLUMNS}
            | {"version": _EMPLOYEE.c.version + 1},
            # Only the row the batch checked: one another request created meanwhile under
            # the same external id keeps its values (the batch then fails as a conflict).
            where=_EMPLOYEE.c.id == stmt.excluded.id,
        )
        await self.session.exec(stmt, params=list(rows))
