"""SCIM Users: employees, read with their unit, title, group and manager; written through
the organisation service (hire, re-link, move, rename, terminate)."""

import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from scim2_models import PatchOp
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.org import EmployeeCreate, EmployeeUpdate
from strata_contracts.goals.vocabulary import EmployeeStatus
from strata_contracts.identity import IdentityClaims
from strata_goals.org.models import Employee
from strata_goals.org.service import org_service
from strata_goals.scim.exceptions import InvalidUserValue, UserNameTaken, UserNotFound
from strata_goals.scim.models import ScimResource, name_key
from strata_goals.scim.provisioning import (
    Listed,
    ListQuery,
    Work,
    check_user,
    check_version,
    department_unit,
    list_where,
    new_row,
    parse_id,
    place_of,
    render_users,
    titled_position,
    valid_contract,
)
from strata_goals.scim.repository import USER, USER_CATALOGUE, ScimRepository
from strata_goals.scim.resources import (
    ABSENT,
    UserIntent,
    left_out,
    marked_absent,
    patched_intent,
    stored_attributes,
    user_intent,
    user_version,
)
from strata_goals.scim.schemas import POLICY, ScimUser
from strata_kit.db import utcnow


class ScimUsers:
    """The Users half of the SCIM service (`ScimService` joins it with the Groups half)."""

    # --- users: reads --------------------------------------------------------------------

    async def list_users(self, session: AsyncSession, query: ListQuery) -> Listed[ScimUser]:
        repo = ScimRepository(session)
        where, order = list_where(query, USER_CATALOGUE)
        total = await repo.count(USER, where)
        rows: list[tuple[ScimResource, Employee]] = []
        if query.count > 0:
            rows = await repo.page(
                USER, where, order, offset=query.start_index - 1, limit=query.count
            )
        return Listed(total, await render_users(repo, rows))

    async def get_user(self, session: AsyncSession, user_id: str) -> ScimUser:
        repo = ScimRepository(session)
        return (await render_users(repo, [await self._linked_user(repo, user_id)]))[0]

    # --- users: writes -------------------------------------------------------------------

    async def create_user(self, work: Work, identity: IdentityClaims, user: ScimUser) -> ScimUser:
        """Hire (a new employee in the department and position the User names), or re-link
        the kept employee whose `external_id` is the User's `externalId`."""
        repo = ScimRepository(work.session)
        intent = user_intent(user)
        check_user(user, intent)
        place = await place_of(repo, intent.department, intent.title)
        await work.locks.acquire(
            work.session, [("user", name_key(intent.user_name)), *place.keys(None)]
        )
        if await repo.named(USER, [intent.user_name]):
            raise UserNameTaken(detail=f"Another user already has userName {intent.user_name!r}.")
        kept = None
        if intent.external_id is not None:
            kept = (await repo.employees_keyed([intent.external_id])).get(intent.external_id)
            if kept is not None and (await repo.resources_of(USER, [kept.id])):
                raise UserNameTaken(
                    detail=f"Another user already has externalId {intent.external_id!r}."
                )
        if kept is not None:
            row = new_row(
                work.session, USER, kept.id, intent.user_name, intent.external_id, uuid.uuid4()
            )
            await work.session.flush()
            return await self._store(work, identity, repo, row, kept, user, intent, locked=True)
        unit = await department_unit(work, identity, repo, place)
        position = await titled_position(work.session, identity, repo, place, unit)
        data = valid_contract(
            EmployeeCreate,
            external_id=intent.external_id,
            name=intent.name,
            email=intent.email,
            org_unit_id=unit.id,
            position_id=position,
            manager_id=await self._manager_id(repo, intent.manager),
            status=EmployeeStatus.ACTIVE if intent.active else EmployeeStatus.TERMINATED,
        )
        created = await org_service.create_employee(work.session, identity, data)
        reuse = await repo.get(ScimResource, created.id) is None
        row = new_row(
            work.session,
            USER,
            created.id,
            intent.user_name,
            intent.external_id,
            created.id if reuse else uuid.uuid4(),
            stored_attributes(user),
        )
        repo.add(row)
        await work.session.flush()
        employee = await repo.get(Employee, created.id)
        assert employee is not None
        return (await render_users(repo, [(row, employee)]))[0]

    async def replace_user(
        self,
        work: Work,
        identity: IdentityClaims,
        user_id: str,
        user: ScimUser,
        if_match: str | None,
    ) -> ScimUser:
        """PUT: the User becomes what the body says; read-only attributes are kept, and what
        the body leaves out is gone (Okta's full replace)."""
        repo = ScimRepository(work.session)
        row, employee = await self._linked_user(repo, user_id)
        check_version(if_match, user_version(row, employee))
        before = (await render_users(repo, [(row, employee)]))[0]
        user.replace(before)
        intent = user_intent(user)
        if user.name is None and not user.display_name:
            # no name sent: the employee keeps its own (not renamed to the userName)
            intent = replace(intent, name=employee.name)
        check_user(user, intent)
        absent = left_out(user)
        return await self._store(work, identity, repo, row, employee, user, intent, absent=absent)

    async def patch_user(
        self,
        work: Work,
        identity: IdentityClaims,
        user_id: str,
        patch: PatchOp[ScimUser],
        if_match: str | None,
    ) -> ScimUser:
        """PATCH: the operations apply to the User as it reads now, all or none, and the
        result is stored like a PUT."""
        repo = ScimRepository(work.session)
        row, employee = await self._linked_user(repo, user_id)
        check_version(if_match, user_version(row, employee))
        before = (await render_users(repo, [(row, employee)]))[0]
        after = before.model_copy(deep=True)
        if not patch.patch(after, scim_policy=POLICY):
            return before
        intent = patched_intent(before, after)
        check_user(after, intent)
        kept = _underived(row, before, after)
        # absent: what the operations removed, and what an earlier write left out and these
        # operations did not set again
        was, now = set(left_out(before)), left_out(after)
        absent = [key for key in now if key not in was or key in marked_absent(row)]
        return await self._store(work, identity, repo, row, employee, kept, intent, absent=absent)

    async def delete_user(
        self, work: Work, identity: IdentityClaims, user_id: str, if_match: str | None
    ) -> None:
        """DELETE (RFC 7644 §3.6): the User goes (404 after, its userName free again); the
        employee stays with their history, terminated and detached from the identity."""
        repo = ScimRepository(work.session)
        row, employee = await self._linked_user(repo, user_id)
        check_version(if_match, user_version(row, employee))
        await repo.delete(row)
        if employee.status != EmployeeStatus.TERMINATED:
            update = EmployeeUpdate(status=EmployeeStatus.TERMINATED)
            await org_service.update_employee(work.session, identity, employee.id, update)

    # --- helpers: users ------------------------------------------------------------------

    async def _store(
        self,
        work: Work,
        identity: IdentityClaims,
        repo: ScimRepository,
        row: ScimResource,
        employee: Employee,
        user: ScimUser,
        intent: UserIntent,
        *,
        locked: bool = False,
        absent: Sequence[str] = (),
    ) -> ScimUser:
        """Store a User's intent on its employee and the resource itself. `locked`: the
        caller holds this write's locks already (a create re-linking a kept employee)."""
        place = await place_of(repo, intent.department, intent.title)
        renamed = name_key(intent.user_name) != row.name_key
        keys = [("user", name_key(intent.user_name))] if renamed else []
        if not locked:
            await work.locks.acquire(work.session, [*keys, *place.keys(None)])
        if renamed and await repo.named(USER, [intent.user_name], other_than=row.id):
            raise UserNameTaken(detail=f"Another user already has userName {intent.user_name!r}.")
        unit = await department_unit(work, identity, repo, place)
        position = await titled_position(work.session, identity, repo, place, unit)
        status = employee.status
        if not intent.active:
            status = EmployeeStatus.TERMINATED
        elif status == EmployeeStatus.TERMINATED:
            status = EmployeeStatus.ACTIVE  # reactivated; someone on leave stays on leave
        wanted: dict[str, Any] = {
            "email": intent.email or employee.email,
            "name": intent.name or employee.name,
            "external_id": intent.external_id,
            "org_unit_id": unit.id,
            "position_id": position,
            "manager_id": await self._manager_id(repo, intent.manager),
            "status": status,
        }
        changes = {k: v for k, v in wanted.items() if getattr(employee, k) != v}
        if changes:
            data = valid_contract(EmployeeUpdate, **changes)
            await org_service.update_employee(work.session, identity, employee.id, data)
        attributes = stored_attributes(user)
        if absent:
            attributes[ABSENT] = list(absent)
        values = {
            "name": intent.user_name,
            "name_key": name_key(intent.user_name),
            "external_id": intent.external_id,
            "attributes": attributes,
        }
        if any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            repo.add(row)
            await work.session.flush()
        return (await render_users(repo, [(row, employee)]))[0]

    async def _manager_id(self, repo: ScimRepository, value: str | None) -> uuid.UUID | None:
        """The employee of the manager's SCIM id."""
        if value is None:
            return None
        manager_id = parse_id(value)
        row = (await repo.resources(USER, [manager_id])).get(manager_id) if manager_id else None
        if row is None:
            raise InvalidUserValue(detail=f"manager: {value!r} is not the id of a User.")
        return row.target_id

    async def _linked_user(
        self, repo: ScimRepository, user_id: str
    ) -> tuple[ScimResource, Employee]:
        resource_id = parse_id(user_id)
        row = await repo.resource(USER, resource_id) if resource_id else None
        employee = await repo.get(Employee, row.target_id) if row is not None else None
        if row is None or employee is None:
            raise UserNotFound(detail=f"No user {user_id}.")
        return row, employee


def _underived(row: ScimResource, before: ScimUser, after: ScimUser) -> ScimUser:
    """`after` without the displayName and name.formatted Strata derived when reading
    (the provider never sent them, and the operations did not set them)."""
    stored = row.attributes or {}
    if not stored:
        return after
    kept = after.model_copy(deep=True)
    if "displayName" not in stored and after.display_name == before.display_name:
        kept.display_name = None
    name = stored.get("name") or {}
    if (
        kept.name is not None
        and "formatted" not in name
        and before.name is not None
        and kept.name.formatted == before.name.formatted
    ):
        kept.name = kept.name.model_copy(update={"formatted": None})
    return kept
