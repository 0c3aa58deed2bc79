"""The base every typed service client builds on.

A client wraps one pooled `httpx.AsyncClient` (owned by the caller, created once at
start-up), sends the identity and correlation headers on every call, parses 2xx bodies
into contract models, and turns every other answer into `ApiError` carrying the
problem details the server sent.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from strata_contracts.audit import AuditRecordRead
from strata_contracts.identity import IDENTITY_HEADER, REQUEST_ID_HEADER, IdentityRead
from strata_contracts.pagination import Page
from strata_contracts.problem import Problem

M = TypeVar("M")


class ApiError(Exception):
    """A non-2xx answer, with the server's problem details."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(f"{problem.status} {problem.title}: {problem.detail or ''}".rstrip(": "))
        self.problem = problem

    @property
    def status(self) -> int:
        return self.problem.status


class ServiceUnavailable(ApiError):
    """The server could not be reached or did not answer in time."""


class ServiceClient:
    """Typed async access to one Strata API (a service, or the gateway's public API)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        identity_token: str | None = None,
        api_key: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self._http = http
        self._headers: dict[str, str] = {}
        if identity_token is not None:
            self._headers[IDENTITY_HEADER] = identity_token
        if api_key is not None:
            self._headers["Authorization"] = f"Bearer {api_key}"
        if request_id is not None:
            self._headers[REQUEST_ID_HEADER] = request_id

    async def request(
        self,
        method: str,
        path: str,
        response_type: type[M],
        *,
        json: BaseModel | None = None,
        params: Mapping[str, str | int | None] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> M:
        """Send one request and parse the 2xx body as `response_type`."""
        response = await self.send(method, path, json=json, params=params, headers=headers)
        return TypeAdapter(response_type).validate_json(response.content)

    async def send(
        self,
        method: str,
        path: str,
        *,
        json: BaseModel | None = None,
        params: Mapping[str, str | int | None] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request; return the 2xx response or raise `ApiError`."""
        merged = {**self._headers, **(headers or {})}
        content: bytes | None = None
        if json is not None:
            content = json.model_dump_json(exclude_unset=True).encode()
            merged["Content-Type"] = "application/json"
        query = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = await self._http.request(
                method, path, content=content, params=query, headers=merged
            )
        except httpx.TimeoutException as exc:
            raise ServiceUnavailable(
                Problem(title="Upstream timed out", status=504, detail=_failure(method, path, exc))
            ) from exc
        except httpx.TransportError as exc:
            raise ServiceUnavailable(
                Problem(
                    title="Upstream unavailable", status=503, detail=_failure(method, path, exc)
                )
            ) from exc
        if response.is_success:
            return response
        raise ApiError(_problem_of(response))


def _failure(method: str, path: str, exc: Exception) -> str:
    """What failed, and how (`ConnectTimeout`: down; `ReadTimeout`: slow)."""
    return f"{method} {path}: {type(exc).__name__}: {exc}"


def _problem_of(response: httpx.Response) -> Problem:
    body: Any = None
    try:
        body = response.json()
        return Problem.model_validate(body)
    except (ValueError, ValidationError):
        return Problem(
            title=response.reason_phrase or "Error",
            status=response.status_code,
            detail=response.text[:500] if body is None else None,
        )


class StrataApi(ServiceClient):
    """A client of one service's public API, rooted at `prefix` (`/api/v1/goals`)."""

    prefix: str = ""

    async def me(self) -> IdentityRead:
        """The caller as this API sees it."""
        return await self.request("GET", f"{self.prefix}/me", IdentityRead)

    async def list_audit_records(
        self,
        *,
        entity_type: str | None = None,
        entity_id: UUID | None = None,
        actor: str | None = None,
        actor_employee_id: UUID | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[AuditRecordRead]:
        """A page of this service's audit trail, oldest first (HR and admins; `since` and
        `until` need a timezone, `until` is exclusive)."""
        params: dict[str, str | int | None] = {
            "entity_type": entity_type,
            "entity_id": str(entity_id) if entity_id else None,
            "actor": actor,
            "actor_employee_id": str(actor_employee_id) if actor_employee_id else None,
            "action": action,
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "limit": limit,
            "cursor": cursor,
        }
        return await self.request(
            "GET", f"{self.prefix}/audit", Page[AuditRecordRead], params=params
        )

    async def get_audit_record(self, record_id: UUID) -> AuditRecordRead:
        """One audit record of this service (404 `ApiError` when unknown here)."""
        return await self.request("GET", f"{self.prefix}/audit/{record_id}", AuditRecordRead)
