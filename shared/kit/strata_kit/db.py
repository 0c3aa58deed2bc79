"""Database access shared by every service: engines, the per-request session, tenancy.

- `create_engine(url)`: SQLite (aiosqlite, WAL, foreign keys on) or PostgreSQL (asyncpg).
- `SessionDep`: one `AsyncSession` per request; commits when the endpoint returns,
  rolls back when it raises. Services `flush()`, never `commit()`.
- `TenantModel`: base of every tenant-owned table: `tenant_id` leads the primary key.
- Tenant guard: a session bound to a tenant adds `tenant_id = :tenant` to every ORM
  query on a `TenantModel` entity and stamps new rows with it, so no query can forget the
  tenant. A session with no tenant must say `cross_tenant=True` or it sees nothing.
  The rewrite is one option made once per tenant (`tenant_criteria`); the compiled SQL is
  cached per statement shape and shared by every tenant.
- `session_tenant(session)`: the session's tenant for Core statements and raw queries;
  raises `NoTenantError` when the session is bound to none (fails closed).
  Joined tables are kept inside the tenant by the schema: foreign keys are composite and
  lead with `tenant_id`, so a row can only reference rows of its own tenant.
"""

import functools
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, TypeDecorator, Uuid, column, event, text
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState, declared_attr, registry, with_loader_criteria
from sqlalchemy.orm.interfaces import ORMOption
from sqlmodel import Field, Session, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.identity import IdentityClaims

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
NO_TENANT = uuid.UUID(int=0)


def new_registry() -> registry:
    """A registry (and metadata) of one service's tables, with the naming convention."""
    return registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        # TypeDecorator reports `object`; cursor pagination needs the real type to turn a
        # cursor's ISO string back into a datetime before binding it.
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; Strata stores timezone-aware UTC only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TenantModel(SQLModel):
    """Columns every tenant-owned row has. Subclass through the service's own base.

    `version` is SQLAlchemy's version counter: every UPDATE is a compare-and-swap on it, so
    two writers who read the same version cannot both win (the loser's flush raises
    `StaleDataError`, answered 412). It is also the row's ETag (`strata_kit.concurrency`).
    """

    tenant_id: uuid.UUID = Field(primary_key=True)
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)
    # `onupdate` covers UPDATE statements (`update(Model).values(...)`), which bypass the
    # flush hook below; without it `updated_since` would miss their changes.
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_type=UtcDateTime,
        nullable=False,
        sa_column_kwargs={"onupdate": utcnow},
    )
    version: int = Field(
        default=1,
        nullable=False,
        # ORM flushes set the version themselves (compare-and-swap); a bulk UPDATE statement
        # that does not mention it still moves it, so ETags change with every write.
        sa_column_kwargs={"onupdate": text("version + 1")},
    )

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        table = getattr(cls, "__table__", None)
        return {"version_id_col": table.c.version} if table is not None else {}


class TenantSession(Session):
    """The sync session class behind every `AsyncSession`; carries the tenant guard."""


@event.listens_for(TenantSession, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    if state.session.info.get("read_only") and (
        state.is_insert or state.is_update or state.is_delete
    ):
        raise ReadOnlyRequestError("a GET or HEAD request cannot write")
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the parent query was scoped already
    if state.session.info.get("cross_tenant"):
        return
    state.statement = state.statement.options(
        tenant_criteria(state.session.info.get("tenant_id", NO_TENANT))
    )


@functools.lru_cache(maxsize=4096)
def tenant_criteria(tenant: uuid.UUID) -> ORMOption:
    """`tenant_id = :tenant` on every `TenantModel` entity a statement reads, wherever it
    reads it: the entities it returns, `select_from`, joins, WHERE and subqueries (the ORM
    applies the option at each SELECT it compiles), and ORM UPDATE/DELETE.

    One option per tenant, made once: nothing is built or walked per execute. The lambda
    makes `tenant` a bound parameter, so every tenant shares one cache key per statement
    shape and the compiled SQL is cached."""
    return with_loader_criteria(
        TenantModel,
        lambda entity: _tenant_column(entity) == tenant,
        include_aliases=True,
    )


_ANY_TENANT_COLUMN = column("tenant_id", Uuid())


def _tenant_column(entity: Any) -> Any:
    """`entity.tenant_id`. SQLAlchemy first calls the criterion once with `TenantModel`
    itself, to learn its shape; that class is not mapped, so it has no column yet, and a
    stand-in of the same type serves."""
    return getattr(entity, "tenant_id", _ANY_TENANT_COLUMN)


@event.listens_for(TenantSession, "before_flush")
def _stamp_tenant(session: Session, _ctx: Any, _instances: Any) -> None:
    if session.info.get("read_only") and (
        session.new or session.deleted or any(session.is_modified(o) for o in session.dirty)
    ):
        raise ReadOnlyRequestError("a GET or HEAD request cannot write")
    if session.info.get("cross_tenant"):
        return
    tenant = session.info.get("tenant_id", NO_TENANT)
    for obj in session.new:
        if isinstance(obj, TenantModel):
            if getattr(obj, "tenant_id", None) is None:
                obj.tenant_id = tenant
            elif obj.tenant_id != tenant:
                raise PermissionError("a row of another tenant cannot be written in this session")
        if isinstance(obj, TenantModel) and obj.tenant_id == NO_TENANT:
            raise PermissionError("a tenant-owned row needs a tenant-bound session")
    for obj in (*session.dirty, *session.deleted):
        # A row moved to another tenant, or another tenant's row attached to this session
        # (`session.add(detached_row)`), would otherwise be updated or deleted by id.
        if isinstance(obj, TenantModel) and obj.tenant_id != tenant:
            raise PermissionError("a row of another tenant cannot be written in this session")
    for obj in session.dirty:
        if isinstance(obj, TenantModel) and session.is_modified(obj):
            obj.updated_at = utcnow()


LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", ""})


def _connect_args(url: URL, ssl: str | None) -> dict[str, Any]:
    """asyncpg's `ssl` from settings. asyncpg defaults to `prefer`: every new connection
    first asks the server for TLS, a round trip (and a refusal) wasted on a local server."""
    if "ssl" in url.query or "sslmode" in url.query:
        return {}  # the URL says; it wins
    if ssl is None:
        ssl = "disable" if (url.host or "") in LOCAL_HOSTS else None
    return {"ssl": ssl} if ssl is not None else {}


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    pool_overflow: int | None = None,
    pre_ping: bool = False,
    echo: bool = False,
    ssl: str | None = None,
) -> AsyncEngine:
    """An async engine for `url` with the options Strata relies on.

    On PostgreSQL the pool does not ping a connection before lending it (`pre_ping`): the
    ping is a transaction of its own, three round trips before every request's first
    statement. A connection that died (server restart) fails its request with a
    disconnect instead; the error handler answers 503 (retryable) and SQLAlchemy discards
    every connection made before the failure, so the next requests get fresh ones.
    `ssl` is asyncpg's TLS mode; unset, none to a server on this host (see `_connect_args`).
    `pool_overflow` unset: as many overflow connections as `pool_size`."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            for pragma in (
                "PRAGMA foreign_keys=ON",
                "PRAGMA journal_mode=WAL",
                "PRAGMA synchronous=NORMAL",
                "PRAGMA busy_timeout=30000",
            ):
                cursor.execute(pragma)
            cursor.close()

        return engine
    parsed = make_url(url)
    return create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size if pool_overflow is None else pool_overflow,
        pool_pre_ping=pre_ping,
        connect_args=_connect_args(parsed, ssl),
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        engine,
        class_=AsyncSession,
        expire_on_commit=False,
        autoflush=False,
        sync_session_class=TenantSession,
    )


def bind_tenant(session: AsyncSession, tenant_id: uuid.UUID | None) -> AsyncSession:
    """Scope `session` to one tenant (None: a session that sees no tenant's rows)."""
    session.info["tenant_id"] = tenant_id or NO_TENANT
    return session


class NoTenantError(PermissionError):
    """Code that needs the session's tenant ran in a session bound to none."""


def session_tenant(session: AsyncSession | Session) -> uuid.UUID:
    """The tenant `session` is bound to, for what the tenant guard does not rewrite (Core
    statements, raw driver queries) and for rows written by hand. Fails closed: a session
    bound to no tenant raises `NoTenantError` (a `PermissionError`) instead of answering a
    tenant that matches nothing, and it is a real check, not an `assert` that `python -O`
    strips."""
    tenant = session.info.get("tenant_id")
    if not isinstance(tenant, uuid.UUID) or tenant == NO_TENANT:
        raise NoTenantError("this needs a tenant-bound session")
    return tenant


def allow_cross_tenant(session: AsyncSession) -> AsyncSession:
    """For system work that must see every tenant (relays, migrations). Never per request."""
    session.info["cross_tenant"] = True
    return session


READ_ONLY_METHODS = frozenset({"GET", "HEAD"})


class ReadOnlyRequestError(RuntimeError):
    """A GET or HEAD tried to write: its session has no transaction to hold the write."""


def _autocommit_bind(engine: AsyncEngine) -> AsyncEngine:
    """`engine` in autocommit, sharing its pool: no BEGIN before and no COMMIT after a
    request's reads, so one SELECT is one round trip. Cached on the engine (one per engine)."""
    sync = engine.sync_engine
    bind: AsyncEngine | None = sync.__dict__.get("_strata_autocommit")
    if bind is None:
        bind = engine.execution_options(isolation_level="AUTOCOMMIT")
        sync.__dict__["_strata_autocommit"] = bind
    return bind


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's session, bound to the caller's tenant. Commit on success.

    A GET or HEAD never writes (HTTP safe methods): on PostgreSQL its session runs in
    autocommit, each SELECT a round trip of its own with no BEGIN/COMMIT around it; a write
    attempted in it raises `ReadOnlyRequestError` on every backend, so it is caught in tests.
    Other methods keep one transaction, committed before the response is sent."""
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    identity = request.scope.get("state", {}).get("identity")
    read_only = request.method in READ_ONLY_METHODS
    engine: AsyncEngine = maker.kw["bind"]
    if read_only and engine.dialect.name == "postgresql":
        opened = maker(bind=_autocommit_bind(engine))
    else:
        opened = maker()
    async with opened as session:
        bind_tenant(session, identity.tenant_id if isinstance(identity, IdentityClaims) else None)
        if read_only:
            session.info["read_only"] = True
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        for flag, runner in (("events_recorded", "relay"), ("jobs_submitted", "jobs")):
            if session.info.get(flag) and (target := getattr(request.app.state, runner, None)):
                target.wake()


# scope="function": commit (or roll back) when the endpoint returns, before the response is
# sent. With FastAPI's default scope the commit ran after the client already had its 2xx, so
# a write refused at commit (a constraint checked on flush) was acknowledged yet not stored.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
