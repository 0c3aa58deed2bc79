"""SCIM `/Bulk` (RFC 7644 §3.7): many operations in one request, in one transaction, each
in its own savepoint so an operation that fails stores nothing and the others stand.

How set-based it is (docs/scim.md, "/Bulk"): the request is checked as a whole first
(size, count, methods, paths, bulkIds), and the resources it updates or deletes, and their
employees and units, are read in one query each before any write (the operations then find
them in the session). The writes themselves go operation by operation through the same service calls
as the single-resource endpoints (the organisation service's audited create/update), so an
operation costs about what the same single request costs, minus its HTTP round trip and its
commit.
"""

import re
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from scim2_models import Context, Error, PatchOp

from strata_contracts.identity import IdentityClaims
from strata_goals.org.models import Employee, OrgUnit
from strata_goals.scim.bulk_users import ManagerFailed, NewUser, create_users, validated
from strata_goals.scim.exceptions import BodyNotJson, InvalidUserValue
from strata_goals.scim.repository import GROUP, USER, ScimRepository
from strata_goals.scim.schemas import (
    BASE_PATH,
    BULK_MAX_OPERATIONS,
    BULK_MAX_PAYLOAD,
    ScimGroup,
    ScimUser,
)
from strata_goals.scim.service import Work, scim_service

MAX_OPERATIONS = BULK_MAX_OPERATIONS
MAX_PAYLOAD_SIZE = BULK_MAX_PAYLOAD
"""Advertised in ServiceProviderConfig; a larger request answers 413."""
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
_PATH = re.compile(r"^/(Users|Groups)(?:/([^/]+))?$")
_BULK_ID = re.compile(r"^bulkId:(.+)$")


@dataclass
class Operation:
    index: int
    method: str
    path: str
    bulk_id: str | None
    version: str | None
    data: Any
    resource: str = ""
    target: str | None = None
    needs: set[str] = field(default_factory=set)


class TooLarge(Exception):
    def __init__(self, error: Error) -> None:
        self.error = error


def parse_request(body: dict[str, Any]) -> tuple[list[Operation], int | None]:
    """The operations and `failOnErrors` of a BulkRequest, checked as a whole."""
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or BULK_REQUEST not in schemas:
        raise BodyNotJson(detail=f"schemas: a Bulk request has {BULK_REQUEST}.")
    fail_on_errors = body.get("failOnErrors")
    if fail_on_errors is not None and (
        not isinstance(fail_on_errors, int)
        or isinstance(fail_on_errors, bool)
        or fail_on_errors < 1
    ):
        raise InvalidUserValue(detail="failOnErrors: a positive integer.")
    raw = body.get("Operations")
    if not isinstance(raw, list) or not raw:
        raise InvalidUserValue(detail="Operations: a non-empty list.")
    if len(raw) > MAX_OPERATIONS:
        raise TooLarge(
            Error(
                status=413,
                scim_type="tooMany",
                detail=f"Operations: at most {MAX_OPERATIONS} in one request (maxOperations).",
            )
        )
    operations, bulk_ids = [], set()
    for index, item in enumerate(raw):
        where = f"Operations[{index}]"
        if not isinstance(item, dict):
            raise InvalidUserValue(detail=f"{where}: an object.")
        method = str(item.get("method") or "").upper()
        if method not in ("POST", "PUT", "PATCH", "DELETE"):
            raise InvalidUserValue(detail=f"{where}.method: POST, PUT, PATCH or DELETE.")
        path = item.get("path")
        match = _PATH.match(path) if isinstance(path, str) else None
        if match is None:
            raise InvalidUserValue(detail=f"{where}.path: /Users, /Groups or /<type>/<id>.")
        if (method == "POST") != (match.group(2) is None):
            raise InvalidUserValue(
                detail=f"{where}.path: POST names the type, the others a resource."
            )
        bulk_id = item.get("bulkId")
        if bulk_id is not None and not isinstance(bulk_id, str):
            raise InvalidUserValue(detail=f"{where}.bulkId: a string.")
        if method == "POST" and not bulk_id:
            raise InvalidUserValue(detail=f"{where}.bulkId: required for POST (RFC 7644 §3.7).")
        if bulk_id and bulk_id in bulk_ids:
            raise InvalidUserValue(detail=f"{where}.bulkId: {bulk_id!r} is used twice.")
        if bulk_id:
            bulk_ids.add(bulk_id)
        data = item.get("data")
        if method != "DELETE" and not isinstance(data, dict):
            raise InvalidUserValue(detail=f"{where}.data: the resource or PatchOp, an object.")
        operation = Operation(
            index=index,
            method=method,
            path=path,  # type: ignore[arg-type]
            bulk_id=bulk_id,
            version=item.get("version") if isinstance(item.get("version"), str) else None,
            data=data,
            resource=match.group(1),
            target=match.group(2),
        )
        operation.needs = _references(data) | (
            {m.group(1)} if (m := _BULK_ID.match(operation.target or "")) else set()
        )
        operations.append(operation)
    unknown = {n for o in operations for n in o.needs} - bulk_ids
    if unknown:
        raise InvalidUserValue(detail=f"bulkId: no operation has {', '.join(sorted(unknown))}.")
    return operations, fail_on_errors


def _references(value: Any) -> set[str]:
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if match := _BULK_ID.match(item):
                found.add(match.group(1))
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _resolved(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        match = _BULK_ID.match(value)
        return ids[match.group(1)] if match else value
    if isinstance(value, dict):
        return {k: _resolved(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolved(v, ids) for v in value]
    return value


ErrorOf = Callable[[Exception], Error | None]


@dataclass
class Progress:
    """What the operations have done so far: the ids their bulkIds got, those that failed,
    each operation's answer and the count of errors."""

    ids: dict[str, str] = field(default_factory=dict)
    failed_ids: set[str] = field(default_factory=set)
    answers: dict[int, dict[str, Any]] = field(default_factory=dict)
    errors: int = 0

    def fail(self, operation: Operation, error: Error) -> None:
        self.answers[operation.index] = _failed(operation, error)
        self.errors += 1
        if operation.bulk_id:
            self.failed_ids.add(operation.bulk_id)


async def run_bulk(
    work: Work,
    identity: IdentityClaims,
    operations: list[Operation],
    fail_on_errors: int | None,
    error_of: ErrorOf,
    on_unexpected: Callable[[Exception], Coroutine[Any, Any, Error]],
) -> list[dict[str, Any]]:
    """Run the operations: the Users the request creates together first (set-based), then
    the rest one by one, those a bulkId refers to first; each answer as RFC 7644 §3.7.3."""
    repo = ScimRepository(work.session)
    await _preload(repo, operations)
    done = Progress()
    together = _together(operations)
    stopped: set[int] = set()
    if together:
        stopped = await _create_together(
            work, identity, together, fail_on_errors, done, error_of, on_unexpected
        )
    pending = [o for o in operations if o.index not in done.answers and o.index not in stopped]
    await _one_by_one(work, identity, pending, fail_on_errors, done, error_of, on_unexpected)
    return [done.answers[i] for i in sorted(done.answers)]


def _together(operations: list[Operation]) -> list[Operation]:
    """The POST /Users whose bulkId references all name other such POSTs, without a circle:
    these are created together."""
    candidates = [o for o in operations if o.method == "POST" and o.resource == "Users"]
    changed = True
    while changed:
        posted = {o.bulk_id for o in candidates}
        kept = [o for o in candidates if o.needs <= posted]
        changed, candidates = len(kept) != len(candidates), kept
    resolved: set[str] = set()
    ordered: list[Operation] = []
    while True:
        ready = [o for o in candidates if o not in ordered and o.needs <= resolved]
        if not ready:
            break
        ordered.extend(ready)
        resolved.update(o.bulk_id for o in ready if o.bulk_id)
    return sorted(ordered, key=lambda o: o.index)


async def _create_together(
    work: Work,
    identity: IdentityClaims,
    together: list[Operation],
    fail_on_errors: int | None,
    done: Progress,
    error_of: ErrorOf,
    on_unexpected: Callable[[Exception], Coroutine[Any, Any, Error]],
) -> set[int]:
    """Create the Users of `together` at once; answer each. Returns the operations left
    unprocessed because failOnErrors was reached."""
    planned = {o.bulk_id: uuid.uuid4() for o in together if o.bulk_id}
    names = {k: str(v) for k, v in planned.items()}
    users = [
        NewUser(o.index, planned[o.bulk_id], _resolved(o.data, names))
        for o in together
        if o.bulk_id
    ]
    outcomes = await create_users(work, identity, users, fail_on_errors)
    stopped: set[int] = set()
    for operation in together:
        if operation.index not in outcomes:
            stopped.add(operation.index)
            continue
        outcome = outcomes[operation.index]
        if outcome is None:
            continue  # run alone, below
        if isinstance(outcome, ManagerFailed):
            done.fail(operation, _refers_to_failed())
        elif isinstance(outcome, Exception):
            done.fail(operation, error_of(outcome) or await on_unexpected(outcome))
        else:
            assert operation.bulk_id is not None
            done.ids[operation.bulk_id] = str(planned[operation.bulk_id])
            done.answers[operation.index] = {
                "method": "POST",
                "bulkId": operation.bulk_id,
                "status": "201",
                "location": outcome.location,
                "version": outcome.version,
            }
    return stopped


def _refers_to_failed() -> Error:
    return Error(
        status=409,
        scim_type="invalidValue",
        detail="It refers to the bulkId of an operation that failed.",
    )


async def _one_by_one(
    work: Work,
    identity: IdentityClaims,
    pending: list[Operation],
    fail_on_errors: int | None,
    done: Progress,
    error_of: ErrorOf,
    on_unexpected: Callable[[Exception], Coroutine[Any, Any, Error]],
) -> None:
    """Each operation in its own savepoint, those a bulkId refers to first."""
    while pending and (fail_on_errors is None or done.errors < fail_on_errors):
        ids = done.ids
        ready = [o for o in pending if o.needs <= ids.keys() or o.needs & done.failed_ids]
        if not ready:  # circular references
            for operation in pending:
                done.fail(
                    operation,
                    Error(
                        status=409, scim_type="invalidValue", detail="Circular bulkId references."
                    ),
                )
            break
        for operation in ready:
            if fail_on_errors is not None and done.errors >= fail_on_errors:
                break
            pending.remove(operation)
            if operation.needs & done.failed_ids:
                done.fail(operation, _refers_to_failed())
                continue
            savepoint = await work.session.begin_nested()
            try:
                answer = await _apply(work, identity, operation, ids)
            except Exception as exc:  # every failure is this operation's answer
                await savepoint.rollback()
                done.fail(operation, error_of(exc) or await on_unexpected(exc))
                continue
            await savepoint.commit()
            done.answers[operation.index] = answer
            if operation.bulk_id and operation.method == "POST":
                ids[operation.bulk_id] = answer["location"].rsplit("/", 1)[-1]


async def _apply(
    work: Work, identity: IdentityClaims, operation: Operation, ids: dict[str, str]
) -> dict[str, Any]:
    data = _resolved(operation.data, ids)
    target = _resolved(operation.target, ids) if operation.target else None
    model: Any = ScimUser if operation.resource == "Users" else ScimGroup
    result: ScimUser | ScimGroup | None
    if operation.method == "POST":
        resource = validated(model, data, Context.RESOURCE_CREATION_REQUEST)
        if model is ScimUser:
            result = await scim_service.create_user(work, identity, resource)
        else:
            result = await scim_service.create_group(work, identity, resource)
        status = 201
    elif operation.method == "PUT":
        assert target is not None
        resource = validated(model, data, Context.RESOURCE_REPLACEMENT_REQUEST)
        replace = scim_service.replace_user if model is ScimUser else scim_service.replace_group
        result = await replace(work, identity, target, resource, operation.version)
        status = 200
    elif operation.method == "PATCH":
        assert target is not None
        from strata_goals.scim.endpoints import entra_patch_body

        body = entra_patch_body(data, model)
        patch = validated(PatchOp[model], body, Context.RESOURCE_PATCH_REQUEST)
        apply = scim_service.patch_user if model is ScimUser else scim_service.patch_group
        result = await apply(work, identity, target, patch, operation.version)
        status = 200
    else:
        assert target is not None
        remove = scim_service.delete_user if model is ScimUser else scim_service.delete_group
        await remove(work, identity, target, operation.version)
        result, status = None, 204
    answer: dict[str, Any] = {"method": operation.method, "status": str(status)}
    if operation.bulk_id:
        answer["bulkId"] = operation.bulk_id
    if result is not None and result.meta is not None:
        answer["location"] = result.meta.location
        answer["version"] = result.meta.version
    elif target is not None:
        answer["location"] = f"{BASE_PATH}/{operation.resource}/{target}"
    return answer


def _failed(operation: Operation, error: Error) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "method": operation.method,
        "status": str(error.status),
        "response": error.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE),
    }
    if operation.bulk_id:
        answer["bulkId"] = operation.bulk_id
    if operation.target and not _BULK_ID.match(operation.target):
        answer["location"] = f"{BASE_PATH}/{operation.resource}/{operation.target}"
    return answer


async def _preload(repo: ScimRepository, operations: list[Operation]) -> None:
    """Read every stored resource the operations name, and its employee or unit, in one
    query each: the operations then find them in the session (no read per operation)."""
    for resource_type, model in ((USER, Employee), (GROUP, OrgUnit)):
        path = "Users" if resource_type == USER else "Groups"
        ids = set()
        for operation in operations:
            if operation.resource == path and operation.target:
                try:
                    ids.add(uuid.UUID(operation.target))
                except ValueError:
                    continue
        rows = await repo.resources(resource_type, ids)
        await repo.by_ids(model, {row.target_id for row in rows.values()})
