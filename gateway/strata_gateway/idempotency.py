"""`Idempotency-Key` on every POST of the public API, remembered in the gateway's database
(so it holds across gateway replicas).

- The same key with the same request (method, path, query, body) replays the first answer,
  marked `Idempotency-Replayed: true`; nothing is sent to the service again.
- The same key with a different request is 422; while the first request is still running,
  a retry is 409.
- Keys belong to the caller (tenant + subject) and expire after `GATEWAY_IDEMPOTENCY_TTL_SECONDS`.
- A 5xx answer (or a failure to answer) is not remembered, so the client can retry it.
- A claim that never settles (the gateway died mid-request, or its database was down when
  the answer had to be recorded or forgotten) is abandoned after `lease_seconds`: a retry
  then takes the key over instead of hearing 409 until the key expires.
"""

import hashlib
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from strata_contracts.identity import IdentityClaims
from strata_contracts.problem import PROBLEM_TYPE_BASE, Problem
from strata_gateway.models import IdempotencyRecord
from strata_kit.db import bind_tenant, utcnow
from strata_kit.errors import problem_response
from strata_kit.identity import TenantIdentity
from strata_kit.logging import get_logger

HEADER = b"idempotency-key"
MAX_KEY_LENGTH = 255
MAX_STORED_BODY = 1_048_576
_SKIP_HEADERS = {b"content-length", b"x-request-id", b"date", b"server"}
log = get_logger(__name__)


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, *, ttl_seconds: int, lease_seconds: float) -> None:
        self.app = app
        self.ttl = timedelta(seconds=ttl_seconds)
        self.lease = timedelta(seconds=lease_seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        raw_key = next((v for k, v in scope["headers"] if k == HEADER), None)
        identity = scope.get("state", {}).get("identity")
        if (
            raw_key is None
            or not isinstance(identity, IdentityClaims)
            or identity.tenant_id is None
        ):
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            await _problem(
                scope,
                receive,
                send,
                400,
                "Bad request",
                f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.",
            )
            return
        identity = TenantIdentity.model_validate(identity.model_dump())
        body, replay_receive = await _read_body(receive)
        fingerprint = _fingerprint(scope, body)
        maker = scope["app"].state.sessionmaker
        verdict = await self._claim(maker, identity, key, fingerprint)
        if isinstance(verdict, IdempotencyRecord):
            await _replay(verdict, send)
            return
        if verdict is not None:
            status, detail = verdict
            title = "Conflict" if status == 409 else "Unprocessable content"
            await _problem(scope, receive, send, status, title, detail)
            return
        captured: list[Message] = []

        async def capture(message: Message) -> None:
            captured.append(message)
            if message["type"] == "http.response.start" and message["status"] >= 500:
                # Released before the answer leaves: a client that retries on a 5xx must
                # find the key free, not race its release into "409 in progress".
                await self._bookkeep(self._forget(maker, identity, key))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture)
        except BaseException:
            await self._bookkeep(self._forget(maker, identity, key))
            raise
        await self._bookkeep(self._settle(maker, identity, key, captured))

    async def _bookkeep(self, work: Coroutine[Any, Any, None]) -> None:
        """Record or forget the outcome once the answer has gone out. If that fails (the
        database is away), the client already has its answer: raising now would only make
        the server drop the connection, which a keep-alive client sees as a failed request.
        The claim is left to lapse after the lease instead."""
        try:
            await work
        except Exception as exc:
            log.warning("idempotency.record_failed", error=type(exc).__name__)

    async def _claim(
        self,
        maker: async_sessionmaker[AsyncSession],
        identity: TenantIdentity,
        key: str,
        fingerprint: str,
    ) -> IdempotencyRecord | tuple[int, str] | None:
        """Insert an in-progress record, or say why not (replay, mismatch, in flight)."""
        now = utcnow()
        async with maker() as session:
            bind_tenant(session, identity.tenant_id)
            existing = (await session.exec(_record(identity, key))).first()
            if existing is not None and existing.expires_at <= now:
                await session.delete(existing)
                await session.flush()
                existing = None
            if existing is None:
                session.add(
                    IdempotencyRecord(
                        tenant_id=identity.tenant_id,
                        subject=identity.subject,
                        key=key,
                        fingerprint=fingerprint,
                        expires_at=now + self.ttl,
                    )
                )
                try:
                    await session.commit()
                    return None
                except IntegrityError:
                    await session.rollback()
                    existing = (await session.exec(_record(identity, key))).first()
                    if existing is None:
                        return 409, "A request with this Idempotency-Key is being processed."
            if existing.fingerprint != fingerprint:
                return 422, "This Idempotency-Key was used with a different request."
            if not existing.completed:
                if existing.updated_at > now - self.lease:
                    return 409, "A request with this Idempotency-Key is still being processed."
                # Abandoned: no request lives longer than the lease. Take it over; the row's
                # version makes this a compare-and-swap, so only one retry wins.
                existing.updated_at = now
                existing.expires_at = now + self.ttl
                session.add(existing)
                try:
                    await session.commit()
                except StaleDataError:
                    await session.rollback()
                    return 409, "A request with this Idempotency-Key is still being processed."
                log.warning("idempotency.claim_taken_over", key_subject=identity.subject)
                return None
            return existing

    async def _settle(
        self,
        maker: async_sessionmaker[AsyncSession],
        identity: TenantIdentity,
        key: str,
        messages: list[Message],
    ) -> None:
        start = next((m for m in messages if m["type"] == "http.response.start"), None)
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        if start is not None and start["status"] >= 500:
            return  # released when the answer started (capture, above)
        if start is None or len(body) > MAX_STORED_BODY:
            await self._forget(maker, identity, key)
            return
        async with maker() as session:
            bind_tenant(session, identity.tenant_id)
            record = (await session.exec(_record(identity, key))).first()
            if record is None:
                return
            record.completed = True
            record.status_code = start["status"]
            record.headers = [
                [k.decode("latin-1"), v.decode("latin-1")]
                for k, v in start.get("headers", [])
                if k.lower() not in _SKIP_HEADERS
            ]
            record.body = body
            session.add(record)
            await session.commit()

    async def _forget(
        self, maker: async_sessionmaker[AsyncSession], identity: TenantIdentity, key: str
    ) -> None:
        async with maker() as session:
            bind_tenant(session, identity.tenant_id)
            await session.exec(
                delete(IdempotencyRecord).where(
                    col(IdempotencyRecord.subject) == identity.subject,
                    col(IdempotencyRecord.key) == key,
                )
            )
            await session.commit()


def _record(identity: TenantIdentity, key: str) -> SelectOfScalar[IdempotencyRecord]:
    return select(IdempotencyRecord).where(
        IdempotencyRecord.subject == identity.subject, IdempotencyRecord.key == key
    )


def _fingerprint(scope: Scope, body: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(scope["method"].encode())
    digest.update(b"\0" + scope["path"].encode() + b"\0" + scope.get("query_string", b""))
    digest.update(b"\0" + body)
    return digest.hexdigest()


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _replay(record: IdempotencyRecord, send: Send) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in record.headers]
    headers.append((b"idempotency-replayed", b"true"))
    await send({"type": "http.response.start", "status": record.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": record.body or b""})


async def _problem(
    scope: Scope, receive: Receive, send: Send, status: int, title: str, detail: str
) -> None:
    slug = {400: "bad-request", 409: "idempotency-in-progress", 422: "idempotency-key-reused"}[
        status
    ]
    problem = Problem(
        type=f"{PROBLEM_TYPE_BASE}{slug}",
        title=title,
        status=status,
        detail=detail,
        instance=scope["path"],
        request_id=scope.get("state", {}).get("request_id"),
    )
    await problem_response(problem)(scope, receive, send)
