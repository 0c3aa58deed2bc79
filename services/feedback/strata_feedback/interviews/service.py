"""Business rules of feedback interviews: scheduling, the state machine, the record,
acknowledgement and disagreement."""

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.feedback import events
from strata_contracts.feedback.interviews import (
    GapRead,
    InterviewAcknowledge,
    InterviewCancel,
    InterviewClose,
    InterviewDispute,
    InterviewHold,
    InterviewRead,
    InterviewReschedule,
    InterviewSummary,
    ParticipantRead,
    RecordUpdate,
)
from strata_contracts.feedback.vocabulary import InterviewStatus
from strata_contracts.identity import IdentityClaims
from strata_contracts.pagination import Page
from strata_feedback.access import Viewer
from strata_feedback.interviews.cycles import CycleDirectory, ensure_feedback_phase
from strata_feedback.interviews.exceptions import (
    AppealPending,
    EmployeeOnly,
    InterviewNotFound,
    ManagerSideOnly,
)
from strata_feedback.interviews.models import Interview, InterviewGap
from strata_feedback.interviews.ports import FollowUps
from strata_feedback.interviews.repository import InterviewRepository
from strata_feedback.trail import audit, emit
from strata_feedback.transitions import StateMachine
from strata_kit.audit import snapshot
from strata_kit.db import utcnow
from strata_kit.errors import InvalidInput, field
from strata_kit.logging import get_logger
from strata_kit.pagination import PageParams, paginate

log = get_logger(__name__)


class InterviewAction(StrEnum):
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"
    HOLD = "hold"
    EDIT_RECORD = "edit_record"
    COMMENT = "comment"
    ACKNOWLEDGE = "acknowledge"
    DISPUTE = "dispute"
    CLOSE = "close"
    PLAN = "plan_improvement"
    APPEAL = "appeal"


S, A = InterviewStatus, InterviewAction
MACHINE: StateMachine[InterviewStatus, InterviewAction] = StateMachine(
    "interview",
    InterviewStatus,
    {
        (S.SCHEDULED, A.RESCHEDULE): S.SCHEDULED,
        (S.SCHEDULED, A.CANCEL): S.CANCELLED,
        (S.SCHEDULED, A.HOLD): S.HELD,
        (S.SCHEDULED, A.EDIT_RECORD): S.SCHEDULED,
        (S.SCHEDULED, A.COMMENT): S.SCHEDULED,
        (S.SCHEDULED, A.PLAN): S.SCHEDULED,
        (S.HELD, A.EDIT_RECORD): S.HELD,
        (S.HELD, A.PLAN): S.HELD,
        (S.HELD, A.COMMENT): S.HELD,
        (S.HELD, A.ACKNOWLEDGE): S.ACKNOWLEDGED,
        (S.HELD, A.DISPUTE): S.DISPUTED,
        (S.DISPUTED, A.APPEAL): S.DISPUTED,
        (S.ACKNOWLEDGED, A.CLOSE): S.CLOSED,
        (S.DISPUTED, A.CLOSE): S.CLOSED,
    },
)
"""Every allowed move of an interview; anything else answers 409."""

Guard = Callable[[Interview], None]
"""A precondition checked on the loaded row before it changes (the endpoint's If-Match)."""

MANAGER_FIELDS = ("strengths", "shortcomings", "gaps", "agreed_points", "manager_comment")


def interview_snapshot(interview: Interview) -> dict[str, Any]:
    """The interview as the audit trail records it."""
    return snapshot(interview, exclude={"created_at", "updated_at"}) or {}


class InterviewService:
    # --- reads ---------------------------------------------------------------------

    async def get(self, session: AsyncSession, viewer: Viewer, interview_id: UUID) -> Interview:
        """The interview, if the caller may see it (else 404, whether or not it exists)."""
        interview = await InterviewRepository(session).get(interview_id)
        if interview is None or not await viewer.sees_employee(
            interview.employee_id, interview.manager_id
        ):
            raise InterviewNotFound(interview_id)
        return interview

    async def read(self, session: AsyncSession, interview: Interview) -> InterviewRead:
        repo = InterviewRepository(session)
        participants = await repo.participants(interview.id)
        gaps = await repo.gaps(interview.id)
        return InterviewRead.model_validate(
            {
                **interview.model_dump(),
                "participants": [ParticipantRead.model_validate(p) for p in participants],
                "gaps": [GapRead.model_validate(g) for g in gaps],
            }
        )

    async def page(
        self,
        session: AsyncSession,
        viewer: Viewer,
        params: PageParams,
        *,
        employee_id: UUID | None = None,
        manager_id: UUID | None = None,
        cycle_id: UUID | None = None,
        status: InterviewStatus | None = None,
        scheduled_from: datetime | None = None,
        scheduled_to: datetime | None = None,
    ) -> Page[InterviewSummary]:
        visible = await viewer.filter(col(Interview.employee_id), col(Interview.manager_id))
        stmt = InterviewRepository(session).list_statement(
            visible=visible,
            employee_id=employee_id,
            manager_id=manager_id,
            cycle_id=cycle_id,
            status=status,
            scheduled_from=scheduled_from,
            scheduled_to=scheduled_to,
        )
        return await paginate(
            session,
            stmt,
            sort=col(Interview.scheduled_at),
            id_column=col(Interview.id),
            params=params,
            to_item=InterviewSummary.model_validate,
            updated_column=col(Interview.updated_at),
        )

    # --- scheduling ----------------------------------------------------------------

    async def for_write(
        self, session: AsyncSession, viewer: Viewer, interview_id: UUID, guard: Guard | None
    ) -> Interview:
        interview = await InterviewRepository(session).get(interview_id, for_update=True)
        if interview is None or not await viewer.sees_employee(
            interview.employee_id, interview.manager_id
        ):
            raise InterviewNotFound(interview_id)
        if guard is not None:
            guard(interview)
        return interview

    @staticmethod
    def require_manager_side(viewer: Viewer, interview: Interview) -> None:
        if not (viewer.writes_tenant or viewer.is_person(interview.manager_id)):
            raise ManagerSideOnly("Only the manager of record or HR can do this.")

    @staticmethod
    def require_employee(viewer: Viewer, interview: Interview) -> None:
        if not viewer.is_person(interview.employee_id):
            raise EmployeeOnly("Only the interviewed employee can do this.")

    async def _moved(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        interview: Interview,
        action: InterviewAction,
        before: dict[str, Any],
        reason: str | None = None,
    ) -> None:
        # Touch the row so its version (the ETag) moves even when only child rows changed.
        interview.updated_at = utcnow()
        await session.flush()
        await audit(
            session,
            identity,
            entity_type="interview",
            entity_id=interview.id,
            action=action.value,
            before=before,
            after=interview_snapshot(interview),
            reason=reason,
        )
        await session.flush()
        log.info("interview.changed", interview_id=str(interview.id), action=action.value)

    async def reschedule(
        self,
        session: AsyncSession,
        viewer: Viewer,
        interview_id: UUID,
        data: InterviewReschedule,
        cycles: CycleDirectory,
        guard: Guard | None = None,
    ) -> Interview:
        interview = await self.for_write(session, viewer, interview_id, guard)
        self.require_manager_side(viewer, interview)
        before = interview_snapshot(interview)
        interview.status = MACHINE.next(interview.status, A.RESCHEDULE)
        if interview.cycle_id is not None:
            await ensure_feedback_phase(cycles, interview.cycle_id, "scheduled_at")
        interview.scheduled_at = data.scheduled_at
        if data.duration_minutes is not None:
            interview.duration_minutes = data.duration_minutes
        if data.location is not None:
            interview.location = data.location
        if data.meeting_link is not None:
            interview.meeting_link = str(data.meeting_link)
        interview.reschedule_count += 1
        await self._moved(session, viewer.identity, interview, A.RESCHEDULE, before, data.reason)
        return interview

    async def cancel(
        self,
        session: AsyncSession,
        viewer: Viewer,
        interview_id: UUID,
        data: InterviewCancel,
        guard: Guard | None = None,
    ) -> Interview:
        interview = await self.for_write(session, viewer, interview_id, guard)
        self.require_manager_side(viewer, interview)
        before = interview_snapshot(interview)
        interview.status = MACHINE.next(interview.status, A.CANCEL)
        interview.cancelled_at = utcnow()
        interview.cancel_reason = data.reason
        await self._moved(session, viewer.identity, interview, A.CANCEL, before, data.reason)
        return interview

    async def hold(
        self,
        session: AsyncSession,
        viewer: Viewer,
        interview_id: UUID,
        data: InterviewHold,
        guard: Guard | None = None,
    ) -> Interview:
        interview = await self.for_write(session, viewer, interview_id, guard)
        self.require_manager_side(viewer, interview)
        now = utcnow()
        if data.held_at is not None and data.held_at > now:
            raise InvalidInput(
                "An interview cannot be held in the future.",
                errors=[field("held_at", "in the future")],
            )
        before = interview_snapshot(interview)
        interview.status = MACHINE.next(interview.status, A.HOLD)
        interview.held_at = data.held_at or now
        await self._moved(session, viewer.identity, interview, A.HOLD, before)
        await emit(
            session,
            type=events.INTERVIEW_HELD,
            subject=f"interview/{interview.id}",
            data=events.InterviewHeld(
                interview_id=interview.id,
                employee_id=interview.employee_id,
                manager_id=interview.manager_id,
                cycle_id=interview.cycle_id,
                held_at=interview.held_at,
            ),
        )
        return interview

    # --- the record ----------------------------------------------------------------

    async def update_record(
        self,
        session: AsyncSession,
        viewer: Viewer,
        interview_id: UUID,
        data: RecordUpdate,
        guard: Guard | None = None,
    ) -> Interview:
        """The manager side writes the record; the employee writes their own comment."""
        interview = await self.for_write(session, viewer, interview_id, guard)
        given = data.model_fields_set
        manager_part = given & set(MANAGER_FIELDS)
        if manager_part:
            self.require_manager_side(viewer, interview)
        if "employee_comment" in given:
            self.require_employee(viewer, interview)
        if not given:
            raise InvalidInput("Nothing to change.", errors=[field("", "no field given")])
        action = A.EDIT_RECORD if manager_part else A.COMMENT
        interview.status = MACHINE.next(interview.status, action)
        repo = InterviewRepository(session)
        before = {
            **interview_snapshot(interview),
            "gaps": await self._gap_snaps(repo, interview.id),
        }
        for name in ("strengths", "shortcomings", "agreed_points"):
            if name in given:
                setattr(interview, name, list(getattr(data, name) or []))
        if "manager_comment" in given:
            interview.manager_comment = data.manager_comment
        if "employee_comment" in given:
            interview.employee_comment = data.employee_comment
        if "gaps" in given:
            await repo.delete_gaps(interview.id)
            repo.add(
                *(
                    InterviewGap(
                        tenant_id=viewer.identity.tenant_id,
                        interview_id=interview.id,
                        position=i,
                        description=gap.description,
                        root_cause=gap.root_cause,
                        indicator_id=gap.indicator_id,
                        note=gap.note,
                    )
                    for i, gap in enumerate(data.gaps or [])
                )
            )
        interview.updated_at = utcnow()  # the version (ETag) moves even if only gaps changed
        await repo.flush()
        await audit(
            session,
            viewer.identity,
            entity_type="interview",
            entity_id=interview.id,
            action=action.value,
            before=before,
            after={
                **interview_snapshot(interview),
                "gaps": await self._gap_snaps(repo, interview.id),
            },
        )
        return interview

    @staticmethod
    async def _gap_snaps(repo: InterviewRepository, interview_id: UUID) -> list[dict[str, Any]]:
        return [
            GapRead.model_validate(g).model_dump(mode="json", exclude={"id"})
            for g in await repo.gaps(interview_id)
        ]

    # --- acknowledgement -----------------------------------------------------------

    async def acknowledge(
        self,
        session: AsyncSession,
        viewer: Viewer,
        interview_id: UUID,
        data: InterviewAcknowledge,
        guard: Guard | None = None,
        *,
        follow_ups: FollowUps,
    ) -> Interview:
        interview = await self.for_write(session, viewer, interview_id, guard)
        self.require_employee(viewer, interview)
        open_action_ids = await follow_ups.open_action_ids(session, interview.id)
        before = interview_snapshot(interview)
        interview.status = MACHINE.next(interview.status, A.ACKNOWLEDGE)
        interview.acknowledged_at = utcnow()
        if data.comment is not None:
            interview.employee_comment = data.comment
        await self._moved(session, viewer.identity, interview, A.ACKNOWLEDGE, before)
        await emit(
            session,
            type=events.INTERVIEW_ACKNOWLEDGED,
            subject=f"interview/{interview.id}",
            data=events.InterviewAcknowledged(
                interview_id=interview.id,
                employee_id=interview.employee_id,
                manager_id=interview.manager_id,
                cycle_id=interview.cycle_id,
                acknowledged_at=interview.acknowledged_at,
                improvement_action_ids=open_action_ids,
            ),
        )
        return interview

    async def dispute(
        self,
        session: AsyncSession,
        viewer: Viewer,
        interview_id: UUID,
        data: InterviewDispute,
        guard: Guard | None = None,
    ) -> Interview:
        interview = await self.for_write(session, viewer, interview_id, guard)
        self.require_employee(viewer, interview)
        before = interview_snapshot(interview)
        interview.status = MACHINE.next(interview.status, A.DISPUTE)
        interview.disputed_at = utcnow()
        interview.dispute_reason = data.reason
        await self._moved(session, viewer.identity, interview, A.DISPUTE, before, data.reason)
        await emit(
            session,
            type=events.INTERVIEW_DISPUTED,
            subject=f"interview/{interview.id}",
            data=events.InterviewDisputed(
                interview_id=interview.id,
                employee_id=interview.employee_id,
                manager_id=interview.manager_id,
                cycle_id=interview.cycle_id,
                disputed_at=interview.disputed_at,
            ),
        )
        return interview

    async def close(
        self,
        session: AsyncSession,
        viewer: Viewer,
        interview_id: UUID,
        data: InterviewClose,
        guard: Guard | None = None,
        *,
        follow_ups: FollowUps,
    ) -> Interview:
        interview = await self.for_write(session, viewer, interview_id, guard)
        self.require_manager_side(viewer, interview)
        MACHINE.next(interview.status, A.CLOSE)
        pending = await follow_ups.unresolved_appeal_id(session, interview.id)
        if pending is not None:
            raise AppealPending(pending)
        await self.close_now(session, viewer.identity, interview, data.note)
        return interview

    async def close_now(
        self,
        session: AsyncSession,
        identity: IdentityClaims,
        interview: Interview,
        reason: str | None,
    ) -> None:
        """Close an acknowledged or disputed interview (also when its appeal is resolved)."""
        before = interview_snapshot(interview)
        interview.status = MACHINE.next(interview.status, A.CLOSE)
        interview.closed_at = utcnow()
        await self._moved(session, identity, interview, A.CLOSE, before, reason)


interview_service = InterviewService()
