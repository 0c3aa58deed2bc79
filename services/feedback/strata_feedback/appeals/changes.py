"""Change requests: an amended appeal's changes to results that other services own, recorded
with before, after and reason, applied through the owner's own audited path where feedback may
(a KPI actual through goals, a rating through analytics) and otherwise decided by the owner."""

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.analytics.applied import RatingAmendment
from strata_contracts.analytics.client import AnalyticsClient
from strata_contracts.client import ApiError, ServiceUnavailable
from strata_contracts.feedback import events
from strata_contracts.feedback.appeals import (
    ChangeRequestCreate,
    ChangeRequestDecision,
    ChangeRequestRead,
)
from strata_contracts.feedback.vocabulary import ChangeRequestStatus, OwningService
from strata_contracts.goals.client import GoalsClient
from strata_contracts.goals.plans import ActualCorrection
from strata_contracts.pagination import Page
from strata_feedback.access import Viewer
from strata_feedback.appeals.exceptions import ChangeRequestNotFound
from strata_feedback.appeals.models import Appeal, ChangeRequest
from strata_feedback.appeals.repository import AppealRepository
from strata_feedback.trail import audit, emit
from strata_feedback.transitions import StateMachine
from strata_kit.audit import snapshot
from strata_kit.db import utcnow
from strata_kit.logging import get_logger
from strata_kit.pagination import PageParams, paginate

log = get_logger(__name__)


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


def _snap(row: ChangeRequest) -> dict[str, Any]:
    return snapshot(row, exclude={"created_at", "updated_at"}) or {}


class ChangeRequestService:
    async def create(
        self,
        session: AsyncSession,
        viewer: Viewer,
        appeal: Appeal,
        amendments: Sequence[ChangeRequestCreate],
    ) -> list[ChangeRequest]:
        """One pending change request per amendment of `appeal`, stored."""
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
            for a in amendments
        ]
        repo.add(*requests)
        await repo.flush()
        return requests

    async def announce(
        self,
        session: AsyncSession,
        viewer: Viewer,
        appeal: Appeal,
        requests: Sequence[ChangeRequest],
    ) -> None:
        """Each new change request audited and announced to its owner."""
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

    async def apply(
        self,
        session: AsyncSession,
        viewer: Viewer,
        appeal: Appeal,
        requests: Sequence[ChangeRequest],
        goals: GoalsClient | None,
        analytics: AnalyticsClient | None,
    ) -> None:
        """What feedback may apply itself, applied now (with the client given)."""
        for request in requests:
            if goals is not None and _applied_here(request):
                await self._apply_through_goals(session, viewer, appeal, request, goals)
            elif analytics is not None and _rating(request):
                await self._apply_through_analytics(session, viewer, appeal, request, analytics)

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

    # --- for the owning services ---------------------------------------------------

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


change_requests = ChangeRequestService()
