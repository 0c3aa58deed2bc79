"""Query helpers shared by the repositories: the session's tenant (for the few Core queries,
such as recursive CTEs, that the ORM tenant guard does not rewrite), `IN` lists in chunks,
and the one page ordering every list uses."""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, bindparam
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.pagination import Page
from strata_kit.db import TenantModel, utcnow
from strata_kit.db import session_tenant as session_tenant  # the kit's, fails closed
from strata_kit.pagination import PageParams, paginate

T = TypeVar("T")
Item = TypeVar("Item", bound=BaseModel)
IN_CHUNK = 5000
"""Values per `IN (...)` list: well under SQLite's and asyncpg's bound-parameter limits."""


def chunks(values: Iterable[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    """`values` in lists of at most `size`, for `IN (...)` queries over large sets."""
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


async def page_of(
    session: AsyncSession,
    statement: Select[Any],
    model: type[TenantModel],
    params: PageParams,
    to_item: Callable[[Any], Item],
) -> Page[Item]:
    """One page of `statement` over `model`, oldest first (ties broken by id), with
    `updated_since` on `updated_at`."""
    table = model.__table__  # type: ignore[attr-defined]
    return await paginate(
        session,
        statement,
        sort=table.c.created_at,
        id_column=table.c.id,
        params=params,
        to_item=to_item,
        updated_column=table.c.updated_at,
    )


M = TypeVar("M", bound=TenantModel)


def add_row(session: AsyncSession, model: type[M], **values: Any) -> M:
    """A new row of the session's tenant, added to the session (flushed with the rest)."""
    row = model(tenant_id=session_tenant(session), **values)
    session.add(row)
    return row


async def update_rows(
    session: AsyncSession, model: type[TenantModel], rows: Sequence[Mapping[str, Any]]
) -> None:
    """UPDATE many rows of `model` by id, one statement per set of columns (executemany:
    one round trip, not one per row). Each row's `version` moves on and `updated_at` is
    now, as an ORM flush would do; the ORM objects of these rows must not be flushed too."""
    table = model.__table__  # type: ignore[attr-defined]
    tenant = session_tenant(session)
    now = utcnow()
    groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(k for k in row if k != "id")), []).append(row)
    for columns, group in groups.items():
        statement = (
            table.update()
            .where(table.c.tenant_id == bindparam("p_tenant"), table.c.id == bindparam("p_id"))
            .values(
                {c: bindparam(f"p_{c}") for c in columns}
                | {"version": table.c.version + 1, "updated_at": bindparam("p_now")}
            )
        )
        params = [
            {"p_tenant": tenant, "p_id": row["id"], "p_now": now}
            | {f"p_{c}": row[c] for c in columns}
            for row in group
        ]
        await session.exec(statement, params=params)
