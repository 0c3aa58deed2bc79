"""Who may see whose results, decided in the service: HR, admins and integrations see the
tenant; a manager their whole reporting line (from the org projection) and themselves; an
employee themselves."""

import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.projections.models import EmployeeView
from strata_contracts.identity import IdentityClaims, Role


def sees_tenant(identity: IdentityClaims) -> bool:
    return identity.has_any(Role.ADMIN, Role.HR, Role.INTEGRATION)


async def visible_employees(
    session: AsyncSession, identity: IdentityClaims
) -> set[uuid.UUID] | None:
    """None when the caller sees everyone; else the employees they may see."""
    if sees_tenant(identity):
        return None
    me = identity.employee_id
    if me is None:
        return set()
    if not identity.has_any(Role.MANAGER):
        return {me}
    rows = (await session.exec(select(EmployeeView.id, EmployeeView.manager_id))).all()
    reports: dict[uuid.UUID, list[uuid.UUID]] = {}
    for employee_id, manager_id in rows:
        if manager_id is not None:
            reports.setdefault(manager_id, []).append(employee_id)
    seen, todo = {me}, [me]
    while todo:
        for child in reports.get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def employee_filter(column: object, visible: set[uuid.UUID] | None) -> object | None:
    if visible is None:
        return None
    return col(column).in_(visible)
