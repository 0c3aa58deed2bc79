"""Business rules of appeals: the employee appeals a disputed interview; HR reviews and
resolves it; an amended outcome becomes change requests to the services that own the
results, recorded with before, after and reason (feedback never edits their data)."""

from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.analytics.applied import RatingAmendment
from strata_contracts.analytics.client import AnalyticsClient
from strata_contracts.client import ApiError, ServiceUnavailable
from strata_contracts.feedback import events
from strata_contracts.feedback.appeals import (
    AppealCreate,
    AppealRead,
    AppealResolve,
    AppealReview,
    ChangeRequestDecision,
    ChangeRequestRead,
)
from strata_contracts.feedback.vocabulary import (
    APPEAL_DECISIONS,
    AppealOutcome,
    AppealStatus,
    ChangeRequestStatus,
    OwningService,
)
from strata_contracts.goals.client import GoalsClient
from strata_contracts.goals.plans import ActualCorrection
from strata_contracts.pagination import Page
from strata_feedback.access import Viewer
from strata_feedback.appeals.exceptions import (
    AppealExists,
    AppealNotFound,
    ChangeRequestNotFound,
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


class ChangeRequestMove(StrEnum):
    APPLY = "apply"
    REJECT = "reject"


CHANGE_REQUEST_MACHINE: StateMachine[ChangeRequestStatus, ChangeRequestMove] = StateMachine(
    "change request",
    ChangeRequestStatus,
    {
        (ChangeRequestStatus.PENDING, ChangeRequestMove.APPLY): ChangeRequestStatus.APPLIED,
        (ChangeRequestStatus.PENDING, ChangeRequestMove.REJECT): ChangeRequestStatus.REJECTED,
    },
)


APPLIED_BY_GOALS = ("actual", frozenset({"value", "level"}))
"""Change requests feedback applies itself through goals' own audited path
(`POST /actuals/{id}/corrections`, as the resolving HR person): a KPI actual's value or level."""


APPLIED_BY_ANALYTICS = ("overall_result", frozenset({"band"}))
"""...and a rating (the overall result's band) through analytics
(`POST /results/{id}/amendments`)."""


def _applied_here(request: ChangeRequest) -> bool:
    kind, fields = APPLIED_BY_GOALS
    return (
        request.target_service is OwningService.GOALS
        and request.target_type == kind
        and request.field in fields
    )


def _rating(request: ChangeRequest) -> bool:
    kind, fields = APPLIED_BY_ANALYTICS
    return (
        request.target_service is OwningService.ANALYTICS
        and request.target_type == kind
        and request.field in fields
    )


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


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
        repo = AppealRepository(session)
        requests = [
            ChangeRequest(
                tenant_id=viewer.identity.tenant_id,
                appeal_id=appeal.id,
                interview_id=appeal.interview_id,
                employee_id=appeal.employee_id,
                target_service=a.target_service,
                target_type=a.target_type,
                target_id=a.target_id,
                field=a.field,
                before=a.before,
                after=a.after,
                reason=a.reason,
            )
            for a in data.amendments
        ]
        repo.add(*requests)
        await repo.flush()
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
        for request in requests:
            await audit(
                session,
                viewer.identity,
                entity_type="change_request",
                entity_id=request.id,
                action="created",
                before={"value": request.before},
                after=_snap(request),
                reason=request.reason,
            )
            await emit(
                session,
                type=events.CHANGE_REQUEST_CREATED,
                subject=f"change_request/{request.id}",
                data=events.ChangeRequestCreated(
                    change_request_id=request.id,
                    appeal_id=appeal.id,
                    employee_id=appeal.employee_id,
                    target_service=request.target_service,
                    target_type=request.target_type,
                    target_id=request.target_id,
                    field=request.field,
                    before=request.before,
                    after=request.after,
                    reason=request.reason,
                ),
            )
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
        for request in requests:
            if goals is not None and _applied_here(request):
                await self._apply_through_goals(session, viewer, appeal, request, goals)
            elif analytics is not None and _rating(request):
                await self._apply_through_analytics(session, viewer, appeal, request, analytics)
        interview = await InterviewRepository(session).get(appeal.interview_id, for_update=True)
        if interview is not None:
            await interview_service.close_now(
                session, viewer.identity, interview, f"appeal {appeal.id} resolved"
            )
        log.info("appeal.resolved", appeal_id=str(appeal.id), outcome=data.outcome.value)
        return appeal

    async def _apply_through_goals(
        self,
        session: AsyncSession,
        viewer: Viewer,
        appeal: Appeal,
        request: ChangeRequest,
        goals: GoalsClient,
    ) -> None:
        """Ask goals to correct the actual; its answer decides the change request: applied,
        rejected (goals refused it, with its reason) or still pending (goals unreachable:
        its owner applies it later and reports back)."""
        after = _number(request.after)
        level = int(after) if after is not None and request.field == "level" else None
        correction = None
        if after is not None and (request.field == "value" or after == level):
            correction = ActualCorrection(
                value=after if request.field == "value" else None,
                level=level,
                before=_number(request.before),
                reason=request.reason,
                appeal_id=appeal.id,
                change_request_id=request.id,
            )
        if correction is None:
            await self._decide(
                session,
                viewer,
                request,
                ChangeRequestMove.REJECT,
                f"goals takes a number as the {request.field}, not {request.after!r}",
            )
            return
        try:
            corrected = await goals.correct_actual(request.target_id, correction)
        except ServiceUnavailable as exc:
            log.warning("change_request.pending", change_request_id=str(request.id), error=str(exc))
            return
        except ApiError as exc:
            detail = exc.problem.detail or exc.problem.title
            await self._decide(
                session,
                viewer,
                request,
                ChangeRequestMove.REJECT,
                f"goals refused the change ({exc.status}): {detail}",
            )
            return
        await self._decide(
            session,
            viewer,
            request,
            ChangeRequestMove.APPLY,
            f"applied by goals: actual {request.target_id} corrected by actual {corrected.id}",
        )

    async def _apply_through_analytics(
        self,
        session: AsyncSession,
        viewer: Viewer,
        appeal: Appeal,
        request: ChangeRequest,
        analytics: AnalyticsClient,
    ) -> None:
        """The rating the appeal decided, set in analytics (the result's band)."""
        band = request.after
        if isinstance(band, int | float) and not isinstance(band, bool):
            band = str(band)
        if not isinstance(band, str) or not band:
            await self._decide(
                session,
                viewer,
                request,
                ChangeRequestMove.REJECT,
                f"analytics takes a band code as the band, not {request.after!r}",
            )
            return
        try:
            amended = await analytics.amend_rating(
                request.target_id,
                RatingAmendment(
                    band=band,
                    reason=request.reason,
                    appeal_id=appeal.id,
                    change_request_id=request.id,
                ),
            )
        except ServiceUnavailable as exc:
            log.warning("change_request.pending", change_request_id=str(request.id), error=str(exc))
            return
        except ApiError as exc:
            detail = exc.problem.detail or exc.problem.title
            await self._decide(
                session,
                viewer,
                request,
                ChangeRequestMove.REJECT,
                f"analytics refused the change ({exc.status}): {detail}",
            )
            return
        await self._decide(
            session,
            viewer,
            request,
            ChangeRequestMove.APPLY,
            f"applied by analytics: band {amended.final_band}, overall {amended.final_overall}",
        )

    async def _decide(
        self,
        session: AsyncSession,
        viewer: Viewer,
        request: ChangeRequest,
        move: ChangeRequestMove,
        note: str,
    ) -> None:
        before = _snap(request)
        request.status = CHANGE_REQUEST_MACHINE.next(request.status, move)
        request.decided_at = utcnow()
        request.decision_note = note[:2000]
        await AppealRepository(session).flush()
        await audit(
            session,
            viewer.identity,
            entity_type="change_request",
            entity_id=request.id,
            action=request.status.value,
            before=before,
            after=_snap(request),
            reason=request.decision_note,
        )

    # --- change requests, for the owning services ----------------------------------

    async def list_change_requests(
        self,
        session: AsyncSession,
        params: PageParams,
        *,
        target_service: OwningService | None = None,
        status: ChangeRequestStatus | None = None,
        employee_id: UUID | None = None,
    ) -> Page[ChangeRequestRead]:
        stmt = AppealRepository(session).change_request_statement(
            target_service=target_service, status=status, employee_id=employee_id
        )
        return await paginate(
            session,
            stmt,
            sort=col(ChangeRequest.created_at),
            id_column=col(ChangeRequest.id),
            params=params,
            to_item=ChangeRequestRead.model_validate,
            updated_column=col(ChangeRequest.updated_at),
        )

    async def get_change_request(
        self, session: AsyncSession, change_request_id: UUID
    ) -> ChangeRequest:
        request = await AppealRepository(session).change_request(change_request_id)
        if request is None:
            raise ChangeRequestNotFound(change_request_id)
        return request

    async def decide_change_request(
        self,
        session: AsyncSession,
        viewer: Viewer,
        change_request_id: UUID,
        move: ChangeRequestMove,
        data: ChangeRequestDecision,
    ) -> ChangeRequest:
        """The owning service reports that it applied (or refused) the change."""
        repo = AppealRepository(session)
        request = await repo.change_request(change_request_id, for_update=True)
        if request is None:
            raise ChangeRequestNotFound(change_request_id)
        before = _snap(request)
        request.status = CHANGE_REQUEST_MACHINE.next(request.status, move)
        request.decided_at = utcnow()
        request.decision_note = data.note
        await repo.flush()
        await audit(
            session,
            viewer.identity,
            entity_type="change_request",
            entity_id=request.id,
            action=request.status.value,
            before=before,
            after=_snap(request),
            reason=data.note,
        )
        return request


appeal_service = AppealService()
