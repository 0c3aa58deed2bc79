"""Tenants and API keys: creation, listing, revocation, and verification of presented keys.

A key reads `strata_<prefix>_<secret>`: the prefix (8 hex) finds the row, the SHA-256 of
the whole key must match the stored hash. Keys carry 256 bits of randomness, so a plain
fast hash is the right tool (a slow password hash would only slow every request).
"""

import hashlib
import hmac
import secrets
import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.client import ApiError, ServiceUnavailable
from strata_contracts.gateway import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    Language,
    TenantCreated,
    TenantRead,
    TenantUpdate,
)
from strata_contracts.goals.client import GoalsClient
from strata_contracts.identity import IdentityClaims, Role
from strata_contracts.pagination import Page
from strata_gateway.access.exceptions import ApiKeyNotFound, TenantNotFound
from strata_gateway.access.repository import AccessRepository
from strata_gateway.models import ApiKey, Tenant
from strata_kit.db import utcnow
from strata_kit.errors import InvalidInput, UpstreamUnavailable, field
from strata_kit.logging import get_logger
from strata_kit.pagination import PageParams

KEY_PREFIX = "strata_"
log = get_logger(__name__)


async def ensure_employee(directory: GoalsClient, employee_id: uuid.UUID) -> None:
    """The employee exists in the caller's tenant (goals answers 404 for another's)."""
    try:
        await directory.get_employee(employee_id)
    except ServiceUnavailable as exc:
        raise UpstreamUnavailable(
            "The goals service cannot be reached to check employee_id; retry shortly."
        ) from exc
    except ApiError as exc:
        if exc.status == 404:
            raise InvalidInput(
                "employee_id is not an employee of this tenant.",
                errors=[field("employee_id", "no such employee in this tenant")],
            ) from exc
        raise UpstreamUnavailable("The goals service could not check employee_id.") from exc


def hash_key(full_key: str) -> str:
    return hashlib.sha256(full_key.encode()).hexdigest()


def split_key(full_key: str) -> str | None:
    """The lookup prefix of a well-formed key, else None."""
    if not full_key.startswith(KEY_PREFIX):
        return None
    prefix, _, secret = full_key[len(KEY_PREFIX) :].partition("_")
    if len(prefix) != 8 or not secret:
        return None
    return prefix


def key_read(key: ApiKey) -> ApiKeyRead:
    return ApiKeyRead(
        id=key.id,
        tenant_id=key.tenant_id,
        name=key.name,
        prefix=f"{KEY_PREFIX}{key.prefix}",
        roles=[Role(r) for r in key.roles],
        employee_id=key.employee_id,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
    )


class AccessService:
    async def create_tenant(
        self, session: AsyncSession, name: str, default_language: Language = "en"
    ) -> TenantCreated:
        """A tenant and its first admin key (shown once)."""
        tenant = Tenant(name=name, default_language=default_language)
        AccessRepository(session).add(tenant)
        await session.flush()
        session.info["tenant_id"] = tenant.id
        admin = await self.create_key(
            session, tenant.id, ApiKeyCreate(name="initial admin key", roles=[Role.ADMIN])
        )
        log.info("tenant.created", tenant_id=str(tenant.id))
        return TenantCreated(tenant=tenant_read(tenant), admin_key=admin)

    async def get_tenant(self, session: AsyncSession, tenant_id: uuid.UUID) -> TenantRead:
        tenant = await AccessRepository(session).get_tenant(tenant_id)
        if tenant is None:
            raise TenantNotFound()
        return tenant_read(tenant)

    async def update_tenant(
        self, session: AsyncSession, tenant_id: uuid.UUID, data: TenantUpdate
    ) -> TenantRead:
        """Change what an admin may change on the tenant: its default language."""
        tenant = await AccessRepository(session).get_tenant(tenant_id)
        if tenant is None:
            raise TenantNotFound()
        if tenant.default_language != data.default_language:
            log.info(
                "tenant.language_changed",
                tenant_id=str(tenant.id),
                old=tenant.default_language,
                new=data.default_language,
            )
            tenant.default_language = data.default_language
            session.add(tenant)
            await session.flush()
        return tenant_read(tenant)

    async def default_language(self, session: AsyncSession, tenant_id: uuid.UUID) -> Language:
        """The tenant's default language; English for a tenant the gateway does not hold
        (a JWT's tenant claim need not name one)."""
        stored = await AccessRepository(session).tenant_language(tenant_id)
        return "zh-CN" if stored == "zh-CN" else "en"

    async def list_tenants(self, session: AsyncSession) -> list[TenantRead]:
        return [tenant_read(t) for t in await AccessRepository(session).list_tenants()]

    async def create_key(
        self,
        session: AsyncSession,
        tenant_id: uuid.UUID,
        data: ApiKeyCreate,
        *,
        directory: GoalsClient | None = None,
    ) -> ApiKeyCreated:
        """A new key. With `directory` (the goals API as the caller), a person key's
        `employee_id` must be an employee of the tenant (422 otherwise): a key bound to
        nobody would act as no one."""
        repo = AccessRepository(session)
        if await repo.get_tenant(tenant_id) is None:
            raise TenantNotFound()
        if data.employee_id is not None and directory is not None:
            await ensure_employee(directory, data.employee_id)
        prefix = secrets.token_hex(4)
        full_key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        key = ApiKey(
            tenant_id=tenant_id,
            name=data.name,
            prefix=prefix,
            secret_hash=hash_key(full_key),
            roles=sorted({r.value for r in data.roles}),
            employee_id=data.employee_id,
        )
        repo.add(key)
        await session.flush()
        log.info("api_key.created", key_id=str(key.id), roles=key.roles)
        return ApiKeyCreated(**key_read(key).model_dump(), secret=full_key)

    async def list_all_keys(self, session: AsyncSession) -> list[ApiKeyRead]:
        return [key_read(k) for k in await AccessRepository(session).all_keys()]

    async def list_keys(self, session: AsyncSession, params: PageParams) -> Page[ApiKeyRead]:
        return await AccessRepository(session).page_keys(params, key_read)

    async def revoke_key(self, session: AsyncSession, key_id: uuid.UUID) -> ApiKeyRead:
        key = await AccessRepository(session).get_key(key_id)
        if key is None:
            raise ApiKeyNotFound()
        if key.revoked_at is None:
            key.revoked_at = utcnow()
            session.add(key)
            await session.flush()
            log.info("api_key.revoked", key_id=str(key.id))
        return key_read(key)

    async def verify_key(self, session: AsyncSession, full_key: str) -> IdentityClaims | None:
        """The identity a presented key grants, or None (unknown, wrong or revoked).

        `session` must be cross-tenant: the key is what tells the tenant.
        """
        prefix = split_key(full_key)
        if prefix is None:
            return None
        key = await AccessRepository(session).key_by_prefix(prefix)
        if key is None or key.revoked_at is not None:
            return None
        if not hmac.compare_digest(key.secret_hash, hash_key(full_key)):
            return None
        return IdentityClaims(
            subject=f"key:{key.id}",
            tenant_id=key.tenant_id,
            employee_id=key.employee_id,
            roles=frozenset(Role(r) for r in key.roles),
        )


def tenant_read(tenant: Tenant) -> TenantRead:
    language: Language = "zh-CN" if tenant.default_language == "zh-CN" else "en"
    return TenantRead(
        id=tenant.id, name=tenant.name, default_language=language, created_at=tenant.created_at
    )


access_service = AccessService()
