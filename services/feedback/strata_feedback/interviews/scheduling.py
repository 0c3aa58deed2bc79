"""Scheduling an interview: who may schedule it for whom (HR for anyone, a manager for
their reporting line), where it takes place, and one live interview per person and cycle."""

from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.feedback.interviews import InterviewCreate
from strata_contracts.feedback.vocabulary import InterviewKind
from strata_feedback.access import Viewer
from strata_feedback.interviews.cycles import CycleDirectory, ensure_feedback_phase
from strata_feedback.interviews.exceptions import (
    InterviewExists,
    ManagerSideOnly,
    NotInReportingLine,
)
from strata_feedback.interviews.models import Interview, InterviewParticipant
from strata_feedback.interviews.repository import InterviewRepository
from strata_feedback.interviews.service import interview_snapshot
from strata_feedback.trail import audit
from strata_kit.errors import Forbidden, InvalidInput, field
from strata_kit.logging import get_logger

log = get_logger(__name__)


class InterviewScheduling:
    async def schedule(
        self, session: AsyncSession, viewer: Viewer, cycles: CycleDirectory, data: InterviewCreate
    ) -> Interview:
        """Schedule an interview: HR for anyone, a manager for their reporting line; a
        cycle's interview only while the cycle is in its feedback phase. The caller's
        rights are settled first, the request's business rules after."""
        manager_id = await self._manager_of_record(viewer, data)
        if data.location is None and data.meeting_link is None:
            raise InvalidInput(
                "An interview needs a place: a location, a meeting link, or both.",
                errors=[
                    field("location", "give a location or a meeting_link", "missing"),
                    field("meeting_link", "give a meeting_link or a location", "missing"),
                ],
            )
        if manager_id == data.employee_id:
            raise InvalidInput(
                "An employee cannot be their own manager of record.",
                errors=[field("manager_id", "equals employee_id")],
            )
        if data.cycle_id is not None:
            await ensure_feedback_phase(cycles, data.cycle_id, "cycle_id")
        seen: set[UUID] = {data.employee_id, manager_id}
        for i, participant in enumerate(data.participants):
            if participant.employee_id in seen:
                raise InvalidInput(
                    "A participant is listed twice, or is the employee or the manager.",
                    errors=[field(f"participants/{i}/employee_id", "already attends")],
                )
            seen.add(participant.employee_id)
        repo = InterviewRepository(session)
        if data.cycle_id is not None:
            existing = await repo.live_for_cycle(data.employee_id, data.cycle_id)
            if existing is not None:
                raise InterviewExists(existing.id)
        interview = Interview(
            tenant_id=viewer.identity.tenant_id,
            employee_id=data.employee_id,
            manager_id=manager_id,
            cycle_id=data.cycle_id,
            kind=InterviewKind.CYCLE if data.cycle_id else InterviewKind.AD_HOC,
            scheduled_at=data.scheduled_at,
            duration_minutes=data.duration_minutes,
            location=data.location,
            meeting_link=str(data.meeting_link) if data.meeting_link else None,
        )
        repo.add(interview)
        try:
            await repo.flush()
        except IntegrityError as exc:  # a concurrent schedule for the same cycle won
            raise InterviewExists(None) from exc
        repo.add(
            *(
                InterviewParticipant(
                    tenant_id=viewer.identity.tenant_id,
                    interview_id=interview.id,
                    employee_id=p.employee_id,
                    role=p.role,
                )
                for p in data.participants
            )
        )
        await repo.flush()
        await audit(
            session,
            viewer.identity,
            entity_type="interview",
            entity_id=interview.id,
            action="scheduled",
            after={
                **interview_snapshot(interview),
                "participants": [p.model_dump(mode="json") for p in data.participants],
            },
        )
        log.info("interview.scheduled", interview_id=str(interview.id))
        return interview

    async def _manager_of_record(self, viewer: Viewer, data: InterviewCreate) -> UUID:
        if viewer.writes_tenant:
            employee = await viewer.directory.employee(data.employee_id)
            if employee is None:
                raise InvalidInput(
                    "The employee is not known in this tenant.",
                    errors=[field("employee_id", "no such employee")],
                )
            manager_id = data.manager_id or employee.manager_id
            if manager_id is None:
                raise InvalidInput(
                    "The employee has no manager on record; name the manager.",
                    errors=[field("manager_id", "required: the employee has no manager")],
                )
            return manager_id
        if viewer.employee_id is None:
            raise Forbidden("Scheduling as a manager needs an identity with an employee id.")
        if data.manager_id is not None and data.manager_id != viewer.employee_id:
            raise ManagerSideOnly(
                "A manager schedules as the manager of record; HR can name another."
            )
        # Asked of goals directly (not the degrading `viewer.reports()`): scheduling must
        # not go ahead on a reporting line nobody could check.
        if data.employee_id not in await viewer.directory.reports_of(viewer.employee_id):
            raise NotInReportingLine("The employee is not in your reporting line.")
        return viewer.employee_id


interview_scheduling = InterviewScheduling()
