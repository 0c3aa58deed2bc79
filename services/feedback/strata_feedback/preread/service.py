"""Assembling an interview's pre-read from goals, reviews and feedback's own records.

The two remote parts are fetched concurrently, each with its own timeout; a part that
fails is named in `missing` with the reason, and the packet still comes back (never a 500
because another service is down)."""

import asyncio
from collections.abc import Awaitable
from typing import TypeVar
from uuid import UUID

from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.client import ApiError, ServiceUnavailable
from strata_contracts.feedback.interviews import InterviewSummary
from strata_contracts.feedback.preread import (
    MissingPart,
    MissingReason,
    PreRead,
    Summary360,
)
from strata_contracts.feedback.vocabulary import PrereadPart
from strata_contracts.goals.client import GoalsClient
from strata_contracts.goals.plans import PlanExplanation
from strata_contracts.reviews.client import ReviewsClient
from strata_feedback.access import Viewer
from strata_feedback.improvement.service import improvement_service
from strata_feedback.interviews.models import Interview
from strata_feedback.interviews.repository import InterviewRepository
from strata_feedback.interviews.service import interview_service
from strata_feedback.notes.service import note_service
from strata_kit.db import utcnow
from strata_kit.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")

_SERVICE_OF = {PrereadPart.PLAN: "goals", PrereadPart.REVIEWS: "reviews"}


class PartMissing(Exception):
    """A part of the pre-read that could not be had (caught and listed, never raised out)."""

    def __init__(self, missing: MissingPart) -> None:
        super().__init__(missing.detail)
        self.missing = missing


async def fetch_plan(goals: GoalsClient, interview: Interview) -> PlanExplanation:
    if interview.cycle_id is None:
        raise PartMissing(
            MissingPart(
                part=PrereadPart.PLAN,
                reason=MissingReason.NOT_APPLICABLE,
                detail="An ad hoc interview has no cycle, so no plan to review.",
            )
        )
    return await goals.get_plan_explanation(interview.employee_id, interview.cycle_id)


async def fetch_reviews(reviews: ReviewsClient, interview: Interview) -> Summary360:
    page = await reviews.list_results(interview.employee_id)
    if not page.items:
        raise PartMissing(
            MissingPart(
                part=PrereadPart.REVIEWS,
                reason=MissingReason.NOT_FOUND,
                detail="The employee has no closed 360 results yet.",
            )
        )
    of_cycle = [r for r in page.items if r.cycle_id == interview.cycle_id]
    latest = max(of_cycle or page.items, key=lambda r: r.closed_at)
    return Summary360(of_this_cycle=bool(of_cycle), results=latest)


def _missing(part: PrereadPart, exc: BaseException) -> MissingPart:
    """Why `part` could not be had, from what fetching it raised."""
    service = _SERVICE_OF.get(part, "feedback")
    if isinstance(exc, PartMissing):
        return exc.missing
    if isinstance(exc, TimeoutError):
        return MissingPart(
            part=part,
            reason=MissingReason.TIMEOUT,
            status=504,
            detail=f"The {service} service did not answer in time.",
        )
    if isinstance(exc, ServiceUnavailable):
        timeout = exc.status == 504
        return MissingPart(
            part=part,
            reason=MissingReason.TIMEOUT if timeout else MissingReason.UNAVAILABLE,
            status=exc.status,
            detail=f"The {service} service "
            + ("did not answer in time." if timeout else "could not be reached."),
        )
    if isinstance(exc, ApiError):
        reason = {
            404: MissingReason.NOT_FOUND,
            403: MissingReason.FORBIDDEN,
            503: MissingReason.UNAVAILABLE,
            504: MissingReason.TIMEOUT,
        }.get(exc.status, MissingReason.UPSTREAM_ERROR)
        return MissingPart(
            part=part,
            reason=reason,
            status=exc.status,
            detail=f"The {service} service answered {exc.status}: "
            + (exc.problem.detail or exc.problem.title),
        )
    if isinstance(exc, ValidationError):
        return MissingPart(
            part=part,
            reason=MissingReason.INVALID_RESPONSE,
            status=502,
            detail=f"The {service} service's answer does not match the contract.",
        )
    return MissingPart(
        part=part,
        reason=MissingReason.UPSTREAM_ERROR,
        detail=f"The {service} part failed ({type(exc).__name__}).",
    )


async def _bounded(call: Awaitable[T], seconds: float) -> T:
    async with asyncio.timeout(seconds):
        return await call


class PrereadService:
    async def assemble(
        self,
        session: AsyncSession,
        viewer: Viewer,
        interview_id: UUID,
        *,
        goals: GoalsClient,
        reviews: ReviewsClient,
        part_seconds: float,
    ) -> PreRead:
        """The pre-read of an interview the caller can see; remote parts as the caller may
        see them in goals and reviews, each within `part_seconds`."""
        interview = await interview_service.get(session, viewer, interview_id)
        remote = await asyncio.gather(
            _bounded(fetch_plan(goals, interview), part_seconds),
            _bounded(fetch_reviews(reviews, interview), part_seconds),
            return_exceptions=True,
        )
        plan_or_error, reviews_or_error = remote
        missing: list[MissingPart] = []
        plan: PlanExplanation | None = None
        summary: Summary360 | None = None
        if isinstance(plan_or_error, BaseException):
            missing.append(self._noted(PrereadPart.PLAN, plan_or_error, interview))
        else:
            plan = plan_or_error
        if isinstance(reviews_or_error, BaseException):
            missing.append(self._noted(PrereadPart.REVIEWS, reviews_or_error, interview))
        else:
            summary = reviews_or_error

        previous = await InterviewRepository(session).previous(interview)
        previous_plan = (
            await improvement_service.plan_of(session, previous) if previous is not None else None
        )
        notes = await note_service.interview_input(
            session,
            viewer,
            interview.employee_id,
            since=previous.held_at if previous is not None else None,
            until=interview.held_at,
        )
        if notes is None:
            missing.append(
                MissingPart(
                    part=PrereadPart.NOTES,
                    reason=MissingReason.HIDDEN,
                    detail="The tenant keeps anytime notes from managers.",
                )
            )
        return PreRead(
            interview=InterviewSummary.model_validate(interview),
            assembled_at=utcnow(),
            plan=plan,
            reviews=summary,
            previous_interview=(
                InterviewSummary.model_validate(previous) if previous is not None else None
            ),
            previous_improvement_plan=previous_plan,
            notes=notes,
            missing=missing,
            complete=not missing,
        )

    @staticmethod
    def _noted(part: PrereadPart, exc: BaseException, interview: Interview) -> MissingPart:
        if not isinstance(exc, Exception):  # cancellation and the like are not ours to eat
            raise exc
        missing = _missing(part, exc)
        log.warning(
            "preread.part_missing",
            interview_id=str(interview.id),
            part=part.value,
            reason=missing.reason.value,
            status=missing.status,
        )
        return missing


preread_service = PrereadService()
