"""The users a `/Bulk` request creates, created together on the organisation's set-based path
(`org.hris`): checked one by one in memory, then written in a constant number of statements
(employees, placements, audit records, events, SCIM resources), whatever their number.

What stays one by one: a User re-linked to a kept employee (its `externalId` names one), and
the departments and titles no unit has yet (created once each, audited, under their locks).
An operation that fails is answered with its error and written nowhere; one whose manager is
such an operation fails too. Should the batch's statements fail as a whole (a concurrent
writer took a userName between the check and the write), nothing of it is kept and every
operation runs one by one instead."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from scim2_models import Context
from sqlalchemy.exc import IntegrityError

from strata_contracts.goals.org import EmployeeCreate
from strata_contracts.goals.vocabulary import EmployeeStatus
from strata_contracts.identity import IdentityClaims
from strata_goals.org.hris import Batch, hris_upsert
from strata_goals.org.models import OrgUnit, Position
from strata_goals.org.repository import BulkRows
from strata_goals.org.rules import topological_order
from strata_goals.queries import session_tenant
from strata_goals.scim.exceptions import BodyNotJson, InvalidUserValue, UserNameTaken
from strata_goals.scim.models import ScimResource, name_key
from strata_goals.scim.provisioning import (
    Place,
    Work,
    check_user,
    department_unit,
    parse_id,
    titled_position,
    valid_contract,
)
from strata_goals.scim.repository import USER, ScimRepository
from strata_goals.scim.resources import UserIntent, stored_attributes, user_intent
from strata_goals.scim.schemas import POLICY, ScimUser, location
from strata_kit.db import utcnow


@dataclass
class NewUser:
    """A POST /Users of the request: its planned id (the User's and the employee's) and its
    data, bulkIds already replaced by the planned ids."""

    index: int
    resource_id: uuid.UUID
    data: Any


@dataclass(frozen=True)
class Created:
    """A User created: where it is and its version, as the operation's answer gives them."""

    location: str
    version: str


class ManagerFailed(Exception):
    """The manager is a User of the same request whose operation failed."""


Outcome = Created | Exception | None
"""A created User, the error of its operation, or None: not done here (run it alone)."""


@dataclass
class _Checked:
    user: NewUser
    resource: ScimUser
    intent: UserIntent


def validated(model: Any, data: Any, context: Context) -> Any:
    try:
        return model.model_validate(data, scim_ctx=context, scim_policy=POLICY)
    except ValidationError:
        raise
    except RecursionError as exc:
        raise BodyNotJson(detail="The data nests too deeply.") from exc


async def create_users(
    work: Work, identity: IdentityClaims, users: Sequence[NewUser], limit: int | None
) -> dict[int, Outcome]:
    """Create `users` together; `limit` (failOnErrors): stop before the operation after the
    limit-th failure, leaving it and those after it undone."""
    outcomes: dict[int, Outcome] = {}
    checked = _each_checked(users, outcomes)
    repo = ScimRepository(work.session)
    places = await _places(repo, checked)
    keys = [("user", name_key(c.intent.user_name)) for c in checked]
    keys += [key for place in places.values() for key in place.keys(None)]
    await work.locks.acquire(work.session, keys)
    await _unique(repo, checked, outcomes)
    planned = {u.resource_id: u.index for u in users}
    rows = await _rows(work, identity, repo, checked, places, planned, outcomes)
    rows = _within(limit, rows, outcomes, users)
    if not rows:
        return outcomes
    savepoint = await work.session.begin_nested()
    try:
        created = await _write(work, identity, rows)
    except IntegrityError:
        await savepoint.rollback()
        return {u.index: None for u in users}
    await savepoint.commit()
    outcomes.update(created)
    return outcomes


def _each_checked(users: Sequence[NewUser], outcomes: dict[int, Outcome]) -> list[_Checked]:
    checked: list[_Checked] = []
    for user in users:
        try:
            resource = validated(ScimUser, user.data, Context.RESOURCE_CREATION_REQUEST)
            intent = user_intent(resource)
            check_user(resource, intent)
        except Exception as exc:  # the operation's answer
            outcomes[user.index] = exc
            continue
        checked.append(_Checked(user, resource, intent))
    return checked


async def _places(
    repo: ScimRepository, checked: list[_Checked]
) -> dict[tuple[str | None, str | None], Place]:
    """Where each (department, title) places someone, from the tenant's units and the
    positions of the titles asked for: two queries, whatever the number of people."""
    pairs = {(c.intent.department, c.intent.title) for c in checked}
    units = await repo.all_units()
    positions = await repo.positions_titled({t for _, t in pairs if t})
    root = next((u for u in units if u.parent_id is None), None)
    by_id = {u.id: u for u in units}
    by_name: dict[str, list[OrgUnit]] = {}
    for each in units:
        by_name.setdefault(each.name.lower(), []).append(each)
    titled: dict[tuple[uuid.UUID, str], Position] = {}
    for found in positions:
        titled.setdefault((found.org_unit_id, found.title.lower()), found)
    places = {}
    for department, title in pairs:
        unit: OrgUnit | None = root
        if department is not None:
            unit_id = parse_id(department)
            named = by_name.get(department.lower(), [])
            # several units of this name: left for the per-user check to refuse
            unit = (by_id.get(unit_id) if unit_id else None) or (
                named[0] if len(named) == 1 else None
            )
        position = titled.get((unit.id, title.lower())) if unit and title else None
        name = unit.name if unit is not None and unit.parent_id is not None else department
        places[(department, title)] = Place(root, name, unit, title, position)
    return places


async def _unique(
    repo: ScimRepository, checked: list[_Checked], outcomes: dict[int, Outcome]
) -> None:
    """userNames free in the tenant and in the request; an externalId no User holds (one
    that names a kept employee is a re-link, done alone)."""
    taken = await repo.named(USER, [c.intent.user_name for c in checked])
    kept = await repo.employees_keyed(
        {c.intent.external_id for c in checked if c.intent.external_id}
    )
    seen_names: set[str] = set()
    seen_keys: set[str] = set()
    for c in checked:
        key, external_id = name_key(c.intent.user_name), c.intent.external_id
        if key in taken or key in seen_names:
            outcomes[c.user.index] = UserNameTaken(
                detail=f"Another user already has userName {c.intent.user_name!r}."
            )
        elif external_id is not None and external_id in seen_keys:
            outcomes[c.user.index] = UserNameTaken(
                detail=f"Another user already has externalId {external_id!r}."
            )
        elif external_id is not None and external_id in kept:
            outcomes[c.user.index] = None
        seen_names.add(key)
        if external_id is not None:
            seen_keys.add(external_id)


async def _rows(
    work: Work,
    identity: IdentityClaims,
    repo: ScimRepository,
    checked: list[_Checked],
    places: dict[tuple[str | None, str | None], Place],
    planned: dict[uuid.UUID, int],
    outcomes: dict[int, Outcome],
) -> dict[int, tuple[_Checked, dict[str, Any]]]:
    """Each remaining user's employee row, managers first: a user is checked whole before
    its department or title is created (once each, on the way), and one whose manager
    failed creates nothing."""
    managers = await repo.resources(
        USER, {m for c in checked if (m := parse_id(c.intent.manager or "")) and m not in planned}
    )
    prepared: dict[int, tuple[_Checked, EmployeeCreate]] = {}
    for c in checked:
        if c.user.index not in outcomes:
            try:
                prepared[c.user.index] = (c, _employee(c.intent, planned, managers))
            except Exception as exc:  # the operation's answer
                outcomes[c.user.index] = exc
    units: dict[str | None, OrgUnit] = {}
    rows: dict[int, tuple[_Checked, dict[str, Any]]] = {}
    manager_of = {i: planned.get(data.manager_id) for i, (_, data) in prepared.items()}  # type: ignore[arg-type]
    for index in topological_order(list(prepared), lambda i: manager_of[i]):
        c, data = prepared[index]
        manager = manager_of[index]
        if manager is not None and manager not in rows:
            waiting = manager in prepared and manager not in outcomes
            outcomes[index] = None if waiting or outcomes.get(manager) is None else ManagerFailed()
            continue
        try:
            place = await _placed(work, identity, repo, c.intent, places, units)
        except Exception as exc:  # the operation's answer
            outcomes[index] = exc
            continue
        rows[index] = (c, data.model_dump() | place)
    return rows


def _employee(
    intent: UserIntent, planned: dict[uuid.UUID, int], managers: dict[uuid.UUID, ScimResource]
) -> EmployeeCreate:
    """The employee a user asks for, checked before any unit is made for them."""
    return valid_contract(
        EmployeeCreate,
        external_id=intent.external_id,
        name=intent.name,
        email=intent.email,
        org_unit_id=uuid.UUID(int=0),  # placeholder: the unit is found below
        manager_id=_manager(intent.manager, planned, managers),
        status=EmployeeStatus.ACTIVE if intent.active else EmployeeStatus.TERMINATED,
    )


async def _placed(
    work: Work,
    identity: IdentityClaims,
    repo: ScimRepository,
    intent: UserIntent,
    places: dict[tuple[str | None, str | None], Place],
    units: dict[str | None, OrgUnit],
) -> dict[str, Any]:
    """The unit and position of a user; one it creates goes in a savepoint, so a failure
    leaves none of it behind."""
    place = places[(intent.department, intent.title)]
    if place.unit is not None and (place.position is not None or place.title is None):
        return {
            "org_unit_id": place.unit.id,
            "position_id": place.position.id if place.position else None,
        }
    savepoint = await work.session.begin_nested()
    try:
        unit = await _unit(work, identity, repo, place, units)
        position = await titled_position(work.session, identity, repo, place, unit)
    except Exception:
        await savepoint.rollback()
        raise
    await savepoint.commit()
    found = await repo.get(Position, position) if position else None
    places[(intent.department, intent.title)] = Place(
        place.root or units.get(None), place.department, unit, place.title, found
    )
    return {"org_unit_id": unit.id, "position_id": position}


async def _unit(
    work: Work,
    identity: IdentityClaims,
    repo: ScimRepository,
    place: Place,
    made: dict[str | None, OrgUnit],
) -> OrgUnit:
    """The place's unit; one the tenant lacks is created by the first user who names it."""
    if place.unit is not None:
        return place.unit
    if place.department is not None and place.department.lower() in made:
        return made[place.department.lower()]
    if place.department is not None:
        named = await repo.units_named(place.department)
        if len(named) > 1:
            raise InvalidUserValue(
                detail=f"Several org units are named {place.department!r}; send the unit's id "
                "as the department to choose one."
            )
    fresh = Place(place.root or made.get(None), place.department, None, place.title, None)
    unit = await department_unit(work, identity, repo, fresh)
    if unit.parent_id is None:
        made[None] = unit
    else:
        made[unit.name.lower()] = unit
    return unit


def _manager(
    value: str | None, planned: dict[uuid.UUID, int], managers: dict[uuid.UUID, ScimResource]
) -> uuid.UUID | None:
    """The employee of the manager's SCIM id (a User of this request: the planned id)."""
    if value is None:
        return None
    manager_id = parse_id(value)
    if manager_id in planned:
        return manager_id
    row = managers.get(manager_id) if manager_id else None
    if row is None:
        raise InvalidUserValue(detail=f"manager: {value!r} is not the id of a User.")
    return row.target_id


def _within(
    limit: int | None,
    rows: dict[int, tuple[_Checked, dict[str, Any]]],
    outcomes: dict[int, Outcome],
    users: Sequence[NewUser],
) -> dict[int, tuple[_Checked, dict[str, Any]]]:
    """With failOnErrors, the operations after the limit-th failure are not processed."""
    if limit is None:
        return rows
    failures = sorted(i for i, outcome in outcomes.items() if isinstance(outcome, Exception))
    if len(failures) < limit:
        return rows
    cut = failures[limit - 1]
    for user in users:
        if user.index > cut:
            outcomes.pop(user.index, None)
    kept = {i: r for i, r in rows.items() if i <= cut}
    index_of = {c.user.resource_id: i for i, (c, _) in rows.items()}
    for index, (_, values) in list(kept.items()):
        if index_of.get(values["manager_id"], -1) > cut:
            del kept[index]
    return kept


async def _write(
    work: Work, identity: IdentityClaims, rows: dict[int, tuple[_Checked, dict[str, Any]]]
) -> dict[int, Outcome]:
    """The employees through the organisation's bulk write, then their SCIM resources."""
    session, now = work.session, utcnow()
    key = {index: f"op{index}" for index in rows}
    batch = Batch(
        ids={key[i]: c.user.resource_id for i, (c, _) in rows.items()},
        stored={},
        new_only=True,
        rows={key[i]: values for i, (_, values) in rows.items()},
    )
    await hris_upsert.write(session, identity, batch)
    tenant = session_tenant(session)
    await BulkRows(session).insert(
        ScimResource,
        [
            {
                "tenant_id": tenant,
                "id": c.user.resource_id,
                "created_at": now,
                "updated_at": now,
                "version": 1,
                "resource_type": USER,
                "target_id": c.user.resource_id,
                "name": c.intent.user_name,
                "name_key": name_key(c.intent.user_name),
                "external_id": c.intent.external_id,
                "attributes": stored_attributes(c.resource),
            }
            for c, _ in rows.values()
        ],
    )
    # What the answer of each operation says (RFC 7644 §3.7.3): a new resource and a new
    # employee are both at version 1 (`resources.user_version`).
    return {
        i: Created(location("Users", c.user.resource_id), 'W/"1-1"') for i, (c, _) in rows.items()
    }
