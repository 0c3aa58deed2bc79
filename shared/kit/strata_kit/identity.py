"""The internal identity token: minted by the gateway, verified by every service.

A short-lived HS256 JWT carried in `X-Strata-Identity`. `IdentityMiddleware` refuses
any request without a valid one (401 problem details) before routing, so unknown paths
do not leak either; only liveness and readiness probes are exempt. See
docs/adr/0002-internal-identity-token.md.
"""

from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

import jwt
from fastapi import Depends, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from strata_contracts.identity import IDENTITY_HEADER, IdentityClaims, Role
from strata_contracts.problem import PROBLEM_TYPE_BASE, Problem
from strata_kit.errors import Forbidden, Unauthorized, problem_response

ISSUER = "strata-gateway"
AUDIENCE = "strata-internal"
ALGORITHM = "HS256"
EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})  # metrics: own port only
_HEADER = IDENTITY_HEADER.lower().encode()


class InvalidIdentity(Exception):
    """The token is missing, malformed, expired or not ours."""


def mint_identity_token(claims: IdentityClaims, secret: str, ttl_seconds: int = 60) -> str:
    """Sign `claims` into a token that expires after `ttl_seconds`."""
    now = datetime.now(UTC)
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": claims.subject,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
        "roles": sorted(claims.roles),
    }
    if claims.tenant_id is not None:
        payload["tid"] = str(claims.tenant_id)
    if claims.employee_id is not None:
        payload["eid"] = str(claims.employee_id)
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def verify_identity_token(token: str, secret: str) -> IdentityClaims:
    """Return the claims of a valid token, or raise `InvalidIdentity`."""
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
        return IdentityClaims(
            subject=payload["sub"],
            tenant_id=UUID(payload["tid"]) if "tid" in payload else None,
            employee_id=UUID(payload["eid"]) if "eid" in payload else None,
            roles=frozenset(Role(r) for r in payload.get("roles", [])),
            expires_at=datetime.fromtimestamp(payload["exp"], UTC),
        )
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise InvalidIdentity(str(exc)) from exc


class _VerifiedCache:
    """Tokens already verified, until they expire: the gateway reuses a token for many
    requests, and a signature check per request is measurable at high rates."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._items: OrderedDict[str, IdentityClaims] = OrderedDict()

    def get(self, token: str) -> IdentityClaims | None:
        claims = self._items.get(token)
        if claims is None:
            return None
        if claims.expires_at is not None and claims.expires_at <= datetime.now(UTC):
            del self._items[token]
            return None
        return claims

    def put(self, token: str, claims: IdentityClaims) -> None:
        self._items[token] = claims
        if len(self._items) > self._size:
            self._items.popitem(last=False)


class IdentityMiddleware:
    """Refuse every request that lacks a valid internal identity token."""

    def __init__(self, app: ASGIApp, *, secret: str, exempt: frozenset[str] = EXEMPT_PATHS) -> None:
        self.app = app
        self.secret = secret
        self.exempt = exempt
        self.cache = _VerifiedCache()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        raw = next((v for k, v in scope["headers"] if k == _HEADER), None)
        if raw is None:
            await self._refuse(
                scope, receive, send, "No internal identity token: call through the gateway."
            )
            return
        token = raw.decode("latin-1")
        claims = self.cache.get(token)
        if claims is None:
            try:
                claims = verify_identity_token(token, self.secret)
            except InvalidIdentity:
                await self._refuse(
                    scope, receive, send, "The internal identity token is invalid or expired."
                )
                return
            if claims.tenant_id is not None:
                # Once per token, not once per request in `get_tenant_identity`.
                claims = TenantIdentity.model_validate(claims.model_dump())
            self.cache.put(token, claims)
        scope.setdefault("state", {})["identity"] = claims
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, detail: str) -> None:
        problem = Problem(
            type=f"{PROBLEM_TYPE_BASE}unauthorized",
            title="Unauthorized",
            status=401,
            detail=detail,
            instance=scope["path"],
            request_id=scope.get("state", {}).get("request_id"),
        )
        answer = problem_response(problem, {"WWW-Authenticate": "Bearer"}, Request(scope))
        await answer(scope, receive, send)


async def get_identity(request: Request) -> IdentityClaims:
    """The verified caller (set by `IdentityMiddleware`)."""
    claims = request.scope.get("state", {}).get("identity")
    if not isinstance(claims, IdentityClaims):
        raise Unauthorized("No verified identity on this request.")
    return claims


class TenantIdentity(IdentityClaims):
    """An identity that is known to act for a tenant."""

    tenant_id: UUID


async def get_tenant_identity(
    identity: Annotated[IdentityClaims, Depends(get_identity)],
) -> TenantIdentity:
    """The caller, who must act for a tenant (every data route needs one)."""
    if identity.tenant_id is None:
        raise Forbidden("This call needs a tenant-scoped identity.")
    if isinstance(identity, TenantIdentity):
        return identity  # made once per token by `IdentityMiddleware`
    return TenantIdentity.model_validate(identity.model_dump())


async def get_identity_token(request: Request) -> str:
    """The caller's raw internal token, to forward on calls to other services (through the
    gateway), so they act with the caller's own identity and rights."""
    token = request.headers.get(IDENTITY_HEADER)
    if token is None:
        raise Unauthorized("No verified identity on this request.")
    return token


CurrentIdentity = Annotated[IdentityClaims, Depends(get_identity)]
IdentityToken = Annotated[str, Depends(get_identity_token)]
TenantCaller = Annotated[TenantIdentity, Depends(get_tenant_identity)]


def require_roles(*roles: Role) -> Any:
    """Dependency that answers 403 unless the caller holds one of `roles`."""

    async def check(identity: TenantCaller) -> TenantIdentity:
        if not identity.has_any(*roles):
            wanted = ", ".join(sorted(r.value for r in roles))
            raise Forbidden(f"This call needs one of the roles: {wanted}.")
        return identity

    return Depends(check)
