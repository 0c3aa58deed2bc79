"""What SCIM's Users and Groups share: the write's session and locks, list queries, the
placement of a department and title (found, or created under the lock), rendering Users, and
the checks whose refusals name the SCIM attribute. The bulk paths (`bulk_users`) use the same
helpers, so a bulk create places and validates people exactly like a single one."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import true
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.org import OrgUnitCreate, PositionCreate
from strata_contracts.identity import IdentityClaims
from strata_goals.org.models import Employee, OrgUnit, Position
from strata_goals.org.service import org_service
from strata_goals.queries import add_row
from strata_goals.scim.exceptions import InvalidQuery, InvalidUserValue, VersionMismatch
from strata_goals.scim.filters import Catalogue, Filter, compile_filter
from strata_goals.scim.locks import Key, KeyLocks
from strata_goals.scim.models import ScimResource, name_key
from strata_goals.scim.repository import GROUP, USER, ScimRepository
from strata_goals.scim.resources import UserFacts, UserIntent, user_resource
from strata_goals.scim.schemas import ScimGroup, ScimUser

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
            keys.extend(position_keys(self.department or "", [self.title]))
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


def list_where(query: ListQuery, catalogue: Catalogue) -> tuple[Any, list[Any]]:
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


def new_row(
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


def check_user(user: ScimUser, intent: UserIntent) -> None:
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


def stripped(value: str | None) -> str | None:
    return value.strip() or None if value else None


def position_keys(department: str, titles: Iterable[str | None]) -> list[Key]:
    return [("position", f"{department}/{title}") for title in titles if title]


def valid_contract(model: type[M], **values: Any) -> M:
    """A contract model from SCIM values; what it refuses is a SCIM `invalidValue`."""
    try:
        return model(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{SCIM_NAMES.get(str(e['loc'][0]), e['loc'][0]) if e['loc'] else 'value'}: {e['msg']}"
            for e in exc.errors()
        )
        raise InvalidUserValue(detail=f"Strata cannot store this: {problems}.") from exc


SCIM_NAMES = {
    "email": "emails",
    "name": "name",
    "external_id": "externalId",
    "org_unit_id": "department",
    "position_id": "title",
    "manager_id": "manager",
    "title": "title",
    "parent_id": "displayName",
}


async def render_users(
    repo: ScimRepository, rows: Sequence[tuple[ScimResource, Employee]]
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


async def ensure_root(work: Work, identity: IdentityClaims, repo: ScimRepository) -> OrgUnit:
    """The enterprise unit; a fresh tenant gets one on its first provisioning call,
    created (and audited) through the organisation service like HR's own. The caller
    holds the ("root", "") lock."""
    root = await root_unit(repo)
    if root is not None:
        return root
    data = OrgUnitCreate(name=ROOT_NAME, parent_id=None)
    created = await org_service.create_org_unit(work.session, identity, data)
    unit = await repo.get(OrgUnit, created.id)
    assert unit is not None
    return unit


async def root_unit(repo: ScimRepository) -> OrgUnit | None:
    return next((u for u, _ in await repo.units_for(None, None) if u.parent_id is None), None)


async def place_of(repo: ScimRepository, department: str | None, title: str | None) -> Place:
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


async def department_unit(
    work: Work, identity: IdentityClaims, repo: ScimRepository, place: Place
) -> OrgUnit:
    """The unit of `place` (the caller holds its locks); a fresh tenant's enterprise unit
    and a department no unit had are created, the department under the enterprise unit
    and provisioned as a Group, unless a request that held the lock before us just did."""
    if place.unit is not None:
        return place.unit
    root = place.root or await ensure_root(work, identity, repo)
    if place.department is None:
        return root
    named = await repo.units_named(place.department)
    if named:
        return named[0]
    data = valid_contract(OrgUnitCreate, name=place.department, parent_id=root.id)
    created = await org_service.create_org_unit(work.session, identity, data)
    unit = await repo.get(OrgUnit, created.id)
    assert unit is not None
    if not await repo.named(GROUP, [unit.name]):
        new_row(work.session, GROUP, unit.id, unit.name, None, unit.id)
        await work.session.flush()
    return unit


async def titled_position(
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
    return await unit_position(session, identity, repo, unit, place.title)


async def unit_position(
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
    data = valid_contract(PositionCreate, title=title, org_unit_id=unit.id)
    return (await org_service.create_position(session, identity, data)).id
