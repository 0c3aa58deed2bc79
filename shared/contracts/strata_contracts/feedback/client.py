"""Typed async client of the feedback service's API (through the gateway)."""

from datetime import datetime
from uuid import UUID

from strata_contracts.client import StrataApi
from strata_contracts.feedback.appeals import (
    AppealCreate,
    AppealRead,
    AppealResolve,
    AppealReview,
    ChangeRequestDecision,
    ChangeRequestRead,
)
from strata_contracts.feedback.improvement import (
    ImprovementActionCreate,
    ImprovementActionRead,
    ImprovementPlanRead,
    OverdueSweepResult,
    ProgressCreate,
)
from strata_contracts.feedback.interviews import (
    InterviewAcknowledge,
    InterviewCreate,
    InterviewDispute,
    InterviewHold,
    InterviewRead,
    InterviewSummary,
    RecordUpdate,
)
from strata_contracts.feedback.notes import NoteCreate, NoteRead
from strata_contracts.feedback.preread import PreRead
from strata_contracts.feedback.vocabulary import (
    ChangeRequestStatus,
    InterviewStatus,
    OwningService,
)
from strata_contracts.pagination import Page

MAX_PAGES = 100


class FeedbackClient(StrataApi):
    prefix = "/api/v1/feedback"

    # --- interviews -----------------------------------------------------------------

    async def schedule_interview(self, data: InterviewCreate) -> InterviewRead:
        """Schedule an interview."""
        return await self.request("POST", f"{self.prefix}/interviews", InterviewRead, json=data)

    async def get_interview(self, interview_id: UUID) -> InterviewRead:
        """One interview with its record."""
        return await self.request("GET", f"{self.prefix}/interviews/{interview_id}", InterviewRead)

    async def list_interviews(
        self,
        *,
        employee_id: UUID | None = None,
        cycle_id: UUID | None = None,
        status: InterviewStatus | None = None,
        updated_since: datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[InterviewSummary]:
        """A page of the interviews the caller can see."""
        params: dict[str, str | int | None] = {
            "employee_id": str(employee_id) if employee_id else None,
            "cycle_id": str(cycle_id) if cycle_id else None,
            "status": status.value if status else None,
            "updated_since": updated_since.isoformat() if updated_since else None,
            "limit": limit,
            "cursor": cursor,
        }
        return await self.request(
            "GET", f"{self.prefix}/interviews", Page[InterviewSummary], params=params
        )

    async def hold_interview(self, interview_id: UUID, data: InterviewHold) -> InterviewRead:
        return await self.request(
            "POST", f"{self.prefix}/interviews/{interview_id}/hold", InterviewRead, json=data
        )

    async def update_record(self, interview_id: UUID, data: RecordUpdate) -> InterviewRead:
        return await self.request(
            "PATCH", f"{self.prefix}/interviews/{interview_id}/record", InterviewRead, json=data
        )

    async def acknowledge_interview(
        self, interview_id: UUID, data: InterviewAcknowledge
    ) -> InterviewRead:
        return await self.request(
            "POST",
            f"{self.prefix}/interviews/{interview_id}/acknowledge",
            InterviewRead,
            json=data,
        )

    async def dispute_interview(self, interview_id: UUID, data: InterviewDispute) -> InterviewRead:
        return await self.request(
            "POST", f"{self.prefix}/interviews/{interview_id}/dispute", InterviewRead, json=data
        )

    async def get_preread(self, interview_id: UUID) -> PreRead:
        """The interview's pre-read packet (parts that could not be had are in `missing`)."""
        return await self.request(
            "GET", f"{self.prefix}/interviews/{interview_id}/pre-read", PreRead
        )

    # --- improvement plans ----------------------------------------------------------

    async def add_improvement_action(
        self, interview_id: UUID, data: ImprovementActionCreate
    ) -> ImprovementActionRead:
        return await self.request(
            "POST",
            f"{self.prefix}/interviews/{interview_id}/improvement-actions",
            ImprovementActionRead,
            json=data,
        )

    async def get_improvement_plan(self, interview_id: UUID) -> ImprovementPlanRead:
        return await self.request(
            "GET",
            f"{self.prefix}/interviews/{interview_id}/improvement-plan",
            ImprovementPlanRead,
        )

    async def list_open_actions(self, employee_id: UUID) -> list[ImprovementActionRead]:
        """Every open improvement action of the employee (for next-cycle planning), all pages."""
        actions: list[ImprovementActionRead] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = await self.request(
                "GET",
                f"{self.prefix}/improvement-actions",
                Page[ImprovementActionRead],
                params={
                    "employee_id": str(employee_id),
                    "open": "true",
                    "limit": 500,
                    "cursor": cursor,
                },
            )
            actions.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        return actions

    async def add_progress(self, action_id: UUID, data: ProgressCreate) -> ImprovementActionRead:
        return await self.request(
            "POST",
            f"{self.prefix}/improvement-actions/{action_id}/progress",
            ImprovementActionRead,
            json=data,
        )

    async def sweep_overdue_actions(self) -> OverdueSweepResult:
        """Notice overdue actions (idempotent; for a scheduler)."""
        return await self.request(
            "POST", f"{self.prefix}/improvement-actions/overdue-sweep", OverdueSweepResult
        )

    # --- appeals and change requests ------------------------------------------------

    async def open_appeal(self, data: AppealCreate) -> AppealRead:
        return await self.request("POST", f"{self.prefix}/appeals", AppealRead, json=data)

    async def get_appeal(self, appeal_id: UUID) -> AppealRead:
        return await self.request("GET", f"{self.prefix}/appeals/{appeal_id}", AppealRead)

    async def review_appeal(self, appeal_id: UUID, data: AppealReview) -> AppealRead:
        return await self.request(
            "POST", f"{self.prefix}/appeals/{appeal_id}/review", AppealRead, json=data
        )

    async def resolve_appeal(self, appeal_id: UUID, data: AppealResolve) -> AppealRead:
        return await self.request(
            "POST", f"{self.prefix}/appeals/{appeal_id}/resolve", AppealRead, json=data
        )

    async def list_change_requests(
        self,
        *,
        target_service: OwningService | None = None,
        status: ChangeRequestStatus | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[ChangeRequestRead]:
        """Change requests amended appeals made (an owning service reads its own)."""
        params: dict[str, str | int | None] = {
            "target_service": target_service.value if target_service else None,
            "status": status.value if status else None,
            "limit": limit,
            "cursor": cursor,
        }
        return await self.request(
            "GET", f"{self.prefix}/change-requests", Page[ChangeRequestRead], params=params
        )

    async def mark_change_request_applied(
        self, change_request_id: UUID, data: ChangeRequestDecision
    ) -> ChangeRequestRead:
        return await self.request(
            "POST",
            f"{self.prefix}/change-requests/{change_request_id}/applied",
            ChangeRequestRead,
            json=data,
        )

    # --- anytime feedback -----------------------------------------------------------

    async def create_note(self, data: NoteCreate) -> NoteRead:
        return await self.request("POST", f"{self.prefix}/notes", NoteRead, json=data)
