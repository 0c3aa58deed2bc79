"""Find-or-create without duplicates: per-key locks held until the request's transaction ends.

Two IdP requests that create people in a department Strata does not know yet would both
miss it and both create it (likewise a position title, or one userName sent twice). So a
SCIM write first takes the lock of every key it may create, all at once and in a fixed
order, before its first write, and keeps them until its transaction has committed or rolled
back; the second request then finds what the first created.

- PostgreSQL: transaction-scoped advisory locks (`pg_advisory_xact_lock`), which also hold
  between replicas and end with the transaction by themselves.
- SQLite (the embedded store: one process): asyncio locks of this app, released by the
  `KeyLocks` dependency after the session dependency has committed (see `ScimWork`).
"""

import asyncio
import hashlib
import uuid
import weakref
from collections.abc import AsyncIterator, Iterable

from fastapi import FastAPI, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_goals.queries import session_tenant
from strata_goals.scim.repository import ScimRepository

Key = tuple[str, str]
"""(kind, value): ("user", "ana@example.com"), ("unit", "sales"), ("position", "sales/rep")."""


def lock_id(tenant: uuid.UUID, key: Key) -> int:
    """A signed 64-bit advisory lock id for `key` in `tenant`."""
    digest = hashlib.blake2b(f"{tenant}|{key[0]}|{key[1]}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class KeyLocks:
    """The locks one request holds. `acquire` is called once, before the first write, with
    every key; taking more later could deadlock against a request holding them in order."""

    def __init__(
        self, registry: "weakref.WeakValueDictionary[tuple[uuid.UUID, Key], asyncio.Lock]"
    ) -> None:
        self._registry = registry
        self._held: list[asyncio.Lock] = []
        self._acquired = False

    async def acquire(self, session: AsyncSession, keys: Iterable[Key]) -> None:
        if self._acquired:
            raise RuntimeError("a request takes all its SCIM locks at once")
        self._acquired = True
        tenant = session_tenant(session)
        ordered = sorted({(kind, value.lower()) for kind, value in keys})
        if session.get_bind().dialect.name == "postgresql":
            repository = ScimRepository(session)
            for key in ordered:
                await repository.lock(lock_id(tenant, key))
            return
        for key in ordered:
            lock = self._registry.get((tenant, key))
            if lock is None:
                lock = self._registry[(tenant, key)] = asyncio.Lock()
            await lock.acquire()
            self._held.append(lock)

    def release(self) -> None:
        while self._held:
            self._held.pop().release()


def _registry(app: FastAPI) -> "weakref.WeakValueDictionary[tuple[uuid.UUID, Key], asyncio.Lock]":
    registry = getattr(app.state, "scim_locks", None)
    if registry is None:
        registry = app.state.scim_locks = weakref.WeakValueDictionary()
    return registry


async def key_locks(request: Request) -> AsyncIterator[KeyLocks]:
    """The request's locks, released when the request's dependencies close."""
    locks = KeyLocks(_registry(request.app))
    try:
        yield locks
    finally:
        locks.release()
