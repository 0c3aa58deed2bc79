"""The rules of scheduling an interview that need no stored interview: who is the manager
of record, where it takes place, and who attends."""

from uuid import UUID

from strata_contracts.feedback.interviews import InterviewCreate
from strata_feedback.access import Viewer
from strata_feedback.interviews.exceptions import ManagerSideOnly, NotInReportingLine
from strata_kit.errors import Forbidden, InvalidInput, field


async def manager_of_record(viewer: Viewer, data: InterviewCreate) -> UUID:
    """Who holds the interview: HR names anyone's manager (the one on record by default);
    a manager schedules for their own reporting line, as the manager of record."""
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
        raise ManagerSideOnly("A manager schedules as the manager of record; HR can name another.")
    # Asked of goals directly (not the degrading `viewer.reports()`): scheduling must
    # not go ahead on a reporting line nobody could check.
    if data.employee_id not in await viewer.directory.reports_of(viewer.employee_id):
        raise NotInReportingLine("The employee is not in your reporting line.")
    return viewer.employee_id


def check_place_and_manager(data: InterviewCreate, manager_id: UUID) -> None:
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


def check_participants(data: InterviewCreate, manager_id: UUID) -> None:
    """Each participant once, and neither the employee nor the manager."""
    seen: set[UUID] = {data.employee_id, manager_id}
    for i, participant in enumerate(data.participants):
        if participant.employee_id in seen:
            raise InvalidInput(
                "A participant is listed twice, or is the employee or the manager.",
                errors=[field(f"participants/{i}/employee_id", "already attends")],
            )
        seen.add(participant.employee_id)
