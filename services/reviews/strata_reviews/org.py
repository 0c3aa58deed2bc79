"""The organisation, as the reviews service sees it: read from the goals service.

`OrgDirectory` is what campaigns and nominations need (an employee; the employees of a
unit or of a manager; a performance cycle). `GoalsDirectory` answers it through the typed
`GoalsClient` via the gateway, forwarding the caller's own identity token so goals
applies the caller's rights. The demo loader answers it from a snapshot instead.
"""

from typing import Annotated, Protocol
from uuid import UUID

import httpx
from fastapi import Depends, FastAPI, Request

from strata_contracts.client import ApiError, ServiceUnavailable
from strata_contracts.goals.client import GoalsClient
from strata_contracts.goals.cycles import CycleRead
from strata_contracts.goals.org import EmployeeRead
from strata_kit.context import current_request_id
from strata_kit.errors import AppError, Forbidden, UpstreamTimeout, UpstreamUnavailable
from strata_kit.http import create_upstream_client
from strata_kit.identity import IdentityToken
from strata_kit.logging import get_logger

log = get_logger(__name__)
PAGE_SIZE = 500
MAX_PAGES = 200


class OrgServiceError(AppError):
    status = 502
    title = "Bad gateway"
    slug = "organisation-unavailable"


class OrgDirectory(Protocol):
    async def get_employee(self, employee_id: UUID) -> EmployeeRead | None:
        """The employee, or None when the organisation does not know them."""
        ...

    async def list_employees(
        self, *, org_unit_id: UUID | None = None, manager_id: UUID | None = None
    ) -> list[EmployeeRead]:
        """Every employee (of a unit, of a direct manager), all pages."""
        ...

    async def get_cycle(self, cycle_id: UUID) -> CycleRead | None:
        """The performance cycle, or None when goals does not know it."""
        ...


class GoalsDirectory:
    def __init__(self, client: GoalsClient) -> None:
        self._client = client

    async def get_employee(self, employee_id: UUID) -> EmployeeRead | None:
        try:
            return await self._client.get_employee(employee_id)
        except ApiError as exc:
            if exc.status == 404 and not isinstance(exc, ServiceUnavailable):
                return None
            raise _translate(exc) from exc

    async def get_cycle(self, cycle_id: UUID) -> CycleRead | None:
        try:
            return await self._client.get_cycle(cycle_id)
        except ApiError as exc:
            if exc.status == 404 and not isinstance(exc, ServiceUnavailable):
                return None
            raise _translate(exc) from exc

    async def list_employees(
        self, *, org_unit_id: UUID | None = None, manager_id: UUID | None = None
    ) -> list[EmployeeRead]:
        items: list[EmployeeRead] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            try:
                page = await self._client.list_employees(
                    org_unit_id=org_unit_id, manager_id=manager_id, limit=PAGE_SIZE, cursor=cursor
                )
            except ApiError as exc:
                raise _translate(exc) from exc
            items.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                return items
        raise OrgServiceError("The organisation service returned more pages than expected.")


def _translate(exc: ApiError) -> AppError:
    """An upstream failure as this service's answer: 503/504 when goals cannot be
    reached, 403 when it refuses the caller, 502 for anything else."""
    log.warning("org.lookup_failed", status=exc.status, detail=exc.problem.detail)
    if isinstance(exc, ServiceUnavailable):
        if exc.status == 504:
            return UpstreamTimeout("The organisation service did not answer in time.")
        return UpstreamUnavailable("The organisation service cannot be reached.")
    if exc.status in (401, 403):
        return Forbidden("The organisation service refused this caller.")
    if exc.status in (503, 504):
        return UpstreamUnavailable("The organisation service is unavailable.")
    return OrgServiceError(f"The organisation service answered {exc.status}.")


async def open_goals_http(app: FastAPI) -> None:
    """Start-up hook: one pooled client to the gateway, for every call to goals."""
    app.state.goals_http = create_upstream_client(app.state.settings.gateway_url)


async def close_goals_http(app: FastAPI) -> None:
    http: httpx.AsyncClient = app.state.goals_http
    await http.aclose()


async def get_directory(request: Request, token: IdentityToken) -> OrgDirectory:
    """The organisation seen with the caller's own rights."""
    client = GoalsClient(
        request.app.state.goals_http, identity_token=token, request_id=current_request_id()
    )
    return GoalsDirectory(client)


Directory = Annotated[OrgDirectory, Depends(get_directory)]
