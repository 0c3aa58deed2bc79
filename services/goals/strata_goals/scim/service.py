"""SCIM provisioning rules: Users are employees, Groups are org units.

Every change goes through the organisation service (`org_service`), so it is checked,
audited and published exactly like the same change made through the REST API. What this
service adds is SCIM's view: the mapping (`resources`), find-or-create of departments and
titles, userName uniqueness, group membership as placement, and the version checks.
"""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
from strata_goals.scim.exceptions import (
    EnterpriseUnitMissing,
    GroupNameTaken,
    GroupNotFound,
    InvalidQuery,
    InvalidUserValue,
    MutabilityException,
    UserNameTaken,
    UserNotFound,
    VersionMismatch,
)
from strata_goals.scim.filters import Catalogue, Filter, compile_filter
from strata_goals.scim.locks import Key, KeyLocks
from strata_goals.scim.repository import GROUP_CATALOGUE, USER_CATALOGUE, ScimRepository
from strata_goals.scim.resources import (
    Member,
    UserIntent,
    group_resource,
    group_version,
    patched_intent,
    user_intent,
    user_resource,
    user_version,
)
from strata_goals.scim.schemas import POLICY, ScimGroup, ScimUser

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

    root: OrgUnit
    department: str
    unit: OrgUnit | None
    """None: no unit has this department's name yet."""
    title: str | None
    position: Position | None
    """None: no title, or the unit has no position of this title yet."""

    def keys(self, email: str | None) -> list[Key]:
        """The find-or-create keys of the write: the userName (when it is new), the
        department and the title (when they do not exist yet)."""
        keys: list[Key] = [("user", email)] if email else []
        if self.unit is None:
            keys.append(("unit", self.department))
        if self.position is None:
            keys.extend(_position_keys(self.department, [self.title]))
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
        total = await repo.count(Employee, where)
        rows: Sequence[Employee] = []
        if query.count > 0:
            rows = await repo.page(
                Employee, where, order, offset=query.start_index - 1, limit=query.count
            )
        return Listed(total, await self._users(repo, rows))

    async def get_user(self, session: AsyncSession, user_id: str) -> ScimUser:
        repo = ScimRepository(session)
        return await self._user(repo, await self._employee(repo, user_id))

    # --- users: writes -------------------------------------------------------------------

    async def create_user(self, work: Work, identity: IdentityClaims, user: ScimUser) -> ScimUser:
        """Hire: a new employee in the department and position the User names."""
        repo = ScimRepository(work.session)
        intent = user_intent(user)
        place = await self._place_of(repo, intent.department, intent.title)
        await work.locks.acquire(work.session, place.keys(intent.email))
        if await repo.employees_with_email(intent.email):
            raise UserNameTaken(detail=f"Another user already has userName {intent.email!r}.")
        unit = await self._department(work.session, identity, repo, place)
        position = await self._titled(work.session, identity, repo, place, unit)
        data = _valid(
            EmployeeCreate,
            external_id=intent.external_id,
            name=intent.name,
            email=intent.email,
            org_unit_id=unit.id,
            position_id=position,
            manager_id=_manager_id(intent.manager),
            status=EmployeeStatus.ACTIVE if intent.active else EmployeeStatus.TERMINATED,
        )
        created = await org_service.create_employee(work.session, identity, data)
        return await self._user(repo, await self._employee(repo, str(created.id)))

    async def replace_user(
        self,
        work: Work,
        identity: IdentityClaims,
        user_id: str,
        user: ScimUser,
        if_match: str | None,
    ) -> ScimUser:
        """PUT: the User becomes what the body says; read-only attributes are kept."""
        repo = ScimRepository(work.session)
        employee = await self._employee(repo, user_id)
        check_version(if_match, user_version(employee))
        before = await self._user(repo, employee)
        user.replace(before)
        return await self._store(work, identity, repo, employee, user_intent(user))

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
        employee = await self._employee(repo, user_id)
        check_version(if_match, user_version(employee))
        before = await self._user(repo, employee)
        after = before.model_copy(deep=True)
        if not patch.patch(after, scim_policy=POLICY):
            return before
        return await self._store(work, identity, repo, employee, patched_intent(before, after))

    async def deactivate_user(
        self, work: Work, identity: IdentityClaims, user_id: str, if_match: str | None
    ) -> None:
        """DELETE: the employee is terminated, never erased (their reviews and scores stay);
        the User then reads `active: false`."""
        repo = ScimRepository(work.session)
        employee = await self._employee(repo, user_id)
        check_version(if_match, user_version(employee))
        if employee.status != EmployeeStatus.TERMINATED:
            update = EmployeeUpdate(status=EmployeeStatus.TERMINATED)
            await org_service.update_employee(work.session, identity, employee.id, update)

    # --- groups: reads -------------------------------------------------------------------

    async def list_groups(self, session: AsyncSession, query: ListQuery) -> Listed[ScimGroup]:
        repo = ScimRepository(session)
        where, order = _query(query, GROUP_CATALOGUE)
        total = await repo.count(OrgUnit, where)
        units: Sequence[OrgUnit] = []
        if query.count > 0:
            units = await repo.page(
                OrgUnit, where, order, offset=query.start_index - 1, limit=query.count
            )
        members = await repo.members([u.id for u in units])
        return Listed(total, [group_resource(u, members[u.id]) for u in units])

    async def get_group(self, session: AsyncSession, group_id: str) -> ScimGroup:
        repo = ScimRepository(session)
        unit = await self._unit(repo, group_id)
        return group_resource(unit, (await repo.members([unit.id]))[unit.id])

    # --- groups: writes ------------------------------------------------------------------

    async def create_group(
        self, work: Work, identity: IdentityClaims, group: ScimGroup
    ) -> ScimGroup:
        """A new department under the enterprise unit, with the members moved into it."""
        repo = ScimRepository(work.session)
        name = (group.display_name or "").strip()
        root = await self._root(repo)
        joining = await self._employees(repo, _member_ids(group))
        titles = await self._titles(repo, joining)
        await work.locks.acquire(
            work.session, [("unit", name), *_position_keys(name, titles.values())]
        )
        if await repo.units_named(name):
            raise GroupNameTaken(detail=f"Another group already has displayName {name!r}.")
        data = _valid(OrgUnitCreate, name=name, external_id=group.external_id, parent_id=root.id)
        created = await org_service.create_org_unit(work.session, identity, data)
        unit = await self._unit(repo, str(created.id))
        for employee in joining:
            await self._place(work.session, identity, repo, employee, unit, titles[employee.id])
        return group_resource(unit, (await repo.members([unit.id]))[unit.id])

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
        unit = await self._unit(repo, group_id)
        members = (await repo.members([unit.id]))[unit.id]
        before = group_resource(unit, members)
        check_version(if_match, group_version(unit, members))
        group.replace(before)
        return await self._store_group(work, identity, repo, unit, members, group)

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
        unit = await self._unit(repo, group_id)
        members = (await repo.members([unit.id]))[unit.id]
        before = group_resource(unit, members)
        check_version(if_match, group_version(unit, members))
        after = before.model_copy(deep=True)
        if not patch.patch(after, scim_policy=POLICY):
            return before
        return await self._store_group(work, identity, repo, unit, members, after)

    # --- helpers: users ------------------------------------------------------------------

    async def _store(
        self,
        work: Work,
        identity: IdentityClaims,
        repo: ScimRepository,
        employee: Employee,
        intent: UserIntent,
    ) -> ScimUser:
        place = await self._place_of(repo, intent.department, intent.title)
        renamed = intent.email.lower() != employee.email.lower()
        await work.locks.acquire(work.session, place.keys(intent.email if renamed else None))
        if renamed and await repo.employees_with_email(intent.email, other_than=employee.id):
            raise UserNameTaken(detail=f"Another user already has userName {intent.email!r}.")
        unit = await self._department(work.session, identity, repo, place)
        position = await self._titled(work.session, identity, repo, place, unit)
        status = employee.status
        if not intent.active:
            status = EmployeeStatus.TERMINATED
        elif status == EmployeeStatus.TERMINATED:
            status = EmployeeStatus.ACTIVE  # reactivated; someone on leave stays on leave
        wanted: dict[str, Any] = {
            "email": intent.email.lower(),
            "name": intent.name,
            "external_id": intent.external_id,
            "org_unit_id": unit.id,
            "position_id": position,
            "manager_id": _manager_id(intent.manager),
            "status": status,
        }
        changes = {k: v for k, v in wanted.items() if getattr(employee, k) != v}
        if changes:
            data = _valid(EmployeeUpdate, **changes)
            await org_service.update_employee(work.session, identity, employee.id, data)
        return await self._user(repo, employee)

    async def _employee(self, repo: ScimRepository, user_id: str) -> Employee:
        employee_id = parse_id(user_id)
        employee = await repo.get(Employee, employee_id) if employee_id else None
        if employee is None:
            raise UserNotFound(detail=f"No user {user_id}.")
        return employee

    async def _user(self, repo: ScimRepository, employee: Employee) -> ScimUser:
        unit = await repo.get(OrgUnit, employee.org_unit_id)
        assert unit is not None  # a composite foreign key keeps it
        position = await repo.get(Position, employee.position_id) if employee.position_id else None
        manager = await repo.get(Employee, employee.manager_id) if employee.manager_id else None
        return user_resource(
            employee,
            title=position.title if position else None,
            unit=unit,
            manager_name=manager.name if manager else None,
        )

    async def _users(self, repo: ScimRepository, rows: Sequence[Employee]) -> list[ScimUser]:
        units = await repo.by_ids(OrgUnit, {e.org_unit_id for e in rows})
        positions = await repo.by_ids(Position, {e.position_id for e in rows if e.position_id})
        managers = await repo.by_ids(Employee, {e.manager_id for e in rows if e.manager_id})
        return [
            user_resource(
                e,
                title=positions[e.position_id].title if e.position_id else None,
                unit=units[e.org_unit_id],
                manager_name=managers[e.manager_id].name if e.manager_id in managers else None,
            )
            for e in rows
        ]

    async def _root(self, repo: ScimRepository) -> OrgUnit:
        return _enterprise([unit for unit, _ in await repo.units_for(None, None)])

    async def _place_of(
        self, repo: ScimRepository, department: str | None, title: str | None
    ) -> Place:
        """Where a department and title place someone: the enterprise unit for no
        department, else the unit of that id, else the one of that name (case-insensitive);
        the unit's oldest position of that title (case-insensitive)."""
        unit_id = parse_id(department) if department else None
        found = await repo.units_for(department, unit_id, title)
        units = [u for u, _ in found]
        root = _enterprise(units)
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
        name = unit.name if unit is not None else department or root.name
        return Place(root, name, unit, title, position)

    async def _department(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        repo: ScimRepository,
        place: Place,
    ) -> OrgUnit:
        """The unit of `place`; a department no unit had is created under the enterprise
        unit, unless a request that held the lock before us just did."""
        if place.unit is not None:
            return place.unit
        named = await repo.units_named(place.department)
        if named:
            return named[0]
        data = _valid(OrgUnitCreate, name=place.department, parent_id=place.root.id)
        created = await org_service.create_org_unit(session, identity, data)
        unit = await repo.get(OrgUnit, created.id)
        assert unit is not None
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

    async def _employees(self, repo: ScimRepository, ids: Iterable[str]) -> list[Employee]:
        wanted = {value: parse_id(value) for value in ids}
        found = await repo.by_ids(Employee, {i for i in wanted.values() if i is not None})
        unknown = sorted(value for value, i in wanted.items() if i not in found)
        if unknown:
            raise InvalidUserValue(
                detail=f"No user with id {', '.join(unknown)}: members are Users of this tenant."
            )
        return [found[i] for i in dict.fromkeys(wanted.values()) if i is not None]

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
        unit: OrgUnit,
        members: Sequence[Member],
        group: ScimGroup,
    ) -> ScimGroup:
        name = (group.display_name or "").strip()
        current = {m[0] for m in members}
        wanted = await self._employees(repo, _member_ids(group))
        joining = [e for e in wanted if e.id not in current]
        leaving = await self._employees(repo, [str(i) for i in current - {e.id for e in wanted}])
        parent = await repo.get(OrgUnit, unit.parent_id) if unit.parent_id else None
        if leaving and parent is None:
            raise MutabilityException(
                detail="Members leave the enterprise unit only by joining another group."
            )
        titles = await self._titles(repo, [*joining, *leaving])
        keys: list[Key] = [("unit", name)] if name.lower() != unit.name.lower() else []
        keys.extend(_position_keys(name or unit.name, [titles[e.id] for e in joining]))
        if parent is not None:
            keys.extend(_position_keys(parent.name, [titles[e.id] for e in leaving]))
        await work.locks.acquire(work.session, keys)
        if name.lower() != unit.name.lower() and await repo.units_named(name, other_than=unit.id):
            raise GroupNameTaken(detail=f"Another group already has displayName {name!r}.")
        changes = {
            k: v
            for k, v in {"name": name, "external_id": group.external_id}.items()
            if getattr(unit, k) != v
        }
        if changes:
            data = _valid(OrgUnitUpdate, **changes)
            await org_service.update_org_unit(work.session, identity, unit.id, data)
        for employee in joining:
            await self._place(work.session, identity, repo, employee, unit, titles[employee.id])
        for employee in leaving:
            assert parent is not None
            await self._place(work.session, identity, repo, employee, parent, titles[employee.id])
        return group_resource(unit, (await repo.members([unit.id]))[unit.id])

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


def _enterprise(units: Sequence[OrgUnit]) -> OrgUnit:
    root = next((u for u in units if u.parent_id is None), None)
    if root is None:
        raise EnterpriseUnitMissing(
            detail="The tenant has no enterprise org unit yet: create it first "
            "(POST /api/v1/goals/org-units without a parent), then provision people."
        )
    return root


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


def _manager_id(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    manager_id = parse_id(value)
    if manager_id is None:
        raise InvalidUserValue(detail=f"manager {value!r} is not the id of a User.")
    return manager_id


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
    "email": "userName",
    "name": "name",
    "external_id": "externalId",
    "org_unit_id": "department",
    "position_id": "title",
    "manager_id": "manager",
    "title": "title",
    "parent_id": "displayName",
}

scim_service = ScimService()
