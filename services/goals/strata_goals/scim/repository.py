"""Every query of the SCIM domain: the filter catalogues (which column holds each SCIM
attribute), pages of users and groups, and the look-ups behind rendering and find-or-create.

Reads only; every write goes through the organisation service, so audit records and
outbox events are those of the REST API.
"""

import uuid
from collections.abc import Collection, Sequence
from typing import Any, TypeVar

from scim2_models import Path
from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    event,
    exists,
    false,
    func,
    literal,
    or_,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import String
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.vocabulary import EmployeeStatus
from strata_goals.models import GoalsModel
from strata_goals.org.models import Employee, OrgUnit, Position
from strata_goals.queries import chunks, session_tenant
from strata_goals.scim.filters import (
    Attribute,
    Catalogue,
    Condition,
    Kind,
    MultiValued,
    strpos,
)
from strata_goals.scim.models import ScimResource, name_key
from strata_goals.scim.schemas import (
    ENTERPRISE_SCHEMA,
    GROUP_SCHEMA,
    USER_SCHEMA,
    ScimGroup,
    ScimUser,
)

Row = TypeVar("Row", bound=GoalsModel)

# --- the family and given name Strata derives from its one `name` ----------------------------


class family_name(FunctionElement[str]):
    """The last word of a name (the whole name when it has one word): `name.familyName`."""

    type = String()
    inherit_cache = True


@compiles(family_name)
def _family_name_postgresql(element: family_name, compiler: SQLCompiler, **kw: Any) -> str:
    (name,) = list(element.clauses)
    return f"regexp_replace({compiler.process(name, **kw)}, '^.* ', '')"


@compiles(family_name, "sqlite")
def _family_name_sqlite(element: family_name, compiler: SQLCompiler, **kw: Any) -> str:
    # rtrim(x, <every non-space character of x>) keeps x up to its last space; removing that
    # prefix leaves the last word (SQLite has no reverse search).
    (name,) = list(element.clauses)
    x = compiler.process(name, **kw)
    return f"replace({x}, rtrim({x}, replace({x}, ' ', '')), '')"


def given_name(name: Any) -> ColumnElement[str]:
    """Everything before the last word (none for a one-word name): `name.givenName`."""
    rest = func.length(name) - func.length(family_name(name)) - 1
    return case((strpos(name, literal(" ")) > 0, func.substr(name, 1, rest)), else_=None)


# --- filter catalogues -----------------------------------------------------------------------

USER, GROUP = "User", "Group"
_TITLE = select(Position.title).where(Position.id == Employee.position_id).scalar_subquery()
_UNIT_GROUP = aliased(ScimResource, name="unit_group")
_GROUP_OF_UNIT = (
    select(_UNIT_GROUP.id)
    .where(_UNIT_GROUP.resource_type == GROUP, _UNIT_GROUP.target_id == Employee.org_unit_id)
    .scalar_subquery()
)
_GROUP_NAME = (
    select(_UNIT_GROUP.name)
    .where(_UNIT_GROUP.resource_type == GROUP, _UNIT_GROUP.target_id == Employee.org_unit_id)
    .scalar_subquery()
)
_DEPARTMENT = (
    select(OrgUnit.name)
    .where(OrgUnit.id == Employee.org_unit_id, col(OrgUnit.parent_id).is_not(None))
    .scalar_subquery()
)
_MANAGER = aliased(Employee, name="manager")
_MANAGER_USER = aliased(ScimResource, name="manager_user")
_MANAGER_NAME = select(_MANAGER.name).where(_MANAGER.id == Employee.manager_id).scalar_subquery()
_MANAGER_SCIM_ID = (
    select(_MANAGER_USER.id)
    .where(_MANAGER_USER.resource_type == USER, _MANAGER_USER.target_id == Employee.manager_id)
    .scalar_subquery()
)


def _in_schema(model: Any) -> Any:
    def check(path: str) -> bool:
        try:
            return Path[model](path).resolve() is not None
        except Exception:  # any path scim2-models cannot resolve is not an attribute
            return False

    return check


def _meta(created: Any, modified: Any, resource_type: str) -> dict[str, Attribute]:
    return {
        "meta.created": Attribute(created, Kind.DATETIME, sortable=True),
        "meta.lastmodified": Attribute(modified, Kind.DATETIME, sortable=True),
        "meta.resourcetype": Attribute(literal(resource_type), case_exact=True),
    }


_ENTERPRISE = ENTERPRISE_SCHEMA.lower()


def _verbatim(paths: dict[str, tuple[str, ...]]) -> dict[str, Attribute]:
    """Single-valued attributes Strata keeps as sent, filtered and sorted in the stored JSON."""
    found = {}
    for key, path in paths.items():
        expression: Any = ScimResource.attributes
        for part in path:
            expression = expression[part]
        found[key] = Attribute(expression.as_string(), sortable=True)
    return found


_MANAGER_ID = Attribute(_MANAGER_SCIM_ID, Kind.ID, case_exact=True)

USER_CATALOGUE = Catalogue(
    schema=USER_SCHEMA,
    extensions=frozenset({_ENTERPRISE}),
    attributes={
        "id": Attribute(ScimResource.id, Kind.ID, case_exact=True, sortable=True),
        "externalid": Attribute(ScimResource.external_id, case_exact=True, sortable=True),
        "username": Attribute(ScimResource.name, sortable=True),
        "name": Attribute(Employee.name),
        "name.formatted": Attribute(Employee.name, sortable=True),
        "name.familyname": Attribute(family_name(Employee.name), sortable=True),
        "name.givenname": Attribute(given_name(Employee.name), sortable=True),
        "displayname": Attribute(Employee.name, sortable=True),
        "title": Attribute(_TITLE, sortable=True),
        "active": Attribute(Employee.status != EmployeeStatus.TERMINATED, Kind.BOOLEAN),
        "emails": MultiValued(
            {
                "value": Attribute(Employee.email),
                "type": Attribute(literal("work")),
            }
        ),
        "groups": MultiValued(
            {
                "value": Attribute(_GROUP_OF_UNIT, Kind.ID, case_exact=True),
                "display": Attribute(_GROUP_NAME),
                "type": Attribute(literal("direct")),
            }
        ),
        **_meta(ScimResource.created_at, ScimResource.updated_at, "User"),
        **_verbatim(
            {
                "nickname": ("nickName",),
                "profileurl": ("profileUrl",),
                "usertype": ("userType",),
                "preferredlanguage": ("preferredLanguage",),
                "locale": ("locale",),
                "timezone": ("timezone",),
                "name.middlename": ("name", "middleName"),
                "name.honorificprefix": ("name", "honorificPrefix"),
                "name.honorificsuffix": ("name", "honorificSuffix"),
                f"{_ENTERPRISE}:employeenumber": (ENTERPRISE_SCHEMA, "employeeNumber"),
                f"{_ENTERPRISE}:costcenter": (ENTERPRISE_SCHEMA, "costCenter"),
                f"{_ENTERPRISE}:organization": (ENTERPRISE_SCHEMA, "organization"),
                f"{_ENTERPRISE}:division": (ENTERPRISE_SCHEMA, "division"),
            }
        ),
        f"{_ENTERPRISE}:department": Attribute(_DEPARTMENT, sortable=True),
        f"{_ENTERPRISE}:manager": _MANAGER_ID,
        f"{_ENTERPRISE}:manager.value": _MANAGER_ID,
        f"{_ENTERPRISE}:manager.displayname": Attribute(_MANAGER_NAME),
    },
    is_schema_attribute=_in_schema(ScimUser),
)


_MEMBER = aliased(ScimResource, name="member")


def _one_member(condition: Condition) -> Condition:
    return exists(
        select(Employee.id)
        .join(
            _MEMBER,
            and_(col(_MEMBER.target_id) == Employee.id, col(_MEMBER.resource_type) == USER),
        )
        .where(Employee.org_unit_id == OrgUnit.id, condition)
    )


GROUP_CATALOGUE = Catalogue(
    schema=GROUP_SCHEMA,
    extensions=frozenset(),
    attributes={
        "id": Attribute(ScimResource.id, Kind.ID, case_exact=True, sortable=True),
        "externalid": Attribute(ScimResource.external_id, case_exact=True, sortable=True),
        "displayname": Attribute(ScimResource.name, sortable=True),
        "members": MultiValued(
            {
                "value": Attribute(_MEMBER.id, Kind.ID, case_exact=True),
                "display": Attribute(Employee.name),
                "type": Attribute(literal("User")),
            },
            scope=_one_member,
        ),
        **_meta(ScimResource.created_at, ScimResource.updated_at, "Group"),
    },
    is_schema_attribute=_in_schema(ScimGroup),
)


# --- queries ---------------------------------------------------------------------------------


def keep_loaded_rows(session: AsyncSession) -> None:
    """Hold every row the session reads or writes until it closes (SQLAlchemy's
    strong-reference recipe). The identity map only holds rows weakly, and the organisation
    service returns contract models, not rows: without this a SCIM write would read again
    the employee, position or unit it has just written, to render its answer."""
    kept: dict[int, object] = session.info.setdefault("scim_rows", {})

    def keep(_session: object, row: object) -> None:
        kept[id(row)] = row

    for name in ("pending_to_persistent", "loaded_as_persistent", "detached_to_persistent"):
        event.listen(session.sync_session, name, keep)


class ScimRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def count(self, resource_type: str, where: Condition) -> int:
        target = Employee if resource_type == USER else OrgUnit
        stmt = (
            select(func.count())
            .select_from(ScimResource)
            .join(target, target.id == ScimResource.target_id)  # type: ignore[arg-type]
            .where(ScimResource.resource_type == resource_type, where)
        )
        return int((await self.session.exec(stmt)).one())

    async def page(
        self,
        resource_type: str,
        where: Condition,
        order: Sequence[Any],
        *,
        offset: int,
        limit: int,
    ) -> list[tuple[ScimResource, Any]]:
        """One page of `where`, in `order` then oldest first (the id breaks ties), each
        resource with its employee (User) or org unit (Group)."""
        target = Employee if resource_type == USER else OrgUnit
        stmt = (
            select(ScimResource, target)
            .join(target, target.id == ScimResource.target_id)  # type: ignore[arg-type]
            .where(ScimResource.resource_type == resource_type, where)
            .order_by(*order, col(ScimResource.created_at), col(ScimResource.id))
            .offset(offset)
            .limit(limit)
        )
        return [(row, item) for row, item in await self.session.exec(stmt)]

    async def resource(self, resource_type: str, resource_id: uuid.UUID) -> ScimResource | None:
        row = await self.get(ScimResource, resource_id)
        return row if row is not None and row.resource_type == resource_type else None

    async def resources(
        self, resource_type: str, ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, ScimResource]:
        """The live resources of these ids (one query per 500)."""
        found: dict[uuid.UUID, ScimResource] = {}
        for batch in chunks(ids):
            stmt = select(ScimResource).where(
                ScimResource.resource_type == resource_type, col(ScimResource.id).in_(batch)
            )
            found.update({row.id: row for row in await self.session.exec(stmt)})
        return found

    async def resources_of(
        self, resource_type: str, target_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, ScimResource]:
        """The live resource of each of these employees or units, by their id."""
        found: dict[uuid.UUID, ScimResource] = {}
        for batch in chunks(target_ids):
            stmt = select(ScimResource).where(
                ScimResource.resource_type == resource_type,
                col(ScimResource.target_id).in_(batch),
            )
            found.update({row.target_id: row for row in await self.session.exec(stmt)})
        return found

    async def named(
        self, resource_type: str, names: Collection[str], *, other_than: uuid.UUID | None = None
    ) -> dict[str, ScimResource]:
        """The live resources holding these userNames / displayNames (case-insensitive)."""
        found: dict[str, ScimResource] = {}
        for batch in chunks({name_key(n) for n in names}):
            stmt = select(ScimResource).where(
                ScimResource.resource_type == resource_type, col(ScimResource.name_key).in_(batch)
            )
            if other_than is not None:
                stmt = stmt.where(ScimResource.id != other_than)
            found.update({row.name_key: row for row in await self.session.exec(stmt)})
        return found

    async def employees_keyed(self, external_ids: Collection[str]) -> dict[str, Employee]:
        """The employees of these external ids (kept people a new User may re-link to)."""
        found: dict[str, Employee] = {}
        for batch in chunks(external_ids):
            stmt = select(Employee).where(col(Employee.external_id).in_(batch))
            found.update({e.external_id: e for e in await self.session.exec(stmt) if e.external_id})
        return found

    async def unit_keyed(self, external_id: str) -> OrgUnit | None:
        stmt = select(OrgUnit).where(OrgUnit.external_id == external_id)
        return (await self.session.exec(stmt)).first()

    def add(self, row: ScimResource) -> None:
        self.session.add(row)

    async def delete(self, row: ScimResource) -> None:
        await self.session.delete(row)
        await self.session.flush()

    async def get(self, model: type[Row], row_id: uuid.UUID) -> Row | None:
        """One row by id (from the session's identity map when it is there already)."""
        return await self.session.get(model, (session_tenant(self.session), row_id))

    async def by_ids(self, model: type[Row], ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Row]:
        found: dict[uuid.UUID, Row] = {}
        for batch in chunks(ids):
            rows = await self.session.exec(select(model).where(col(model.id).in_(batch)))
            found.update({row.id: row for row in rows})
        return found

    async def units_for(
        self, name: str | None, unit_id: uuid.UUID | None, title: str | None = None
    ) -> list[tuple[OrgUnit, Position | None]]:
        """The enterprise unit, the unit `unit_id` and the units named `name`
        (case-insensitive), each with its oldest position of `title` if it has one: all a
        user write needs to know where it places someone, in one query."""
        wanted: list[ColumnElement[bool]] = [col(OrgUnit.parent_id).is_(None)]
        if name is not None:
            wanted.append(func.lower(OrgUnit.name) == func.lower(literal(name)))
        if unit_id is not None:
            wanted.append(col(OrgUnit.id) == unit_id)
        titled: ColumnElement[bool] = false()
        if title is not None:
            titled = and_(
                col(Position.org_unit_id) == OrgUnit.id,
                func.lower(Position.title) == func.lower(literal(title)),
            )
        stmt = (
            select(OrgUnit, Position)
            .outerjoin(Position, titled)
            .where(or_(*wanted))
            .order_by(
                col(OrgUnit.created_at),
                col(OrgUnit.id),
                col(Position.created_at),
                col(Position.id),
            )
        )
        found: dict[uuid.UUID, tuple[OrgUnit, Position | None]] = {}
        for unit, position in await self.session.exec(stmt):
            found.setdefault(unit.id, (unit, position))
        return list(found.values())

    async def all_units(self) -> Sequence[OrgUnit]:
        """Every unit of the tenant, oldest first (a /Bulk request places its people from
        them in memory)."""
        stmt = select(OrgUnit).order_by(col(OrgUnit.created_at), col(OrgUnit.id))
        return (await self.session.exec(stmt)).all()

    async def positions_titled(self, titles: Collection[str]) -> Sequence[Position]:
        """The positions of these titles (case-insensitive) in any unit, oldest first."""
        if not titles:
            return []
        stmt = (
            select(Position)
            .where(func.lower(Position.title).in_(sorted({t.lower() for t in titles})))
            .order_by(col(Position.created_at), col(Position.id))
        )
        return (await self.session.exec(stmt)).all()

    async def units_named(
        self, name: str, *, other_than: uuid.UUID | None = None
    ) -> Sequence[OrgUnit]:
        stmt = (
            select(OrgUnit)
            .where(func.lower(OrgUnit.name) == func.lower(literal(name)))
            .order_by(col(OrgUnit.created_at), col(OrgUnit.id))
        )
        if other_than is not None:
            stmt = stmt.where(OrgUnit.id != other_than)
        return (await self.session.exec(stmt)).all()

    async def position_titled(self, org_unit_id: uuid.UUID, title: str) -> Position | None:
        """The oldest position of the unit with this title (case-insensitive)."""
        stmt = (
            select(Position)
            .where(
                Position.org_unit_id == org_unit_id,
                func.lower(Position.title) == func.lower(literal(title)),
            )
            .order_by(col(Position.created_at), col(Position.id))
            .limit(1)
        )
        return (await self.session.exec(stmt)).first()

    async def members(
        self, unit_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[uuid.UUID, str, int]]]:
        """(SCIM id, name, version) of the provisioned employees placed in each unit, by name."""
        found: dict[uuid.UUID, list[tuple[uuid.UUID, str, int]]] = {u: [] for u in unit_ids}
        for batch in chunks(unit_ids):
            stmt = (
                select(Employee.org_unit_id, ScimResource.id, Employee.name, Employee.version)
                .join(
                    ScimResource,
                    and_(
                        col(ScimResource.target_id) == Employee.id,
                        col(ScimResource.resource_type) == USER,
                    ),
                )
                .where(col(Employee.org_unit_id).in_(batch))
                .order_by(col(Employee.name), col(Employee.id))
            )
            for unit_id, employee_id, name, version in await self.session.exec(stmt):
                found[unit_id].append((employee_id, name, version))
        return found

    async def lock(self, keys: Sequence[int]) -> None:
        """Hold PostgreSQL advisory locks on `keys`, taken in the order given, until the
        transaction ends (one round trip)."""
        if not keys:
            return
        statement = text(
            # unnest yields the array in order, so the locks are taken in the order given.
            "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(CAST(:keys AS bigint[])) AS k"
        ).bindparams(keys=list(keys))
        await self.session.exec(statement)  # type: ignore[call-overload]
