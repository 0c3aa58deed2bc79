"""The data rules the other domains share: who may see an employee's performance records
(HR, admin and integration the tenant; a person their own; a manager their reporting line)."""

import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.identity import IdentityClaims, Role
from strata_goals.org.repository import EmployeeRepository
from strata_kit.errors import Forbidden


class AccessRules:
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


access_rules = AccessRules()
