"""Errors of the interviews domain."""

from uuid import UUID

from strata_contracts.goals.vocabulary import CyclePhase
from strata_kit.errors import Conflict, Forbidden, NotFound


class InterviewNotFound(NotFound):
    title = "Interview not found"
    slug = "interview-not-found"

    def __init__(self, interview_id: UUID) -> None:
        super().__init__(f"No interview {interview_id} that you can see.")


class InterviewExists(Conflict):
    title = "Interview already scheduled"
    slug = "interview-exists"

    def __init__(self, existing_id: UUID | None) -> None:
        super().__init__(
            "The employee already has an interview for this cycle; reschedule it, or cancel it "
            "first.",
            existing_interview_id=str(existing_id) if existing_id else None,
        )


class AppealPending(Conflict):
    title = "Appeal pending"
    slug = "appeal-pending"

    def __init__(self, appeal_id: UUID) -> None:
        super().__init__(
            "The interview has an appeal that is not resolved yet; it closes when the appeal "
            "is resolved.",
            appeal_id=str(appeal_id),
        )


class ManagerSideOnly(Forbidden):
    title = "Manager or HR only"
    slug = "manager-side-only"


class EmployeeOnly(Forbidden):
    title = "The employee only"
    slug = "employee-only"


class NotInReportingLine(Forbidden):
    title = "Not in your reporting line"
    slug = "not-in-reporting-line"


class CycleNotInFeedback(Conflict):
    """Interviews of a cycle happen in its feedback phase: not before (planning to
    assessment), not after it closed (a closed cycle is frozen)."""

    title = "Cycle not in its feedback phase"
    slug = "cycle-not-in-feedback"

    def __init__(self, cycle_name: str, phase: CyclePhase) -> None:
        super().__init__(
            f"The cycle {cycle_name!r} is in its {phase.value} phase: its interviews are "
            "scheduled while it is in its feedback phase.",
            phase=phase.value,
        )
