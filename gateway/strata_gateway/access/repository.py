import uuid
from collections.abc import Callable

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.gateway import ApiKeyRead
from strata_contracts.pagination import Page
from strata_gateway.models import ApiKey, Tenant
from strata_kit.pagination import PageParams, paginate


class AccessRepository:
    """Every query on tenants and keys."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_tenant(self, tenant_id: uuid.UUID) -> Tenant | None:
        return await self.session.get(Tenant, tenant_id)

    async def tenant_language(self, tenant_id: uuid.UUID) -> str | None:
        query = select(Tenant.default_language).where(Tenant.id == tenant_id)
        return (await self.session.exec(query)).first()

    async def list_tenants(self) -> list[Tenant]:
        return list(
            (await self.session.exec(select(Tenant).order_by(col(Tenant.created_at)))).all()
        )

    async def get_key(self, key_id: uuid.UUID) -> ApiKey | None:
        return (await self.session.exec(select(ApiKey).where(ApiKey.id == key_id))).first()

    async def key_by_prefix(self, prefix: str) -> ApiKey | None:
        """Look a key up by its public prefix (needs a cross-tenant session)."""
        return (await self.session.exec(select(ApiKey).where(ApiKey.prefix == prefix))).first()

    async def all_keys(self) -> list[ApiKey]:
        return list(
            (await self.session.exec(select(ApiKey).order_by(col(ApiKey.created_at)))).all()
        )

    async def page_keys(
        self, params: PageParams, to_item: Callable[[ApiKey], ApiKeyRead]
    ) -> Page[ApiKeyRead]:
        return await paginate(
            self.session,
            select(ApiKey),
            sort=col(ApiKey.created_at),
            id_column=col(ApiKey.id),
            params=params,
            to_item=to_item,
            updated_column=col(ApiKey.updated_at),
        )

    def add(self, row: Tenant | ApiKey) -> None:
        self.session.add(row)
