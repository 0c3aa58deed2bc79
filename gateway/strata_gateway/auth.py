"""Authentication at the edge: API keys, bearer JWTs, and services' internal tokens.

`EdgeMiddleware` runs on every `/api/` and `/scim/` request: it authenticates the
caller (401 otherwise), applies the per-key rate limit (429 with `Retry-After`), then puts
the identity and a freshly signed internal token on the request for the routes below.
Paths under `public_prefixes` (external raters' token links) pass with an anonymous
identity, rate-limited per client address.
"""

import time
import uuid
from typing import Any

import jwt
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from strata_contracts.gateway import Language
from strata_contracts.identity import IDENTITY_HEADER, IdentityClaims, Role
from strata_contracts.problem import PROBLEM_TYPE_BASE, Problem
from strata_gateway.access.service import access_service
from strata_gateway.ratelimit import create_rate_limiter, retry_after
from strata_gateway.settings import GatewaySettings
from strata_kit.db import allow_cross_tenant
from strata_kit.errors import problem_response
from strata_kit.identity import InvalidIdentity, mint_identity_token, verify_identity_token
from strata_kit.logging import get_logger

log = get_logger(__name__)
ANONYMOUS = IdentityClaims(subject="anonymous")
_AUTHORIZATION = b"authorization"
_API_KEY = b"x-api-key"
_INTERNAL = IDENTITY_HEADER.lower().encode()
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_ACCEPT_LANGUAGE = b"accept-language"


class AuthenticationFailed(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Authenticator:
    """Turns presented credentials into an identity, and mints internal tokens."""

    def __init__(
        self, settings: GatewaySettings, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        self.settings = settings
        self._sessionmaker = sessionmaker
        self._secret = settings.platform.internal_token_secret.get_secret_value()
        self._ttl = settings.platform.internal_token_ttl_seconds
        self._keys: dict[str, tuple[IdentityClaims, float]] = {}
        self._tokens: dict[IdentityClaims, tuple[str, float]] = {}
        self._languages: dict[uuid.UUID, tuple[Language, float]] = {}

    async def language(self, tenant_id: uuid.UUID) -> Language:
        """The tenant's default language, cached as long as an API key is."""
        now = time.monotonic()
        cached = self._languages.get(tenant_id)
        if cached is not None and cached[1] > now:
            return cached[0]
        async with self._sessionmaker() as session:
            allow_cross_tenant(session)
            language = await access_service.default_language(session, tenant_id)
        if len(self._languages) > 50_000:
            self._languages.clear()
        self._languages[tenant_id] = (language, now + self.settings.api_key_cache_seconds)
        return language

    def forget_language(self, tenant_id: uuid.UUID) -> None:
        """The tenant's language changed: read it again on its next request."""
        self._languages.pop(tenant_id, None)

    async def authenticate(self, headers: list[tuple[bytes, bytes]]) -> IdentityClaims:
        bearer = api_key = internal = None
        for name, value in headers:
            if name == _AUTHORIZATION:
                scheme, _, token = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and token.strip():
                    bearer = token.strip()
            elif name == _API_KEY and value:
                api_key = value.decode("latin-1").strip()
            elif name == _INTERNAL:
                internal = value.decode("latin-1")
        credential = bearer or api_key
        if credential is not None:
            if credential.startswith("strata_"):
                return await self._verify_api_key(credential)
            return self._verify_jwt(credential)
        if internal is not None:
            # A service calling another through the gateway, with its caller's identity.
            try:
                return verify_identity_token(internal, self._secret)
            except InvalidIdentity as exc:
                raise AuthenticationFailed("The internal identity token is invalid.") from exc
        raise AuthenticationFailed("No credentials: send `Authorization: Bearer <API key or JWT>`.")

    async def _verify_api_key(self, key: str) -> IdentityClaims:
        now = time.monotonic()
        cached = self._keys.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        async with self._sessionmaker() as session:
            allow_cross_tenant(session)
            claims = await access_service.verify_key(session, key)
        if claims is None:
            self._keys.pop(key, None)
            raise AuthenticationFailed("Unknown or revoked API key.")
        if len(self._keys) > 50_000:
            self._keys.clear()
        self._keys[key] = (claims, now + self.settings.api_key_cache_seconds)
        return claims

    def _verify_jwt(self, token: str) -> IdentityClaims:
        s = self.settings
        if s.jwt_key is None:
            raise AuthenticationFailed("Bearer JWTs are not enabled on this gateway.")
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                s.jwt_key.get_secret_value(),
                algorithms=s.jwt_algorithms,
                audience=s.jwt_audience,
                issuer=s.jwt_issuer,
                options={"require": ["exp", "sub"], "verify_aud": s.jwt_audience is not None},
            )
            tenant = uuid.UUID(str(payload[s.jwt_tenant_claim]))
            raw_roles = payload.get(s.jwt_roles_claim, [])
            roles = frozenset(Role(r) for r in raw_roles if r in Role._value2member_map_)
            employee = payload.get(s.jwt_employee_claim)
            return IdentityClaims(
                subject=f"user:{payload['sub']}",
                tenant_id=tenant,
                employee_id=uuid.UUID(str(employee)) if employee else None,
                roles=roles,
            )
        except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
            raise AuthenticationFailed(f"The bearer token is not valid: {exc}") from exc

    def internal_token(self, claims: IdentityClaims) -> str:
        """A signed token for `claims`, reused while more than half its life remains."""
        now = time.monotonic()
        cached = self._tokens.get(claims)
        if cached is not None and cached[1] > now:
            return cached[0]
        token = mint_identity_token(claims, self._secret, self._ttl)
        if len(self._tokens) > 50_000:
            self._tokens.clear()
        self._tokens[claims] = (token, now + self._ttl / 2)
        return token


class EdgeMiddleware:
    """Authenticate, rate-limit and enforce the body limit on API requests."""

    def __init__(
        self, app: ASGIApp, *, settings: GatewaySettings, authenticator: "AuthenticatorRef"
    ) -> None:
        self.app = app
        self.settings = settings
        self.authenticator = authenticator
        # In process, or in Redis when GATEWAY_RATE_LIMIT_REDIS_URL is set (shared by replicas).
        self.limiter = create_rate_limiter(settings)
        self.public = tuple(settings.public_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._close_limiter_on_shutdown(receive), send)
            return
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(("/api/", "/scim/")):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":  # CORS preflight is answered outside
            await self.app(scope, receive, send)
            return
        length = _content_length(scope)
        if length is not None and length > self.settings.max_body_bytes:
            await self._problem(
                scope,
                receive,
                send,
                413,
                "Payload too large",
                f"The body exceeds {self.settings.max_body_bytes} bytes.",
            )
            return
        if path.startswith(self.public):
            claims = ANONYMOUS
            limit_key = f"ip:{(scope.get('client') or ('?', 0))[0]}"
        else:
            try:
                claims = await self.authenticator.get().authenticate(scope["headers"])
            except AuthenticationFailed as exc:
                await self._problem(
                    scope,
                    receive,
                    send,
                    401,
                    "Unauthorized",
                    exc.detail,
                    {"WWW-Authenticate": "Bearer"},
                )
                return
            limit_key = f"{claims.tenant_id}:{claims.subject}"
            if claims.tenant_id is not None:
                await self._tenant_language(scope, claims.tenant_id)
        wait = await self.limiter.hit(limit_key)
        if wait > 0:
            await self._problem(
                scope,
                receive,
                send,
                429,
                "Too many requests",
                "Rate limit exceeded; retry later.",
                {"Retry-After": retry_after(wait)},
            )
            return
        state = scope.setdefault("state", {})
        state["identity"] = claims
        state["identity_token"] = self.authenticator.get().internal_token(claims)
        if length is None and scope["method"] in _BODY_METHODS:
            # A streamed (chunked) body has no length to check up front: read it here,
            # within the limit, before any middleware or route sees it. Raising from deep
            # inside (the idempotency middleware, FastAPI's body parser) surfaced as a 500
            # or a 400 instead of 413.
            body = await _read_within(receive, self.settings.max_body_bytes)
            if body is None:
                await self._problem(
                    scope,
                    receive,
                    send,
                    413,
                    "Payload too large",
                    f"The body exceeds {self.settings.max_body_bytes} bytes.",
                )
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)

    async def _tenant_language(self, scope: Scope, tenant_id: uuid.UUID) -> None:
        """A request with no `Accept-Language` takes its tenant's default language: the
        header is added to the request, so the gateway's own problem titles and every
        service it forwards to see it. English adds nothing (the answer is as before)."""
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        if any(name == _ACCEPT_LANGUAGE and value.strip() for name, value in headers):
            return
        language = await self.authenticator.get().language(tenant_id)
        if language != "en":
            scope["headers"] = [
                *(h for h in headers if h[0] != _ACCEPT_LANGUAGE),
                (_ACCEPT_LANGUAGE, language.encode("latin-1")),
            ]

    def _close_limiter_on_shutdown(self, receive: Receive) -> Receive:
        """Close the limiter's connections when the server says it is shutting down."""

        async def wrapped() -> Any:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                await self.limiter.aclose()
            return message

        return wrapped

    async def _problem(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        title: str,
        detail: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        if scope["path"].startswith("/scim/"):
            # SCIM clients expect SCIM's error shape (RFC 7644 §3.12), not problem details.
            body = {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": str(status),
                "detail": detail,
            }
            response = JSONResponse(
                body, status_code=status, headers=headers, media_type="application/scim+json"
            )
            await response(scope, receive, send)
            return
        slug = {401: "unauthorized", 413: "payload-too-large", 429: "rate-limited"}[status]
        problem = Problem(
            type=f"{PROBLEM_TYPE_BASE}{slug}",
            title=title,
            status=status,
            detail=detail,
            instance=scope["path"],
            request_id=scope.get("state", {}).get("request_id"),
        )
        await problem_response(problem, headers, Request(scope))(scope, receive, send)


class AuthenticatorRef:
    """The authenticator is built in `lifespan` (it needs the database); middleware is
    built before that, so it holds this reference."""

    def __init__(self) -> None:
        self._value: Authenticator | None = None

    def set(self, value: Authenticator) -> None:
        self._value = value

    def get(self) -> Authenticator:
        if self._value is None:
            raise RuntimeError("gateway not started")
        return self._value


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _read_within(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None as soon as it exceeds `limit` bytes."""
    chunks: list[bytes] = []
    seen = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        seen += len(chunk)
        if seen > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the buffered body once, then defers to the server's."""
    sent = False

    async def wrapped() -> Any:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return wrapped
