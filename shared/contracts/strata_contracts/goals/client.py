"""Typed async client of the goals service's API (through the gateway)."""

from uuid import UUID

from strata_contracts.client import StrataApi
from strata_contracts.goals.cycles import CycleRead
from strata_contracts.goals.org import EmployeeRead, OrgUnitRead, PositionRead
from strata_contracts.goals.plans import (
    ActualCorrection,
    ActualRead,
    PlanExplanation,
    PlanScoreRead,
)
from strata_contracts.pagination import Page


class GoalsClient(StrataApi):
    prefix = "/api/v1/goals"

    # --- organisation ---------------------------------------------------------------

    async def get_employee(self, employee_id: UUID) -> EmployeeRead:
        """One employee of the caller's tenant (404 `ApiError` when unknown)."""
        return await self.request("GET", f"{self.prefix}/employees/{employee_id}", EmployeeRead)

    async def list_employees(
        self,
        *,
        org_unit_id: UUID | None = None,
        manager_id: UUID | None = None,
        external_id: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[EmployeeRead]:
        """A page of employees, optionally of one unit, of one direct manager, or by HRIS key."""
        params: dict[str, str | int | None] = {
            "org_unit_id": str(org_unit_id) if org_unit_id else None,
            "manager_id": str(manager_id) if manager_id else None,
            "external_id": external_id,
            "limit": limit,
            "cursor": cursor,
        }
        return await self.request(
            "GET", f"{self.prefix}/employees", Page[EmployeeRead], params=params
        )

    async def get_org_unit(self, org_unit_id: UUID) -> OrgUnitRead:
        """One org unit of the caller's tenant."""
        return await self.request("GET", f"{self.prefix}/org-units/{org_unit_id}", OrgUnitRead)

    async def get_position(self, position_id: UUID) -> PositionRead:
        """One position (post) of the caller's tenant."""
        return await self.request("GET", f"{self.prefix}/positions/{position_id}", PositionRead)

    # --- cycles -----------------------------------------------------------------------

    async def get_cycle(self, cycle_id: UUID) -> CycleRead:
        """One performance cycle with its phase."""
        return await self.request("GET", f"{self.prefix}/cycles/{cycle_id}", CycleRead)

    # --- plans ------------------------------------------------------------------------

    async def get_plan_explanation(self, employee_id: UUID, cycle_id: UUID) -> PlanExplanation:
        """How the employee's score for the cycle was computed, every step shown."""
        return await self.request(
            "GET",
            f"{self.prefix}/employees/{employee_id}/cycles/{cycle_id}/explanation",
            PlanExplanation,
        )

    async def get_plan_score(self, employee_id: UUID, cycle_id: UUID) -> PlanScoreRead:
        """The employee's weighted plan score for the cycle."""
        return await self.request(
            "GET",
            f"{self.prefix}/employees/{employee_id}/cycles/{cycle_id}/score",
            PlanScoreRead,
        )

    # --- corrections ----------------------------------------------------------------

    async def correct_actual(self, actual_id: UUID, data: ActualCorrection) -> ActualRead:
        """`POST /actuals/{id}/corrections` (HR): replace the actual in force."""
        return await self.request(
            "POST", f"{self.prefix}/actuals/{actual_id}/corrections", ActualRead, json=data
        )
