"""Pure rules of the organisation, shared by its aggregates: wire shapes of the rows, the
order of a batch (parents before children), loops, keys unique in a batch, placement moves.
No query and no session here."""

import uuid
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from strata_contracts.goals.org import EmployeeRead, OrgUnitRead, PositionRead
from strata_contracts.goals.vocabulary import Level
from strata_contracts.identity import IdentityClaims
from strata_contracts.problem import FieldProblem
from strata_goals.org.models import Employee, EmployeePlacement, OrgUnit, Position
from strata_kit.errors import InvalidInput, field

K = TypeVar("K", bound=Hashable)

EMPLOYEE_UPSERTED = "goals.employee.upserted"
ORG_UNIT_CHANGED = "goals.org_unit.changed"
POSITION_CHANGED = "goals.position.changed"

PLACEMENT = ("org_unit_id", "position_id", "manager_id")
"""The columns whose change is a move, kept in the employee's placement history."""

NewId = Callable[[str], uuid.UUID]
"""The id of a row created by a bulk upsert, from its external id (random by default; the
demo derives them so other services' demos can refer to the same people)."""


def random_id(_: str) -> uuid.UUID:
    return uuid.uuid4()


def today() -> date:
    return datetime.now(UTC).date()


def org_unit_read(unit: OrgUnit) -> OrgUnitRead:
    return OrgUnitRead(
        id=unit.id,
        name=unit.name,
        code=unit.code,
        external_id=unit.external_id,
        parent_id=unit.parent_id,
        level=Level.ENTERPRISE if unit.parent_id is None else Level.DEPARTMENT,
        created_at=unit.created_at,
        updated_at=unit.updated_at,
    )


def position_read(position: Position) -> PositionRead:
    return PositionRead.model_validate(position)


def employee_read(employee: Employee) -> EmployeeRead:
    return EmployeeRead.model_validate(employee)


def topological_order(keys: Sequence[K], parent_of: Callable[[K], K | None]) -> list[K]:
    """`keys` with every parent before its children (parents outside `keys` are ignored;
    the caller has ruled out loops)."""
    inside = set(keys)
    placed: set[K] = set()
    ordered: list[K] = []
    for start in keys:
        path: list[K] = []
        node: K | None = start
        while node is not None and node in inside and node not in placed and node not in path:
            path.append(node)
            node = parent_of(node)
        for key in reversed(path):
            placed.add(key)
            ordered.append(key)
    return ordered


def looping(starts: Iterable[K], parent_of: Mapping[K, K | None]) -> set[K]:
    """Those of `starts` that sit on a loop of parents (`parent_of` is the whole graph)."""
    done: set[K] = set()
    on_loop: set[K] = set()
    for start in starts:
        path: list[K] = []
        node: K | None = start
        while node is not None and node not in done and node not in path:
            path.append(node)
            node = parent_of.get(node)
        if node is not None and node in path:
            on_loop.update(path[path.index(node) :])
        done.update(path)
    return on_loop


def unique_codes(
    items: Sequence[tuple[int, str | None, str]],
    taken: Mapping[str, OrgUnit | Position],
    problems: list[FieldProblem],
) -> None:
    """A bulk item's code must be unique in the batch and not belong to a stored row with
    another external id."""
    seen: dict[str, str] = {}
    for index, code, external_id in items:
        if code is None:
            continue
        other = taken.get(code)
        if other is not None and other.external_id != external_id:
            problems.append(field(f"items/{index}/code", f"already used by {other.id}"))
        elif seen.setdefault(code, external_id) != external_id:
            problems.append(field(f"items/{index}/code", "used twice in this batch"))


def index_unique(
    items: Sequence[Any], key_of: Callable[[Any], str], problems: list[FieldProblem]
) -> dict[str, int]:
    """Position of each item by its external id; a repeated id is a problem."""
    index: dict[str, int] = {}
    for i, item in enumerate(items):
        key = key_of(item)
        if key in index:
            problems.append(field(f"items/{i}/external_id", f"repeats item {index[key]}"))
        else:
            index[key] = i
    return index


def differs(row: Any, values: Mapping[str, Any]) -> bool:
    return any(getattr(row, name) != value for name, value in values.items())


def placement_change(
    employee: Employee | EmployeeRead, current: EmployeePlacement | None, effective: date
) -> tuple[dict[str, Any] | None, bool]:
    """What a move does to the placements: the update of the current one (closed the day
    before `effective`, or corrected in place when it has not begun yet or began that same
    day, so no empty period is left) and whether a new one opens on `effective`."""
    if current is None:
        return None, True
    if effective <= current.valid_from:
        return {"id": current.id, **{n: getattr(employee, n) for n in PLACEMENT}}, False
    return {"id": current.id, "valid_to": effective - timedelta(days=1)}, True


def manager_field(pointer: str) -> FieldProblem:
    return field(pointer, "the manager is not an employee of this organisation")


def manager_outside_org(pointer: str) -> InvalidInput:
    return InvalidInput(
        "The manager is not an employee of this organisation.", errors=[manager_field(pointer)]
    )


# --- rows written by statement (bulk upserts): what record_audit / record_event would add --


def new_row(tenant: uuid.UUID, now: datetime) -> dict[str, Any]:
    """The columns every new tenant row has."""
    return {
        "tenant_id": tenant,
        "id": uuid.uuid4(),
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


def audit_row(
    tenant: uuid.UUID,
    identity: IdentityClaims,
    now: datetime,
    *,
    entity_type: str,
    entity_id: uuid.UUID,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    """An audit record's row, as `strata_kit.audit.record_audit` would write it."""
    return new_row(tenant, now) | {
        "entity_type": entity_type,
        "entity_id": entity_id,
        "action": action,
        "actor": identity.subject,
        "actor_employee_id": identity.employee_id,
        "reason": None,
        "before": before,
        "after": after,
        "occurred_at": now,
    }


def event_row(
    tenant: uuid.UUID, now: datetime, *, type: str, subject: str, data: dict[str, Any]
) -> dict[str, Any]:
    """An outbox row, as `strata_kit.outbox.record_event` would write it (`data` as JSON)."""
    return new_row(tenant, now) | {
        "type": type,
        "schema_version": 1,
        "subject": subject,
        "occurred_at": now,
        "data": data,
        "published_at": None,
        "attempts": 0,
        "next_attempt_at": None,
        "last_error": None,
    }
