"""The audit trail: who changed what, when, from what to what, and why.

Every service declares one table, `class AuditRecord(AuditFields, <Service>Model, table=True)`,
and writes through `record_audit(...)` in the same transaction as the change, so a change
and its audit record commit or roll back together. Nothing is ever updated in place.

`audit_router(service, AuditRecord)` is the read side every service mounts: HR and admins
page through the trail at `GET /api/v1/<service>/audit`, filtered by object, actor, action
and time.
"""

import uuid
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.audit import AuditRecordRead
from strata_contracts.identity import IdentityClaims, Role
from strata_contracts.pagination import Page
from strata_contracts.problem import FieldProblem
from strata_kit.db import SessionDep, UtcDateTime, utcnow
from strata_kit.errors import InvalidInput, NotFound
from strata_kit.identity import TenantIdentity, require_roles
from strata_kit.pagination import IsoDateTime, PageParams, page_params, paginate
from strata_kit.problems import ProblemResponses


class AuditFields(SQLModel):
    """Columns of an audit record."""

    entity_type: str = Field(max_length=64, index=True)
    entity_id: uuid.UUID = Field(index=True)
    action: str = Field(max_length=64)
    actor: str = Field(max_length=200, description="Subject of the caller.")
    actor_employee_id: uuid.UUID | None = None
    reason: str | None = Field(default=None, max_length=2000)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)


A = TypeVar("A", bound=AuditFields)


def snapshot(
    obj: SQLModel | BaseModel | None, *, exclude: set[str] | None = None
) -> dict[str, Any] | None:
    """A JSON-safe picture of `obj` for `before`/`after`."""
    if obj is None:
        return None
    return obj.model_dump(mode="json", exclude=(exclude or set()) | {"tenant_id"})


async def record_audit(
    session: AsyncSession,
    table: type[A],
    *,
    identity: IdentityClaims,
    entity_type: str,
    entity_id: uuid.UUID,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> A:
    """Add an audit record to the session (flushed with the change it describes)."""
    record = table(
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        actor=identity.subject,
        actor_employee_id=identity.employee_id,
        reason=reason,
        before=before,
        after=after,
    )
    session.add(record)
    return record


# The read side: every service mounts the same endpoints on its own audit table.

AUDIT_ROLES = (Role.HR, Role.ADMIN)


def _aware(name: str, value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise InvalidInput(
            f"{name} needs a timezone.",
            errors=[FieldProblem(pointer=f"/query/{name}", detail="needs a UTC offset")],
        )
    return value


def audit_statement(
    table: type[Any],
    *,
    entity_type: str | None = None,
    entity_id: uuid.UUID | None = None,
    actor: str | None = None,
    actor_employee_id: uuid.UUID | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Any:
    """The audit records of `table` that match every filter given (`until` exclusive)."""
    statement = select(table)
    for column, value in (
        (table.entity_type, entity_type),
        (table.entity_id, entity_id),
        (table.actor, actor),
        (table.actor_employee_id, actor_employee_id),
        (table.action, action),
    ):
        if value is not None:
            statement = statement.where(col(column) == value)
    if since is not None:
        statement = statement.where(col(table.occurred_at) >= since)
    if until is not None:
        statement = statement.where(col(table.occurred_at) < until)
    return statement


def audit_router(service: str, table: type[Any]) -> APIRouter:
    """`GET /api/v1/<service>/audit` and `/audit/{record_id}` on the service's audit table:
    HR and admins only (403 for anyone else); another tenant's record is 404."""
    router = APIRouter(prefix=f"/api/v1/{service}/audit", tags=["audit"])
    Reader = Annotated[TenantIdentity, require_roles(*AUDIT_ROLES)]
    errors = ProblemResponses(
        always=(401, 403, 422),
        descriptions={
            401: "No verified identity.",
            403: "Needs the hr or admin role.",
            422: "A bad filter or cursor; `errors` names it.",
            404: "No such record here.",
        },
    )

    @router.get("", response_model=Page[AuditRecordRead], responses=errors())
    async def list_audit_records(
        session: SessionDep,
        _: Reader,
        params: Annotated[PageParams, Depends(page_params)],
        entity_type: Annotated[
            str | None, Query(max_length=64, description="The kind of object changed.")
        ] = None,
        entity_id: Annotated[uuid.UUID | None, Query(description="The object changed.")] = None,
        actor: Annotated[
            str | None, Query(max_length=200, description="The caller's subject.")
        ] = None,
        actor_employee_id: Annotated[
            uuid.UUID | None, Query(description="The employee who made the change.")
        ] = None,
        action: Annotated[str | None, Query(max_length=64)] = None,
        since: Annotated[
            IsoDateTime | None, Query(description="At or after (with offset).")
        ] = None,
        until: Annotated[IsoDateTime | None, Query(description="Before (with offset).")] = None,
    ) -> Page[AuditRecordRead]:
        """The audit trail, oldest first, filtered by object, actor, action or time."""
        statement = audit_statement(
            table,
            entity_type=entity_type,
            entity_id=entity_id,
            actor=actor,
            actor_employee_id=actor_employee_id,
            action=action,
            since=_aware("since", since),
            until=_aware("until", until),
        )
        return await paginate(
            session,
            statement,
            sort=col(table.created_at),
            id_column=col(table.id),
            params=params,
            to_item=AuditRecordRead.model_validate,
            updated_column=col(table.updated_at),
        )

    @router.get(
        "/{record_id}",
        response_model=AuditRecordRead,
        responses=errors(404),
    )
    async def get_audit_record(
        session: SessionDep, _: Reader, record_id: uuid.UUID
    ) -> AuditRecordRead:
        """One audit record."""
        record = (await session.exec(select(table).where(col(table.id) == record_id))).first()
        if record is None:
            raise NotFound("No such audit record.")
        return AuditRecordRead.model_validate(record)

    return router
