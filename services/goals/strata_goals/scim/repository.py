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
    true,
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


def split_name(name: str) -> tuple[str | None, str]:
    """(given, family) exactly as `given_name` and `family_name` compute them in SQL."""
    given, _, family = name.rpartition(" ")
    return (given or None) if " " in name else None, family


# --- filter catalogues -----------------------------------------------------------------------

_TITLE = select(Position.title).where(Position.id == Employee.position_id).scalar_subquery()
_UNIT_NAME = select(OrgUnit.name).where(OrgUnit.id == Employee.org_unit_id).scalar_subquery()
_DEPARTMENT = (
    select(OrgUnit.name)
    .where(OrgUnit.id == Employee.org_unit_id, col(OrgUnit.parent_id).is_not(None))
    .scalar_subquery()
)
_MANAGER = aliased(Employee, name="manager")
_MANAGER_NAME = select(_MANAGER.name).where(_MANAGER.id == Employee.manager_id).scalar_subquery()


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
_MANAGER_ID = Attribute(Employee.manager_id, Kind.ID, case_exact=True)

USER_CATALOGUE = Catalogue(
    schema=USER_SCHEMA,
    extensions=frozenset({_ENTERPRISE}),
    attributes={
        "id": Attribute(Employee.id, Kind.ID, case_exact=True, sortable=True),
        "externalid": Attribute(Employee.external_id, case_exact=True, sortable=True),
        "username": Attribute(Employee.email, sortable=True),
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
                "primary": Attribute(true(), Kind.BOOLEAN),
            }
        ),
        "groups": MultiValued(
            {
                "value": Attribute(Employee.org_unit_id, Kind.ID, case_exact=True),
                "display": Attribute(_UNIT_NAME),
                "type": Attribute(literal("direct")),
            }
        ),
        **_meta(Employee.created_at, Employee.updated_at, "User"),
        f"{_ENTERPRISE}:employeenumber": Attribute(
            Employee.external_id, case_exact=True, sortable=True
        ),
        f"{_ENTERPRISE}:department": Attribute(_DEPARTMENT, sortable=True),
        f"{_ENTERPRISE}:manager": _MANAGER_ID,
        f"{_ENTERPRISE}:manager.value": _MANAGER_ID,
        f"{_ENTERPRISE}:manager.displayname": Attribute(_MANAGER_NAME),
    },
    is_schema_attribute=_in_schema(ScimUser),
)


def _one_member(condition: Condition) -> Condition:
    return exists(select(Employee.id).where(Employee.org_unit_id == OrgUnit.id, condition))


GROUP_CATALOGUE = Catalogue(
    schema=GROUP_SCHEMA,
    extensions=frozenset(),
    attributes={
        "id": Attribute(OrgUnit.id, Kind.ID, case_exact=True, sortable=True),
        "externalid": Attribute(OrgUnit.external_id, case_exact=True, sortable=True),
        "displayname": Attribute(OrgUnit.name, sortable=True),
        "members": MultiValued(
            {
                "value": Attribute(Employee.id, Kind.ID, case_exact=True),
                "display": Attribute(Employee.name),
                "type": Attribute(literal("User")),
            },
            scope=_one_member,
        ),
        **_meta(OrgUnit.created_at, OrgUnit.updated_at, "Group"),
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

    async def count(self, model: type[Employee] | type[OrgUnit], where: Condition) -> int:
        stmt = select(func.count()).select_from(model).where(where)
        return int((await self.session.exec(stmt)).one())

    async def page(
        self,
        model: type[Row],
        where: Condition,
        order: Sequence[Any],
        *,
        offset: int,
        limit: int,
    ) -> Sequence[Row]:
        """One page of `where`, in `order` then oldest first (the id breaks ties)."""
        stmt = select(model).where(where).order_by(*order, col(model.created_at), col(model.id))
        stmt = stmt.offset(offset).limit(limit)
        return (await self.session.exec(stmt)).all()

    async def get(self, model: type[Row], row_id: uuid.UUID) -> Row | None:
        """One row by id (from the session's identity map when it is there already)."""
        return await self.session.get(model, (session_tenant(self.session), row_id))

    async def by_ids(self, model: type[Row], ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Row]:
        found: dict[uuid.UUID, Row] = {}
        for batch in chunks(ids):
            rows = await self.session.exec(select(model).where(col(model.id).in_(batch)))
            found.update({row.id: row for row in rows})
        return found

    async def employees_with_email(
        self, email: str, *, other_than: uuid.UUID | None = None
    ) -> Sequence[uuid.UUID]:
        stmt = select(Employee.id).where(func.lower(Employee.email) == func.lower(literal(email)))
        if other_than is not None:
            stmt = stmt.where(Employee.id != other_than)
        return (await self.session.exec(stmt)).all()

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
        """(id, name, version) of the employees placed in each unit, by name."""
        found: dict[uuid.UUID, list[tuple[uuid.UUID, str, int]]] = {u: [] for u in unit_ids}
        for batch in chunks(unit_ids):
            stmt = (
                select(Employee.org_unit_id, Employee.id, Employee.name, Employee.version)
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
