"""Business rules of appeals: the employee appeals a disputed interview; HR reviews and
resolves it; an amended outcome becomes change requests to the services that own the
results, recorded with before, after and reason (feedback never edits their data)."""

from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.analytics.client import AnalyticsClient
from strata_contracts.feedback import events
from strata_contracts.feedback.appeals import (
    AppealCreate,
    AppealRead,
    AppealResolve,
    AppealReview,
    ChangeRequestRead,
)
from strata_contracts.feedback.vocabulary import (
    APPEAL_DECISIONS,
    AppealOutcome,
    AppealStatus,
)
from strata_contracts.goals.client import GoalsClient
from strata_contracts.pagination import Page
from strata_feedback.access import Viewer
from strata_feedback.appeals.changes import change_requests
from strata_feedback.appeals.exceptions import (
    AppealExists,
    AppealNotFound,
)
from strata_feedback.appeals.models import Appeal, ChangeRequest
from strata_feedback.appeals.repository import AppealRepository
from strata_feedback.interviews.repository import InterviewRepository
from strata_feedback.interviews.service import MACHINE as INTERVIEW_MACHINE
from strata_feedback.interviews.service import InterviewAction, interview_service
from strata_feedback.trail import audit, emit
from strata_feedback.transitions import StateMachine
from strata_kit.audit import snapshot
from strata_kit.db import utcnow
from strata_kit.logging import get_logger
from strata_kit.pagination import PageParams, paginate

log = get_logger(__name__)


class AppealMove(StrEnum):
    REVIEW = "review"
    RESOLVE_UPHELD = "resolve_upheld"
    RESOLVE_AMENDED = "resolve_amended"
    RESOLVE_REJECTED = "resolve_rejected"


S, M = AppealStatus, AppealMove
MACHINE: StateMachine[AppealStatus, AppealMove] = StateMachine(
    "appeal",
    AppealStatus,
    {
        (S.OPEN, M.REVIEW): S.UNDER_REVIEW,
        (S.UNDER_REVIEW, M.RESOLVE_UPHELD): S.UPHELD,
        (S.UNDER_REVIEW, M.RESOLVE_AMENDED): S.AMENDED,
        (S.UNDER_REVIEW, M.RESOLVE_REJECTED): S.REJECTED,
    },
)
"""Every allowed move of an appeal: it is reviewed before it is resolved; resolved is final."""

_RESOLVE = {
    AppealOutcome.UPHELD: M.RESOLVE_UPHELD,
    AppealOutcome.AMENDED: M.RESOLVE_AMENDED,
    AppealOutcome.REJECTED: M.RESOLVE_REJECTED,
}


def _snap(row: Appeal | ChangeRequest) -> dict[str, Any]:
    return snapshot(row, exclude={"created_at", "updated_at"}) or {}


class AppealService:
    # --- reads ---------------------------------------------------------------------

    async def get(self, session: AsyncSession, viewer: Viewer, appeal_id: UUID) -> Appeal:
        appeal = await AppealRepository(session).get(appeal_id)
        if appeal is None or not await viewer.sees_employee(appeal.employee_id, appeal.manager_id):
            raise AppealNotFound(appeal_id)
        return appeal

    async def read(self, session: AsyncSession, appeal: Appeal) -> AppealRead:
        requests = await AppealRepository(session).change_requests(appeal.id)
        return AppealRead.model_validate(
            {
                **appeal.model_dump(),
                "change_requests": [ChangeRequestRead.model_validate(r) for r in requests],
            }
        )

    async def page(
        self,
        session: AsyncSession,
        viewer: Viewer,
        params: PageParams,
        *,
        status: AppealStatus | None = None,
        employee_id: UUID | None = None,
        interview_id: UUID | None = None,
    ) -> Page[AppealRead]:
        visible = await viewer.filter(col(Appeal.employee_id), col(Appeal.manager_id))
        repo = AppealRepository(session)
        page = await paginate(
            session,
            repo.list_statement(
                visible=visible, status=status, employee_id=employee_id, interview_id=interview_id
            ),
            sort=col(Appeal.created_at),
            id_column=col(Appeal.id),
            params=params,
            to_item=lambda a: AppealRead.model_validate({**a.model_dump(), "change_requests": []}),
            updated_column=col(Appeal.updated_at),
        )
        requests = await repo.change_requests_of([a.id for a in page.items])
        for item in page.items:
            item.change_requests = [
                ChangeRequestRead.model_validate(r) for r in requests if r.appeal_id == item.id
            ]
        return page

    # --- the employee appeals ------------------------------------------------------

    async def open(self, session: AsyncSession, viewer: Viewer, data: AppealCreate) -> Appeal:
        """The employee appeals their disputed interview (one appeal per interview)."""
        interview = await interview_service.for_write(session, viewer, data.interview_id, None)
        interview_service.require_employee(viewer, interview)
        INTERVIEW_MACHINE.next(interview.status, InterviewAction.APPEAL)
        repo = AppealRepository(session)
        existing = await repo.for_interview(interview.id)
        if existing is not None:
            raise AppealExists(existing.id)
        appeal = Appeal(
            tenant_id=viewer.identity.tenant_id,
            interview_id=interview.id,
            employee_id=interview.employee_id,
            manager_id=interview.manager_id,
            reason=data.reason,
        )
        repo.add(appeal)
        try:
            await repo.flush()
        except IntegrityError as exc:  # a concurrent appeal of the same interview won
            raise AppealExists(interview.id) from exc
        await audit(
            session,
            viewer.identity,
            entity_type="appeal",
            entity_id=appeal.id,
            action="opened",
            after=_snap(appeal),
            reason=data.reason,
        )
        await emit(
            session,
            type=events.APPEAL_OPENED,
            subject=f"appeal/{appeal.id}",
            data=events.AppealOpened(
                appeal_id=appeal.id,
                interview_id=interview.id,
                employee_id=interview.employee_id,
                manager_id=interview.manager_id,
            ),
        )
        return appeal

    # --- HR handles it -------------------------------------------------------------

    async def _for_write(self, session: AsyncSession, viewer: Viewer, appeal_id: UUID) -> Appeal:
        appeal = await AppealRepository(session).get(appeal_id, for_update=True)
        if appeal is None or not await viewer.sees_employee(appeal.employee_id, appeal.manager_id):
            raise AppealNotFound(appeal_id)
        return appeal

    async def review(
        self, session: AsyncSession, viewer: Viewer, appeal_id: UUID, data: AppealReview
    ) -> Appeal:
        appeal = await self._for_write(session, viewer, appeal_id)
        before = _snap(appeal)
        appeal.status = MACHINE.next(appeal.status, M.REVIEW)
        appeal.reviewer = viewer.identity.subject
        appeal.reviewer_employee_id = viewer.employee_id
        appeal.review_started_at = utcnow()
        await AppealRepository(session).flush()
        await audit(
            session,
            viewer.identity,
            entity_type="appeal",
            entity_id=appeal.id,
            action="review_started",
            before=before,
            after=_snap(appeal),
            reason=data.note,
        )
        return appeal

    async def resolve(
        self,
        session: AsyncSession,
        viewer: Viewer,
        appeal_id: UUID,
        data: AppealResolve,
        goals: GoalsClient | None = None,
        analytics: AnalyticsClient | None = None,
    ) -> Appeal:
        """Resolve an appeal under review; the disputed interview closes with it. A change of
        a KPI actual is applied at once through goals (`goals` given); the others wait for
        their owner."""
        appeal = await self._for_write(session, viewer, appeal_id)
        before = _snap(appeal)
        appeal.status = MACHINE.next(appeal.status, _RESOLVE[data.outcome])
        appeal.resolution_note = data.resolution_note
        appeal.resolved_at = utcnow()
        requests = await change_requests.create(session, viewer, appeal, data.amendments)
        await audit(
            session,
            viewer.identity,
            entity_type="appeal",
            entity_id=appeal.id,
            action=f"resolved_{data.outcome.value}",
            before=before,
            after=_snap(appeal),
            reason=data.resolution_note,
        )
        await change_requests.announce(session, viewer, appeal, requests)
        await emit(
            session,
            type=events.APPEAL_RESOLVED,
            subject=f"appeal/{appeal.id}",
            data=events.AppealResolved(
                appeal_id=appeal.id,
                interview_id=appeal.interview_id,
                employee_id=appeal.employee_id,
                outcome=data.outcome,
                appeal_decision=APPEAL_DECISIONS[data.outcome.value][0],
                result=APPEAL_DECISIONS[data.outcome.value][1],
                resolved_at=appeal.resolved_at,
                change_request_ids=[r.id for r in requests],
            ),
        )
        await change_requests.apply(session, viewer, appeal, requests, goals, analytics)
        interview = await InterviewRepository(session).get(appeal.interview_id, for_update=True)
        if interview is not None:
            await interview_service.close_now(
                session, viewer.identity, interview, f"appeal {appeal.id} resolved"
            )
        log.info("appeal.resolved", appeal_id=str(appeal.id), outcome=data.outcome.value)
        return appeal


appeal_service = AppealService()
