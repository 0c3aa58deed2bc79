"""A tiny service built only from the kit, so the kit's tests exercise it the way services do.

Loaded by `conftest.py` under the name `kittest_service` (test folders are not packages), and
imported by name from the tests and from `migrations/env.py`.
"""

import uuid
from datetime import datetime
from typing import Annotated, Any, ClassVar

from fastapi import APIRouter, Depends, FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import SettingsConfigDict
from sqlalchemy import ForeignKeyConstraint, UniqueConstraint, func
from sqlmodel import Field as SQLField
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.identity import Role
from strata_contracts.pagination import Page
from strata_kit.app import create_service_app
from strata_kit.audit import AuditFields, record_audit, snapshot
from strata_kit.db import SessionDep, TenantModel, new_registry
from strata_kit.errors import AppError, NotFound
from strata_kit.identity import TenantCaller, TenantIdentity, require_roles
from strata_kit.logging import get_logger
from strata_kit.outbox import OutboxFields, record_event
from strata_kit.pagination import PageParams, page_params, paginate
from strata_kit.settings import KitSettings

log = get_logger("kittest")
registry = new_registry()
metadata = registry.metadata


class KitTestSettings(KitSettings):
    """Settings of the test service (environment prefix `KITTEST_`)."""

    model_config = SettingsConfigDict(env_prefix="KITTEST_", extra="ignore")

    service_name: ClassVar[str] = "kittest"
    port: int = 8099


# --- tables -------------------------------------------------------------------------------


class KitTestModel(TenantModel, registry=registry):
    """Base of the test service's tenant-owned tables."""


class Widget(KitTestModel, table=True):
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: str = SQLField(max_length=100)
    quantity: int = 0


class Part(KitTestModel, table=True):
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "widget_id"], ["widget.tenant_id", "widget.id"]),
    )

    widget_id: uuid.UUID
    label: str = SQLField(max_length=100)


class AuditRecord(AuditFields, KitTestModel, table=True):
    __tablename__ = "audit_record"


class OutboxEvent(OutboxFields, KitTestModel, table=True):
    __tablename__ = "outbox_event"


# --- contracts ----------------------------------------------------------------------------


class WidgetCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    quantity: int = Field(default=0, ge=0)


class WidgetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    quantity: int
    created_at: datetime
    updated_at: datetime


class WidgetCreated(BaseModel):
    widget_id: uuid.UUID
    name: str


class WidgetLocked(AppError):
    status = 423
    title = "Widget locked"
    slug = "widget-locked"


class Boom(RuntimeError):
    """An error no handler knows: it must leave as a bare 500."""


SECRET_IN_ERROR = "db password is hunter2"


# --- factories ----------------------------------------------------------------------------


async def create_widget(
    session: AsyncSession,
    *,
    name: str | None = None,
    quantity: int = 0,
    tenant_id: uuid.UUID | None = None,
    created_at: datetime | None = None,
    updated_at: datetime | None = None,
) -> Widget:
    """Add a widget and flush it (the session's tenant stamps it unless `tenant_id`)."""
    values: dict[str, Any] = {
        "name": name or f"widget-{uuid.uuid4().hex[:8]}",
        "quantity": quantity,
    }
    if tenant_id is not None:
        values["tenant_id"] = tenant_id
    if created_at is not None:
        values["created_at"] = created_at
    if updated_at is not None:
        values["updated_at"] = updated_at
    widget = Widget(**values)
    session.add(widget)
    await session.flush()
    return widget


# --- endpoints ----------------------------------------------------------------------------

router = APIRouter(prefix="/api/v1/kittest", tags=["widgets"])


async def _add_widget(
    session: AsyncSession, identity: TenantIdentity, body: WidgetCreate
) -> Widget:
    widget = Widget(name=body.name, quantity=body.quantity)
    session.add(widget)
    await record_audit(
        session,
        AuditRecord,
        identity=identity,
        entity_type="widget",
        entity_id=widget.id,
        action="created",
        after=snapshot(widget),
    )
    await record_event(
        session,
        OutboxEvent,
        type="kittest.widget.created",
        subject=f"widget/{widget.id}",
        data=WidgetCreated(widget_id=widget.id, name=widget.name),
    )
    log.info("widget.created", widget_id=str(widget.id))
    return widget


@router.post("/widgets", status_code=201, response_model=WidgetRead)
async def create_widget_endpoint(
    body: WidgetCreate,
    session: SessionDep,
    identity: TenantCaller,
    dry_run: Annotated[bool, Query()] = False,
) -> Widget:
    """Create a widget, with its audit record and event (nothing flushed before commit)."""
    return await _add_widget(session, identity, body)


@router.post("/widgets/then-fail", status_code=201)
async def create_then_fail(body: WidgetCreate, session: SessionDep, identity: TenantCaller) -> None:
    """Write a widget (flushed), its audit record and event, then refuse."""
    await _add_widget(session, identity, body)
    await session.flush()
    raise WidgetLocked("Widgets are locked today.", widget_name=body.name)


@router.post("/widgets/pair", status_code=201, response_model=list[WidgetRead])
async def create_pair(
    first: Annotated[str, Query()],
    second: Annotated[str, Query()],
    session: SessionDep,
    identity: TenantCaller,
) -> list[Widget]:
    """Two writes in one request, each flushed: they stand or fall together."""
    one = await _add_widget(session, identity, WidgetCreate(name=first))
    await session.flush()
    two = await _add_widget(session, identity, WidgetCreate(name=second))
    await session.flush()
    return [one, two]


@router.get("/widgets", response_model=Page[WidgetRead])
async def list_widgets(
    session: SessionDep,
    identity: TenantCaller,
    params: Annotated[PageParams, Depends(page_params)],
) -> Page[WidgetRead]:
    """The caller's widgets, oldest first."""
    return await paginate(
        session,
        select(Widget),
        sort=Widget.created_at,
        id_column=Widget.id,
        params=params,
        to_item=WidgetRead.model_validate,
        updated_column=Widget.updated_at,
    )


@router.get("/widgets/count")
async def count_widgets(session: SessionDep, identity: TenantCaller) -> dict[str, int]:
    """How many widgets the caller's tenant has."""
    total = (await session.exec(select(func.count()).select_from(Widget))).one()
    return {"count": total}


@router.get("/widgets/{widget_id}", response_model=WidgetRead)
async def read_widget(widget_id: uuid.UUID, session: SessionDep, identity: TenantCaller) -> Widget:
    """One widget of the caller's tenant."""
    widget = (await session.exec(select(Widget).where(Widget.id == widget_id))).first()
    if widget is None:
        raise NotFound("No such widget.")
    return widget


@router.delete(
    "/widgets/{widget_id}",
    status_code=204,
    dependencies=[require_roles(Role.HR, Role.ADMIN)],
)
async def delete_widget(widget_id: uuid.UUID, session: SessionDep) -> None:
    """Delete a widget (HR and admins only)."""
    widget = (await session.exec(select(Widget).where(Widget.id == widget_id))).first()
    if widget is None:
        raise NotFound("No such widget.")
    await session.delete(widget)


@router.get("/boom")
async def boom(identity: TenantCaller) -> None:
    """Fail the way a bug does."""
    raise Boom(SECRET_IN_ERROR)


def create_app(settings: KitTestSettings) -> FastAPI:
    return create_service_app(
        settings,
        title="Kit test service",
        description="A service made only of kit parts, for the kit's own tests.",
        routers=[router],
    )
