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

from pydantic import ValidationError
from scim2_models import Context, Error, PatchOp

from strata_contracts.identity import IdentityClaims
from strata_goals.org.models import Employee, OrgUnit
from strata_goals.scim.exceptions import BodyNotJson, InvalidUserValue
from strata_goals.scim.repository import GROUP, USER, ScimRepository
from strata_goals.scim.schemas import (
    BASE_PATH,
    BULK_MAX_OPERATIONS,
    BULK_MAX_PAYLOAD,
    POLICY,
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


async def run_bulk(
    work: Work,
    identity: IdentityClaims,
    operations: list[Operation],
    fail_on_errors: int | None,
    error_of: ErrorOf,
    on_unexpected: Callable[[Exception], Coroutine[Any, Any, Error]],
) -> list[dict[str, Any]]:
    """Run the operations, those a bulkId refers to first; each answer as RFC 7644 §3.7.3."""
    repo = ScimRepository(work.session)
    await _preload(repo, operations)
    ids: dict[str, str] = {}
    failed_ids: set[str] = set()
    answers: dict[int, dict[str, Any]] = {}
    errors = 0
    pending = list(operations)
    while pending and (fail_on_errors is None or errors < fail_on_errors):
        ready = [o for o in pending if o.needs <= ids.keys() or o.needs & failed_ids]
        if not ready:  # circular references
            for operation in pending:
                answers[operation.index] = _failed(
                    operation,
                    Error(
                        status=409, scim_type="invalidValue", detail="Circular bulkId references."
                    ),
                )
                errors += 1
            break
        for operation in ready:
            if fail_on_errors is not None and errors >= fail_on_errors:
                break
            pending.remove(operation)
            if operation.needs & failed_ids:
                answers[operation.index] = _failed(
                    operation,
                    Error(
                        status=409,
                        scim_type="invalidValue",
                        detail="It refers to the bulkId of an operation that failed.",
                    ),
                )
                errors += 1
                if operation.bulk_id:
                    failed_ids.add(operation.bulk_id)
                continue
            savepoint = await work.session.begin_nested()
            try:
                answer = await _apply(work, identity, operation, ids)
            except Exception as exc:  # every failure is this operation's answer
                await savepoint.rollback()
                error = error_of(exc) or await on_unexpected(exc)
                answers[operation.index] = _failed(operation, error)
                errors += 1
                if operation.bulk_id:
                    failed_ids.add(operation.bulk_id)
                continue
            await savepoint.commit()
            answers[operation.index] = answer
            if operation.bulk_id and operation.method == "POST":
                ids[operation.bulk_id] = answer["location"].rsplit("/", 1)[-1]
    return [answers[i] for i in sorted(answers)]


async def _apply(
    work: Work, identity: IdentityClaims, operation: Operation, ids: dict[str, str]
) -> dict[str, Any]:
    data = _resolved(operation.data, ids)
    target = _resolved(operation.target, ids) if operation.target else None
    model: Any = ScimUser if operation.resource == "Users" else ScimGroup
    result: ScimUser | ScimGroup | None
    if operation.method == "POST":
        resource = _validated(model, data, Context.RESOURCE_CREATION_REQUEST)
        if model is ScimUser:
            result = await scim_service.create_user(work, identity, resource)
        else:
            result = await scim_service.create_group(work, identity, resource)
        status = 201
    elif operation.method == "PUT":
        assert target is not None
        resource = _validated(model, data, Context.RESOURCE_REPLACEMENT_REQUEST)
        replace = scim_service.replace_user if model is ScimUser else scim_service.replace_group
        result = await replace(work, identity, target, resource, operation.version)
        status = 200
    elif operation.method == "PATCH":
        assert target is not None
        from strata_goals.scim.endpoints import entra_patch_body

        body = entra_patch_body(data, model)
        patch = _validated(PatchOp[model], body, Context.RESOURCE_PATCH_REQUEST)
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


def _validated(model: Any, data: Any, context: Context) -> Any:
    try:
        return model.model_validate(data, scim_ctx=context, scim_policy=POLICY)
    except ValidationError:
        raise
    except RecursionError as exc:
        raise BodyNotJson(detail="The data nests too deeply.") from exc


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
