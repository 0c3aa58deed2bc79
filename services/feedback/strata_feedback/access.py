"""Who may see and do what, and where reporting lines come from.

Every interview (and what hangs off it) keeps the `employee_id` and the `manager_id` of
record, set when it is scheduled, so most visibility checks are local. The wider rule, "a
manager sees their reporting line", needs the organisation, which lives in the goals
service: a `Viewer` asks the `OrgDirectory` for the caller's transitive reports at most once
per request, and only when a local check did not settle the question. When goals cannot be
reached the viewer falls back to the records where the caller is the manager of record:
visibility narrows, it never widens.

Roles: HR and admin act across the tenant; integration reads across it; a manager sees
their reporting line; everyone sees what is theirs.
"""

import asyncio
from typing import Protocol
from uuid import UUID

from sqlalchemy import ColumnElement, false, or_
from sqlalchemy.orm import Mapped

from strata_contracts.client import ApiError, ServiceUnavailable
from strata_contracts.goals.client import GoalsClient
from strata_contracts.identity import Role
from strata_kit.errors import AppError, UpstreamTimeout, UpstreamUnavailable
from strata_kit.identity import TenantIdentity
from strata_kit.logging import get_logger

log = get_logger(__name__)

MAX_REPORTING_DEPTH = 12
DIRECTORY_PAGE = 500
TENANT_WRITERS = (Role.HR, Role.ADMIN)
TENANT_READERS = (Role.HR, Role.ADMIN, Role.INTEGRATION)


class Employee(Protocol):
    """What feedback needs to know of an employee."""

    @property
    def id(self) -> UUID: ...

    @property
    def manager_id(self) -> UUID | None: ...


class OrgDirectory(Protocol):
    """Reporting lines, as the goals service knows them."""

    async def employee(self, employee_id: UUID) -> Employee | None:
        """The employee, or None when unknown (to the caller)."""
        ...

    async def reports_of(self, manager_id: UUID) -> frozenset[UUID]:
        """Everyone below `manager_id` in the reporting line (transitively)."""
        ...


def upstream_error(service: str, exc: ApiError) -> AppError:
    """An upstream failure as this service answers it: 504 when slow, else 503."""
    if isinstance(exc, ServiceUnavailable) and exc.status == 504:
        return UpstreamTimeout(f"The {service} service did not answer in time.")
    return UpstreamUnavailable(
        f"The {service} service could not answer ({exc.status} {exc.problem.title})."
    )


class GoalsDirectory:
    """The organisation read through the goals service, with the caller's own rights."""

    def __init__(self, goals: GoalsClient) -> None:
        self.goals = goals

    async def employee(self, employee_id: UUID) -> Employee | None:
        try:
            return await self.goals.get_employee(employee_id)
        except ApiError as exc:
            if exc.status in (403, 404) and not isinstance(exc, ServiceUnavailable):
                return None
            raise upstream_error("goals", exc) from exc

    async def reports_of(self, manager_id: UUID) -> frozenset[UUID]:
        seen: set[UUID] = set()
        frontier = [manager_id]
        try:
            for _ in range(MAX_REPORTING_DEPTH):
                if not frontier:
                    break
                pages = await asyncio.gather(*(self._direct_reports(m) for m in frontier))
                frontier = [e for page in pages for e in page if e not in seen and e != manager_id]
                seen.update(frontier)
        except ApiError as exc:
            raise upstream_error("goals", exc) from exc
        return frozenset(seen)

    async def _direct_reports(self, manager_id: UUID) -> list[UUID]:
        ids: list[UUID] = []
        cursor: str | None = None
        while True:
            page = await self.goals.list_employees(
                manager_id=manager_id, limit=DIRECTORY_PAGE, cursor=cursor
            )
            ids.extend(e.id for e in page.items)
            cursor = page.next_cursor
            if cursor is None:
                return ids


class Viewer:
    """The caller of one request, with what they may see."""

    def __init__(self, identity: TenantIdentity, directory: OrgDirectory) -> None:
        self.identity = identity
        self.directory = directory
        self._reports: frozenset[UUID] | None = None
        self._lock = asyncio.Lock()

    @property
    def employee_id(self) -> UUID | None:
        return self.identity.employee_id

    @property
    def reads_tenant(self) -> bool:
        return self.identity.has_any(*TENANT_READERS)

    @property
    def writes_tenant(self) -> bool:
        return self.identity.has_any(*TENANT_WRITERS)

    def is_person(self, employee_id: UUID | None) -> bool:
        return employee_id is not None and self.employee_id == employee_id

    async def reports(self) -> frozenset[UUID]:
        """The caller's reporting line (empty unless a manager); asked of goals once."""
        if self.employee_id is None or not self.identity.has_any(Role.MANAGER):
            return frozenset()
        async with self._lock:
            if self._reports is None:
                try:
                    self._reports = await self.directory.reports_of(self.employee_id)
                except AppError as exc:
                    log.warning("access.reporting_line_unavailable", error=exc.detail)
                    self._reports = frozenset()
            return self._reports

    async def sees_employee(self, employee_id: UUID, manager_id: UUID | None = None) -> bool:
        """Whether the caller may read records about `employee_id` (managed by `manager_id`)."""
        if self.reads_tenant or self.is_person(employee_id) or self.is_person(manager_id):
            return True
        return employee_id in await self.reports()

    async def filter(
        self, employee_column: Mapped[UUID], manager_column: Mapped[UUID] | None
    ) -> ColumnElement[bool] | None:
        """A WHERE clause limiting rows to those the caller sees (None: all of the tenant)."""
        if self.reads_tenant:
            return None
        if self.employee_id is None:
            return false()
        clauses: list[ColumnElement[bool]] = [employee_column == self.employee_id]
        if manager_column is not None:
            clauses.append(manager_column == self.employee_id)
        reports = await self.reports()
        if reports:
            clauses.append(employee_column.in_(reports))
        return or_(*clauses)
