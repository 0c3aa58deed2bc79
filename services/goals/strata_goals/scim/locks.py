"""Find-or-create without duplicates: locks held until the request's transaction ends.

Two IdP requests that create people in a department Strata does not know yet would both
miss it and both create it (likewise a position title, or one userName sent twice). So a
SCIM write first takes the locks of every key it may create, all at once and in a fixed
order, before its first write, and keeps them until its transaction has committed or rolled
back; the second request then finds what the first created.

- PostgreSQL: transaction-scoped advisory locks (`pg_advisory_xact_lock`) per key, which
  also hold between replicas and end with the transaction by themselves.
- SQLite (the embedded store: one process, one writer at a time): one asyncio lock of the
  app for every SCIM write, released by the `KeyLocks` dependency after the session
  dependency has committed (see `endpoints.scim_work`). SQLite would serialise the writes
  anyway, but by sleeping in its busy handler (up to 100 ms a try); here the next write
  starts as soon as the previous one commits, and every find-or-create is serialised too.
"""

import asyncio
import hashlib
import uuid
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

    def __init__(self, writer: asyncio.Lock) -> None:
        self._writer = writer
        self._held = False
        self._acquired = False
        self.many = False
        """A /Bulk request: each operation takes its own keys as it runs (a deadlock with
        another writer is then possible on PostgreSQL, which detects it and fails that
        operation alone)."""

    async def acquire(self, session: AsyncSession, keys: Iterable[Key]) -> None:
        if self._acquired and not self.many:
            raise RuntimeError("a request takes all its SCIM locks at once")
        self._acquired = True
        if session.get_bind().dialect.name == "postgresql":
            tenant = session_tenant(session)
            ordered = sorted({lock_id(tenant, (kind, value.lower())) for kind, value in keys})
            await ScimRepository(session).lock(ordered)
            return
        if not self._held:
            await self._writer.acquire()
            self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._writer.release()


def _writer(app: FastAPI) -> asyncio.Lock:
    writer = getattr(app.state, "scim_writer", None)
    if writer is None:
        writer = app.state.scim_writer = asyncio.Lock()
    return writer


async def key_locks(request: Request) -> AsyncIterator[KeyLocks]:
    """The request's locks, released when the request's dependencies close."""
    locks = KeyLocks(_writer(request.app))
    try:
        yield locks
    finally:
        locks.release()
