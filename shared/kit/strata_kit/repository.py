"""The repository base: the queries every aggregate root needs, written once.

A domain's repository subclasses `Repository[Thing]` and adds its own queries::

    class CampaignRepository(Repository[Campaign]):
        model = Campaign

        async def ratees(self, campaign_id: UUID) -> Sequence[CampaignRatee]: ...

The session is bound to the caller's tenant (`strata_kit.db`): every ORM query on a
`TenantModel` gets `tenant_id = :caller`, so `get` answers None for another tenant's id (the
route answers 404) and `page` lists the caller's rows only, with no extra code here.
Repositories never commit: the request owns the transaction."""

from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Generic, Self, TypeVar
from uuid import UUID

from pydantic import BaseModel
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from strata_contracts.pagination import Page
from strata_kit.db import TenantModel
from strata_kit.pagination import PageParams, paginate

M = TypeVar("M", bound=TenantModel)
Item = TypeVar("Item", bound=BaseModel)


class Repository(Generic[M]):
    """get / get_many / add / page of one table, tenant-scoped by the session."""

    model: ClassVar[type[Any]]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> Self:
        return cls(session)

    def statement(self) -> SelectOfScalar[M]:
        """Every row of the table the caller may see (the session adds the tenant)."""
        return select(self.model)

    async def get(self, row_id: UUID, *, for_update: bool = False) -> M | None:
        """One row by id, or None; `for_update` holds the row until the transaction ends
        (PostgreSQL), so two concurrent writes of one row cannot both pass their checks."""
        statement = self.statement().where(col(self.model.id) == row_id)
        if for_update:
            statement = statement.with_for_update()
        return (await self.session.exec(statement)).first()

    async def get_many(self, row_ids: Iterable[UUID]) -> dict[UUID, M]:
        """The rows of these ids that exist, by id."""
        wanted = set(row_ids)
        if not wanted:
            return {}
        rows = await self.session.exec(self.statement().where(col(self.model.id).in_(wanted)))
        return {row.id: row for row in rows.all()}

    def add(self, *rows: TenantModel) -> None:
        """Stage new or changed rows of the aggregate (the root's or what only it owns);
        `flush()` when an id or a constraint check is needed."""
        self.session.add_all(rows)

    async def flush(self) -> None:
        await self.session.flush()

    async def page(
        self,
        params: PageParams,
        to_item: Callable[[M], Item],
        statement: SelectOfScalar[M] | None = None,
    ) -> Page[Item]:
        """One page of `statement` (default: every row) in a stable order, oldest change
        first, honouring `updated_since`: what incremental sync reads."""
        return await paginate(
            self.session,
            statement if statement is not None else self.statement(),
            sort=col(self.model.updated_at),
            id_column=col(self.model.id),
            params=params,
            to_item=to_item,
            updated_column=col(self.model.updated_at),
        )
