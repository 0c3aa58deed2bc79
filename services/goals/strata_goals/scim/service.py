"""SCIM provisioning rules: Users are employees, Groups are org units.

Every change goes through the organisation service (`org_service`), so it is checked,
audited and published exactly like the same change made through the REST API. What this
service adds is SCIM's view: the mapping (`resources`), find-or-create of departments and
titles, userName uniqueness, group membership as placement, and the version checks.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from scim2_models import PatchOp
from sqlalchemy import true
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.org import (
    EmployeeCreate,
    EmployeeUpdate,
    OrgUnitCreate,
    OrgUnitUpdate,
    PositionCreate,
)
from strata_contracts.goals.vocabulary import EmployeeStatus
from strata_contracts.identity import IdentityClaims
from strata_goals.org.models import Employee, OrgUnit, Position
from strata_goals.org.service import org_service
from strata_goals.queries import add_row
from strata_goals.scim.exceptions import (
    GroupNameTaken,
    GroupNotFound,
    InvalidFilter,
    InvalidQuery,
    InvalidUserValue,
    MutabilityException,
    UserNameTaken,
    UserNotFound,
    VersionMismatch,
)
from strata_goals.scim.filters import Catalogue, Filter, compile_filter
from strata_goals.scim.locks import Key, KeyLocks
from strata_goals.scim.models import ScimResource, name_key
from strata_goals.scim.repository import (
    GROUP,
    GROUP_CATALOGUE,
    USER,
    USER_CATALOGUE,
    ScimRepository,
)
from strata_goals.scim.resources import (
    ABSENT,
    Member,
    UserFacts,
    UserIntent,
    group_resource,
    group_version,
    left_out,
    marked_absent,
    patched_intent,
    stored_attributes,
    user_intent,
    user_resource,
    user_version,
)
from strata_goals.scim.schemas import POLICY, ScimGroup, ScimUser
from strata_kit.db import utcnow

R = TypeVar("R", ScimUser, ScimGroup)
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Work:
    """A SCIM write: the request's session and the find-or-create locks it may take."""

    session: AsyncSession
    locks: KeyLocks


@dataclass(frozen=True)
class ListQuery:
    """A list request: `filter`, `sortBy`/`sortOrder`, `startIndex` (1-based) and `count`."""

    filter: Filter | None
    sort_by: str | None
    descending: bool
    start_index: int
    count: int


@dataclass(frozen=True)
class Listed(Generic[R]):
    """One page of a list: `totalResults` and the resources of the page."""

    total: int
    resources: list[R]


@dataclass(frozen=True)
class Place:
    """Where a user's department and title place them, read before the write's locks are
    taken. What is missing is created under the lock (a unit, a position); what exists is
    never deleted, so it needs no lock."""

    root: OrgUnit | None
    """None: a fresh tenant; the write creates the enterprise unit."""
    department: str | None
    unit: OrgUnit | None
    """None: no unit has this department's name yet."""
    title: str | None
    position: Position | None
    """None: no title, or the unit has no position of this title yet."""

    def keys(self, email: str | None) -> list[Key]:
        """The find-or-create keys of the write: the userName (when it is new), the
        department and the title (when they do not exist yet)."""
        keys: list[Key] = [("user", email)] if email else []
        if self.root is None:
            keys.append(("root", ""))
        if self.unit is None and self.department is not None:
            keys.append(("unit", self.department))
        if self.position is None:
            keys.extend(_position_keys(self.department or "", [self.title]))
        return keys


def check_version(if_match: str | None, current: str) -> None:
    """Refuse a write whose `If-Match` names none of the current version (weak comparison,
    as RFC 7644 §3.14 uses it; `*` matches any)."""
    if if_match is None:
        return
    tags = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" in tags or current.removeprefix("W/") in tags:
        return
    raise VersionMismatch(
        detail=f"The resource changed since you read it: its version is now {current}."
    )


def parse_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class ScimService:
    # --- users: reads --------------------------------------------------------------------

    async def list_users(self, session: AsyncSession, query: ListQuery) -> Listed[ScimUser]:
        repo = ScimRepository(session)
        where, order = _query(query, USER_CATALOGUE)
        total = await repo.count(USER, where)
        rows: list[tuple[ScimResource, Employee]] = []
        if query.count > 0:
            rows = await repo.page(
                USER, where, order, offset=query.start_index - 1, limit=query.count
            )
        return Listed(total, await self._users(repo, rows))

    async def search_all(self, session: AsyncSession, query: ListQuery) -> Listed[Any]:
        """The root-level query of RFC 7644 §3.4.3: Users, then Groups, as one list.

        The filter applies to each resource type; a type that lacks an attribute the filter
        names matches nothing there (a filter no type has is a 400). `sortBy` orders within
        each type, and the page (`startIndex`/`count`) runs over Users first, then Groups."""
        repo = ScimRepository(session)
        wheres: list[tuple[Any, list[Any]] | None] = []
        errors: list[Exception] = []
        for catalogue in (USER_CATALOGUE, GROUP_CATALOGUE):
            try:
                wheres.append(_query(query, catalogue))
            except (InvalidFilter, InvalidQuery) as exc:
                wheres.append(None)
                errors.append(exc)
        if len(errors) == 2:
            raise errors[0]
        user_q, group_q = wheres
        users = await repo.count(USER, user_q[0]) if user_q else 0
        groups = await repo.count(GROUP, group_q[0]) if group_q else 0
        offset, limit = query.start_index - 1, query.count
        found: list[ScimUser | ScimGroup] = []
        if user_q and limit > 0 and offset < users:
            rows = await repo.page(USER, user_q[0], user_q[1], offset=offset, limit=limit)
            found.extend(await self._users(repo, rows))
        left = limit - len(found)
        if group_q and left > 0:
            start = max(0, offset - users)
            unit_rows: list[tuple[ScimResource, OrgUnit]] = await repo.page(
                GROUP, group_q[0], group_q[1], offset=start, limit=left
            )
            members = await repo.members([u.id for _, u in unit_rows])
            found.extend(group_resource(r, u, members[u.id]) for r, u in unit_rows)
        return Listed(users + groups, found)

    async def get_user(self, session: AsyncSession, user_id: str) -> ScimUser:
        repo = ScimRepository(session)
        return (await self._users(repo, [await self._linked_user(repo, user_id)]))[0]

    # --- users: writes -------------------------------------------------------------------

    async def create_user(self, work: Work, identity: IdentityClaims, user: ScimUser) -> ScimUser:
        """Hire (a new employee in the department and position the User names), or re-link
        the kept employee whose `external_id` is the User's `externalId`."""
        repo = ScimRepository(work.session)
        intent = user_intent(user)
        _check_user(user, intent)
        place = await self._place_of(repo, intent.department, intent.title)
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
            row = _new_row(
                work.session, USER, kept.id, intent.user_name, intent.external_id, uuid.uuid4()
            )
            await work.session.flush()
            return await self._store(work, identity, repo, row, kept, user, intent, locked=True)
        unit = await self._department(work, identity, repo, place)
        position = await self._titled(work.session, identity, repo, place, unit)
        data = _valid(
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
        row = _new_row(
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
        return (await self._users(repo, [(row, employee)]))[0]

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
        before = (await self._users(repo, [(row, employee)]))[0]
        user.replace(before)
        intent = user_intent(user)
        if user.name is None and not user.display_name:
            # no name sent: the employee keeps its own (not renamed to the userName)
            intent = replace(intent, name=employee.name)
        _check_user(user, intent)
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
        before = (await self._users(repo, [(row, employee)]))[0]
        after = before.model_copy(deep=True)
        if not patch.patch(after, scim_policy=POLICY):
            return before
        intent = patched_intent(before, after)
        _check_user(after, intent)
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

    # --- groups: reads -------------------------------------------------------------------

    async def list_groups(self, session: AsyncSession, query: ListQuery) -> Listed[ScimGroup]:
        repo = ScimRepository(session)
        where, order = _query(query, GROUP_CATALOGUE)
        total = await repo.count(GROUP, where)
        rows: list[tuple[ScimResource, OrgUnit]] = []
        if query.count > 0:
            rows = await repo.page(
                GROUP, where, order, offset=query.start_index - 1, limit=query.count
            )
        members = await repo.members([u.id for _, u in rows])
        return Listed(total, [group_resource(r, u, members[u.id]) for r, u in rows])

    async def get_group(self, session: AsyncSession, group_id: str) -> ScimGroup:
        repo = ScimRepository(session)
        row, unit = await self._linked_group(repo, group_id)
        return group_resource(row, unit, (await repo.members([unit.id]))[unit.id])

    # --- groups: writes ------------------------------------------------------------------

    async def create_group(
        self, work: Work, identity: IdentityClaims, group: ScimGroup
    ) -> ScimGroup:
        """A new department under the enterprise unit (or the kept unit whose external id is
        the Group's externalId), with the members moved into it."""
        repo = ScimRepository(work.session)
        name = (group.display_name or "").strip()
        if not name:
            raise InvalidUserValue(detail="displayName: a Group needs one.")
        root = await self._root(repo)
        joining = await self._members(repo, _member_ids(group))
        titles = await self._titles(repo, joining)
        await work.locks.acquire(
            work.session,
            [
                ("unit", name),
                *_position_keys(name, titles.values()),
                *([] if root else [("root", "")]),
            ],
        )
        root = root or await self._ensure_root(work, identity, repo)
        if await repo.named(GROUP, [name]):
            raise GroupNameTaken(detail=f"Another group already has displayName {name!r}.")
        external_id = _stripped(group.external_id)
        unit = await repo.unit_keyed(external_id) if external_id else None
        if unit is not None:
            if await repo.resources_of(GROUP, [unit.id]):
                raise GroupNameTaken(
                    detail=f"Another group already has externalId {external_id!r}."
                )
            if unit.name != name:
                await org_service.update_org_unit(
                    work.session, identity, unit.id, _valid(OrgUnitUpdate, name=name)
                )
        else:
            data = _valid(OrgUnitCreate, name=name, external_id=external_id, parent_id=root.id)
            created = await org_service.create_org_unit(work.session, identity, data)
            unit = await repo.get(OrgUnit, created.id)
            assert unit is not None
        reuse = await repo.get(ScimResource, unit.id) is None
        row = _new_row(
            work.session,
            GROUP,
            unit.id,
            name,
            external_id,
            unit.id if reuse else uuid.uuid4(),
            stored_attributes(group),
        )
        repo.add(row)
        await work.session.flush()
        for employee in joining:
            await self._place(work.session, identity, repo, employee, unit, titles[employee.id])
        return group_resource(row, unit, (await repo.members([unit.id]))[unit.id])

    async def replace_group(
        self,
        work: Work,
        identity: IdentityClaims,
        group_id: str,
        group: ScimGroup,
        if_match: str | None,
    ) -> ScimGroup:
        """PUT: the name, externalId and the whole member list become the body's."""
        repo = ScimRepository(work.session)
        row, unit = await self._linked_group(repo, group_id)
        members = (await repo.members([unit.id]))[unit.id]
        before = group_resource(row, unit, members)
        check_version(if_match, group_version(row, unit, members))
        group.replace(before)
        return await self._store_group(work, identity, repo, row, unit, members, group)

    async def patch_group(
        self,
        work: Work,
        identity: IdentityClaims,
        group_id: str,
        patch: PatchOp[ScimGroup],
        if_match: str | None,
    ) -> ScimGroup:
        """PATCH: rename, re-key, add or remove members (adding moves people in, removing
        moves them up to the unit's parent); all operations or none."""
        repo = ScimRepository(work.session)
        row, unit = await self._linked_group(repo, group_id)
        members = (await repo.members([unit.id]))[unit.id]
        before = group_resource(row, unit, members)
        check_version(if_match, group_version(row, unit, members))
        after = before.model_copy(deep=True)
        if not patch.patch(after, scim_policy=POLICY):
            return before
        return await self._store_group(work, identity, repo, row, unit, members, after)

    async def delete_group(
        self, work: Work, identity: IdentityClaims, group_id: str, if_match: str | None
    ) -> None:
        """DELETE (RFC 7644 §3.6): the Group goes (404 after, its displayName free again);
        the org unit stays, with its people, KPIs and history, no longer provisioned."""
        repo = ScimRepository(work.session)
        row, unit = await self._linked_group(repo, group_id)
        members = (await repo.members([unit.id]))[unit.id]
        check_version(if_match, group_version(row, unit, members))
        await repo.delete(row)

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
        place = await self._place_of(repo, intent.department, intent.title)
        renamed = name_key(intent.user_name) != row.name_key
        keys = [("user", name_key(intent.user_name))] if renamed else []
        if not locked:
            await work.locks.acquire(work.session, [*keys, *place.keys(None)])
        if renamed and await repo.named(USER, [intent.user_name], other_than=row.id):
            raise UserNameTaken(detail=f"Another user already has userName {intent.user_name!r}.")
        unit = await self._department(work, identity, repo, place)
        position = await self._titled(work.session, identity, repo, place, unit)
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
            data = _valid(EmployeeUpdate, **changes)
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
        return (await self._users(repo, [(row, employee)]))[0]

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

    async def _users(
        self, repo: ScimRepository, rows: Sequence[tuple[ScimResource, Employee]]
    ) -> list[ScimUser]:
        """Render Users, reading their units, titles, groups and managers in a few queries."""
        employees = [e for _, e in rows]
        units = await repo.by_ids(OrgUnit, {e.org_unit_id for e in employees})
        positions = await repo.by_ids(Position, {e.position_id for e in employees if e.position_id})
        managers = await repo.by_ids(Employee, {e.manager_id for e in employees if e.manager_id})
        manager_rows = await repo.resources_of(USER, managers.keys())
        groups = await repo.resources_of(GROUP, units.keys())
        return [
            user_resource(
                row,
                UserFacts(
                    employee=e,
                    title=positions[e.position_id].title if e.position_id else None,
                    unit=units[e.org_unit_id],
                    group=groups.get(e.org_unit_id),
                    manager=manager_rows.get(e.manager_id) if e.manager_id else None,
                    manager_name=managers[e.manager_id].name if e.manager_id in managers else None,
                ),
            )
            for row, e in rows
        ]

    async def _ensure_root(
        self, work: Work, identity: IdentityClaims, repo: ScimRepository
    ) -> OrgUnit:
        """The enterprise unit; a fresh tenant gets one on its first provisioning call,
        created (and audited) through the organisation service like HR's own. The caller
        holds the ("root", "") lock."""
        root = await self._root(repo)
        if root is not None:
            return root
        data = OrgUnitCreate(name=ROOT_NAME, parent_id=None)
        created = await org_service.create_org_unit(work.session, identity, data)
        unit = await repo.get(OrgUnit, created.id)
        assert unit is not None
        return unit

    async def _root(self, repo: ScimRepository) -> OrgUnit | None:
        return next((u for u, _ in await repo.units_for(None, None) if u.parent_id is None), None)

    async def _place_of(
        self, repo: ScimRepository, department: str | None, title: str | None
    ) -> Place:
        """Where a department and title place someone: the enterprise unit for no
        department, else the unit of that id, else the one of that name (case-insensitive);
        the unit's oldest position of that title (case-insensitive)."""
        unit_id = parse_id(department) if department else None
        found = await repo.units_for(department, unit_id, title)
        units = [u for u, _ in found]
        root = next((u for u in units if u.parent_id is None), None)
        unit: OrgUnit | None = root
        if department is not None:
            unit = next((u for u in units if u.id == unit_id), None)
            named = [u for u in units if u.name.lower() == department.lower()]
            if unit is None and len(named) > 1:
                raise InvalidUserValue(
                    detail=f"Several org units are named {department!r}; send the unit's id "
                    "as the department to choose one."
                )
            unit = unit or (named[0] if named else None)
        position = next((p for u, p in found if unit is not None and u.id == unit.id), None)
        name = unit.name if unit is not None and unit.parent_id is not None else department
        return Place(root, name, unit, title, position)

    async def _department(
        self, work: Work, identity: IdentityClaims, repo: ScimRepository, place: Place
    ) -> OrgUnit:
        """The unit of `place` (the caller holds its locks); a fresh tenant's enterprise unit
        and a department no unit had are created, the department under the enterprise unit
        and provisioned as a Group, unless a request that held the lock before us just did."""
        if place.unit is not None:
            return place.unit
        root = place.root or await self._ensure_root(work, identity, repo)
        if place.department is None:
            return root
        named = await repo.units_named(place.department)
        if named:
            return named[0]
        data = _valid(OrgUnitCreate, name=place.department, parent_id=root.id)
        created = await org_service.create_org_unit(work.session, identity, data)
        unit = await repo.get(OrgUnit, created.id)
        assert unit is not None
        if not await repo.named(GROUP, [unit.name]):
            _new_row(work.session, GROUP, unit.id, unit.name, None, unit.id)
            await work.session.flush()
        return unit

    async def _titled(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        repo: ScimRepository,
        place: Place,
        unit: OrgUnit,
    ) -> uuid.UUID | None:
        """The position of the place's title in `unit` (found before the lock, or found or
        created under it)."""
        if place.position is not None and place.position.org_unit_id == unit.id:
            return place.position.id
        return await self._position(session, identity, repo, unit, place.title)

    async def _position(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        repo: ScimRepository,
        unit: OrgUnit,
        title: str | None,
    ) -> uuid.UUID | None:
        """The unit's position with this title (the oldest, if HR made two), created when the
        unit has none: a title is a post in Strata, where its KPIs hang."""
        if title is None:
            return None
        position = await repo.position_titled(unit.id, title)
        if position is not None:
            return position.id
        data = _valid(PositionCreate, title=title, org_unit_id=unit.id)
        return (await org_service.create_position(session, identity, data)).id

    # --- helpers: groups -----------------------------------------------------------------

    async def _unit(self, repo: ScimRepository, group_id: str) -> OrgUnit:
        unit_id = parse_id(group_id)
        unit = await repo.get(OrgUnit, unit_id) if unit_id else None
        if unit is None:
            raise GroupNotFound(detail=f"No group {group_id}.")
        return unit

    async def _linked_group(
        self, repo: ScimRepository, group_id: str
    ) -> tuple[ScimResource, OrgUnit]:
        resource_id = parse_id(group_id)
        row = await repo.resource(GROUP, resource_id) if resource_id else None
        unit = await repo.get(OrgUnit, row.target_id) if row is not None else None
        if row is None or unit is None:
            raise GroupNotFound(detail=f"No group {group_id}.")
        return row, unit

    async def _members(self, repo: ScimRepository, ids: Iterable[str]) -> list[Employee]:
        """The employees of these User ids (members are Users), in order, each once."""
        wanted = {value: parse_id(value) for value in ids}
        rows = await repo.resources(USER, {i for i in wanted.values() if i is not None})
        unknown = sorted(value for value, i in wanted.items() if i not in rows)
        if unknown:
            raise InvalidUserValue(
                detail=f"members: no user with id {', '.join(unknown)}: members are Users of "
                "this tenant."
            )
        employees = await repo.by_ids(Employee, {row.target_id for row in rows.values()})
        targets = [rows[i].target_id for i in dict.fromkeys(wanted.values()) if i is not None]
        return [employees[t] for t in targets if t in employees]

    async def _titles(
        self, repo: ScimRepository, employees: Sequence[Employee]
    ) -> dict[uuid.UUID, str | None]:
        positions = await repo.by_ids(Position, {e.position_id for e in employees if e.position_id})
        return {e.id: positions[e.position_id].title if e.position_id else None for e in employees}

    async def _store_group(
        self,
        work: Work,
        identity: IdentityClaims,
        repo: ScimRepository,
        row: ScimResource,
        unit: OrgUnit,
        members: Sequence[Member],
        group: ScimGroup,
    ) -> ScimGroup:
        name = (group.display_name or "").strip()
        if not name:
            raise InvalidUserValue(detail="displayName: a Group needs one.")
        current = await self._members(repo, [str(m[0]) for m in members])
        wanted = await self._members(repo, _member_ids(group))
        joining = [e for e in wanted if e.org_unit_id != unit.id]
        leaving = [e for e in current if e.id not in {w.id for w in wanted}]
        parent = await repo.get(OrgUnit, unit.parent_id) if unit.parent_id else None
        if leaving and parent is None:
            raise MutabilityException(
                detail="Members leave the enterprise unit only by joining another group."
            )
        titles = await self._titles(repo, [*joining, *leaving])
        renamed = name_key(name) != row.name_key
        keys: list[Key] = [("unit", name)] if renamed else []
        keys.extend(_position_keys(name, [titles[e.id] for e in joining]))
        if parent is not None:
            keys.extend(_position_keys(parent.name, [titles[e.id] for e in leaving]))
        await work.locks.acquire(work.session, keys)
        if renamed and await repo.named(GROUP, [name], other_than=row.id):
            raise GroupNameTaken(detail=f"Another group already has displayName {name!r}.")
        external_id = _stripped(group.external_id)
        changes = {
            k: v
            for k, v in {"name": name, "external_id": external_id}.items()
            if getattr(unit, k) != v
        }
        if changes:
            data = _valid(OrgUnitUpdate, **changes)
            await org_service.update_org_unit(work.session, identity, unit.id, data)
        values = {
            "name": name,
            "name_key": name_key(name),
            "external_id": external_id,
            "attributes": stored_attributes(group),
        }
        if any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            repo.add(row)
            await work.session.flush()
        for employee in joining:
            await self._place(work.session, identity, repo, employee, unit, titles[employee.id])
        for employee in leaving:
            assert parent is not None
            await self._place(work.session, identity, repo, employee, parent, titles[employee.id])
        return group_resource(row, unit, (await repo.members([unit.id]))[unit.id])

    async def _place(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        repo: ScimRepository,
        employee: Employee,
        unit: OrgUnit,
        title: str | None,
    ) -> None:
        """Move an employee into `unit`, keeping their title (a post of the same title in
        the new unit); the move is kept in their placement history."""
        position = await self._position(session, identity, repo, unit, title)
        data = EmployeeUpdate(org_unit_id=unit.id, position_id=position)
        await org_service.update_employee(session, identity, employee.id, data)


def _query(query: ListQuery, catalogue: Catalogue) -> tuple[Any, list[Any]]:
    where = compile_filter(query.filter, catalogue) if query.filter is not None else true()
    order: list[Any] = []
    if query.sort_by is not None:
        expression = catalogue.sort_expression(query.sort_by)
        if expression is None:
            raise InvalidQuery(detail=f"sortBy cannot order by {query.sort_by!r}.")
        order.append(
            expression.desc().nulls_first() if query.descending else expression.asc().nulls_last()
        )
    return where, order


ROOT_NAME = "Organisation"
"""The name of the enterprise unit SCIM creates for a fresh tenant (HR may rename it)."""


def _new_row(
    session: AsyncSession,
    resource_type: str,
    target_id: uuid.UUID,
    name: str,
    external_id: str | None,
    resource_id: uuid.UUID,
    attributes: dict[str, Any] | None = None,
) -> ScimResource:
    return add_row(
        session,
        ScimResource,
        id=resource_id,
        resource_type=resource_type,
        target_id=target_id,
        name=name,
        name_key=name_key(name),
        external_id=external_id,
        attributes=attributes or {},
    )


def _check_user(user: ScimUser, intent: UserIntent) -> None:
    """What a User must have for Strata to store it (each refusal names the attribute)."""
    if not intent.user_name:
        raise InvalidUserValue(detail="userName: a User needs one.")
    if len(intent.user_name) > 512:
        raise InvalidUserValue(detail="userName: at most 512 characters.")
    if intent.external_id is not None and len(intent.external_id) > 128:
        raise InvalidUserValue(detail="externalId: at most 128 characters.")
    if user.password is not None:
        raise InvalidUserValue(
            detail="password: Strata does not store passwords (people sign in through your "
            "identity provider); turn password sync off for this application."
        )


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


def _stripped(value: str | None) -> str | None:
    return value.strip() or None if value else None


def _position_keys(department: str, titles: Iterable[str | None]) -> list[Key]:
    return [("position", f"{department}/{title}") for title in titles if title]


def _member_ids(group: ScimGroup) -> list[str]:
    ids = []
    for member in group.members or []:
        if member.type is not None and member.type.lower() == "group":
            raise InvalidUserValue(
                detail="Groups cannot be members: org units nest by their parent in Strata."
            )
        if member.value:
            ids.append(member.value)
    return ids


def _valid(model: type[M], **values: Any) -> M:
    """A contract model from SCIM values; what it refuses is a SCIM `invalidValue`."""
    try:
        return model(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_SCIM_NAMES.get(str(e['loc'][0]), e['loc'][0]) if e['loc'] else 'value'}: {e['msg']}"
            for e in exc.errors()
        )
        raise InvalidUserValue(detail=f"Strata cannot store this: {problems}.") from exc


_SCIM_NAMES = {
    "email": "emails",
    "name": "name",
    "external_id": "externalId",
    "org_unit_id": "department",
    "position_id": "title",
    "manager_id": "manager",
    "title": "title",
    "parent_id": "displayName",
}

scim_service = ScimService()
