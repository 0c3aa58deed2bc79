"""Demo data for the worked example (domain brief, section 9), loaded through the service
layer so it obeys the same rules as the API.

A 60-person manufacturer with monthly cycles. Last month's interviews were held: two sales
representatives and a production line lead acknowledged their records and left with
improvement plans (one action done, others in progress, one already overdue); a third
representative disputed her complaints figure and appealed, and HR has the appeal under
review. This month's cycle is still in coaching (its interviews wait for its feedback
phase), so the two conversations booked for the coming days are ad hoc ones, with anytime
notes waiting as input.

Ids: the people live in the goals service. This service cannot read it while loading, so
it derives their ids the way every service's demo does, with the shared convention
`strata_contracts.goals.demo.demo_id`:

    employee id = demo_id(tenant_id, "employee", external_id)
    cycle id    = demo_id(tenant_id, "cycle", key)

with the HRIS keys of the worked example (E001 the managing director, E002 head of sales,
E010.. representatives, E003 head of production, E020 a line lead) and monthly cycle keys
such as "2026-10".
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.feedback.appeals import AppealCreate, AppealReview
from strata_contracts.feedback.improvement import ImprovementActionCreate, ProgressCreate
from strata_contracts.feedback.interviews import (
    GapCreate,
    InterviewAcknowledge,
    InterviewCreate,
    InterviewDispute,
    InterviewHold,
    Participant,
    RecordUpdate,
)
from strata_contracts.feedback.notes import NoteCreate
from strata_contracts.feedback.vocabulary import (
    ActionStatus,
    NoteKind,
    ParticipantRole,
    RootCause,
)
from strata_contracts.goals.cycles import CycleRead
from strata_contracts.goals.demo import demo_id
from strata_contracts.goals.vocabulary import Cadence, CyclePhase
from strata_contracts.identity import Role
from strata_feedback.access import Viewer
from strata_feedback.appeals.service import appeal_service
from strata_feedback.improvement.service import improvement_service
from strata_feedback.interviews.models import Interview
from strata_feedback.interviews.scheduling import interview_scheduling
from strata_feedback.interviews.service import interview_service
from strata_feedback.notes.service import note_service
from strata_feedback.wiring import FeedbackPorts
from strata_kit.db import utcnow
from strata_kit.identity import TenantIdentity
from strata_kit.logging import get_logger

log = get_logger(__name__)


def demo_employee_id(tenant_id: uuid.UUID, external_id: str) -> uuid.UUID:
    return demo_id(tenant_id, "employee", external_id)


def demo_cycle_id(tenant_id: uuid.UUID, key: str) -> uuid.UUID:
    return demo_id(tenant_id, "cycle", key)


PORTS = FeedbackPorts()  # what the app puts on app.state.feedback_ports
MANAGERS = {
    "E002": "E001",  # head of sales → managing director
    "E003": "E001",  # head of production
    "E010": "E002",
    "E011": "E002",
    "E012": "E002",
    "E020": "E003",
    "E021": "E003",
}
"""The reporting lines the demo relies on (a snapshot of the goals demo's)."""
SKIP_LEVEL = "E001"


@dataclass(frozen=True)
class _Employee:
    id: uuid.UUID
    manager_id: uuid.UUID | None


class DemoCycles:
    """The phase goals had for last month's cycle when its interviews were scheduled
    (feedback; goals' demo closed it afterwards), standing in for goals while loading."""

    def __init__(self, last_month: uuid.UUID) -> None:
        self.last_month = last_month

    async def cycle(self, cycle_id: uuid.UUID) -> CycleRead | None:
        if cycle_id != self.last_month:
            return None
        at = utcnow()
        return CycleRead(
            id=cycle_id,
            name="Last month",
            cadence=Cadence.MONTHLY,
            starts_on=at.date(),
            ends_on=at.date(),
            phase=CyclePhase.FEEDBACK,
            phase_changed_at=at,
            created_at=at,
            updated_at=at,
        )


class DemoDirectory:
    """The demo's reporting lines, standing in for goals while loading."""

    def __init__(self, tenant_id: uuid.UUID) -> None:
        self.managers = {
            demo_employee_id(tenant_id, e): demo_employee_id(tenant_id, m)
            for e, m in MANAGERS.items()
        }

    async def employee(self, employee_id: uuid.UUID) -> _Employee | None:
        if employee_id not in self.managers:
            return None
        return _Employee(employee_id, self.managers[employee_id])

    async def reports_of(self, manager_id: uuid.UUID) -> frozenset[uuid.UUID]:
        found: set[uuid.UUID] = set()
        frontier = {manager_id}
        while frontier:
            frontier = {e for e, m in self.managers.items() if m in frontier} - found
            found |= frontier
        return frozenset(found)


class _Demo:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.directory = DemoDirectory(tenant_id)
        self.now = utcnow().replace(minute=0, second=0, microsecond=0)
        self.last_month = demo_cycle_id(
            tenant_id, (self.now - timedelta(days=30)).strftime("%Y-%m")
        )
        self.cycles = DemoCycles(self.last_month)

    def id(self, external_id: str) -> uuid.UUID:
        return demo_employee_id(self.tenant_id, external_id)

    def as_(self, external_id: str | None, *roles: Role) -> Viewer:
        employee_id = self.id(external_id) if external_id else None
        identity = TenantIdentity(
            subject=f"demo:{external_id or 'loader'}",
            tenant_id=self.tenant_id,
            employee_id=employee_id,
            roles=frozenset(roles or (Role.EMPLOYEE,)),
        )
        return Viewer(identity, self.directory)

    @property
    def hr(self) -> Viewer:
        return self.as_(None, Role.HR)

    async def held(self, employee: str, record: RecordUpdate, *, days_ago: int = 28) -> Interview:
        manager = self.as_(MANAGERS[employee], Role.MANAGER, Role.EMPLOYEE)
        when = self.now - timedelta(days=days_ago)
        interview = await interview_scheduling.schedule(
            self.session,
            manager,
            self.cycles,
            InterviewCreate(
                employee_id=self.id(employee),
                cycle_id=self.last_month,
                scheduled_at=when,
                location="Meeting room 2, main building",
            ),
        )
        await interview_service.update_record(self.session, manager, interview.id, record)
        return await interview_service.hold(
            self.session, manager, interview.id, InterviewHold(held_at=when + timedelta(hours=1))
        )

    async def action(
        self,
        interview: Interview,
        title: str,
        *,
        due_in: int,
        measure: str,
        progress: tuple[tuple[str, ActionStatus | None], ...] = (),
        training_need: bool = False,
    ) -> None:
        manager = self.as_(MANAGERS[self._key(interview.employee_id)], Role.MANAGER)
        action = await improvement_service.add_action(
            self.session,
            manager,
            interview.id,
            ImprovementActionCreate(
                title=title,
                due_on=(self.now + timedelta(days=due_in)).date(),
                success_measure=measure,
                training_need_id=(
                    uuid.uuid5(uuid.NAMESPACE_URL, f"strata-demo:{self.tenant_id}:need:{title}")
                    if training_need
                    else None
                ),
            ),
        )
        employee = self.as_(self._key(interview.employee_id))
        for note, status in progress:
            await improvement_service.add_progress(
                self.session, employee, action.id, ProgressCreate(note=note, status=status)
            )

    def _key(self, employee_id: uuid.UUID) -> str:
        return next(k for k in MANAGERS if self.id(k) == employee_id)

    async def load(self) -> None:
        lena = await self.held(
            "E010",
            RecordUpdate(
                strengths=["14 signed contracts against a target of 12", "Two new key accounts"],
                shortcomings=["CRM opportunity notes missing on a third of deals"],
                gaps=[
                    GapCreate(
                        description="CRM data quality rated 2 of 5",
                        root_cause=RootCause.EXECUTION,
                        note="Notes are written in bulk at month end, then forgotten.",
                    )
                ],
                agreed_points=["Update the CRM the same day as each customer visit"],
                manager_comment="An excellent month for new business.",
            ),
        )
        await self.action(
            lena,
            "Same-day CRM updates",
            due_in=20,
            measure="CRM data quality rated 4 of 5 next month",
            progress=(
                ("First two weeks: every visit logged the same day.", ActionStatus.IN_PROGRESS),
            ),
        )
        await self.action(
            lena,
            "Shadow a key-account negotiation",
            due_in=-10,
            measure="One negotiation attended with the head of sales",
            progress=(("Attended the Nordwerk renewal.", ActionStatus.DONE),),
        )
        await interview_service.acknowledge(
            self.session,
            self.as_("E010"),
            lena.id,
            InterviewAcknowledge(comment="Agreed."),
            follow_ups=PORTS,
        )

        omar = await self.held(
            "E011",
            RecordUpdate(
                strengths=["Lowest complaint count in the team"],
                shortcomings=["Pipeline value 30 % under target"],
                gaps=[
                    GapCreate(
                        description="Pipeline value below target",
                        root_cause=RootCause.PLAN_SETTING,
                        note="Target set before his territory was split.",
                    ),
                    GapCreate(
                        description="Few qualified leads from trade fairs",
                        root_cause=RootCause.SKILLS,
                    ),
                ],
                agreed_points=["Raise the pipeline target's recalculation in next planning"],
                manager_comment="The plan, not the effort, was off.",
            ),
        )
        await self.action(
            omar,
            "Lead qualification training",
            due_in=-3,
            measure="Course completed; 5 qualified leads logged",
            training_need=True,
        )
        await interview_service.acknowledge(
            self.session, self.as_("E011"), omar.id, InterviewAcknowledge(), follow_ups=PORTS
        )

        karl = await self.held(
            "E020",
            RecordUpdate(
                strengths=["Zero safety incidents on his line"],
                shortcomings=["Defects per 1000 units at 6.2 against 4"],
                gaps=[
                    GapCreate(
                        description="Defect rate above target",
                        root_cause=RootCause.RESOURCES,
                        note="Calibration gauge out of service for nine days.",
                    )
                ],
                agreed_points=["Quality engineer joins the weekly line review"],
            ),
        )
        await self.action(
            karl,
            "Coaching course for team leads",
            due_in=45,
            measure="Course completed and one coaching session per operator",
            training_need=True,
        )
        await interview_service.acknowledge(
            self.session, self.as_("E020"), karl.id, InterviewAcknowledge(), follow_ups=PORTS
        )

        clara = await self.held(
            "E012",
            RecordUpdate(
                strengths=["Strong customer satisfaction scores"],
                shortcomings=["Customer complaints 7 against a target of 3"],
                gaps=[
                    GapCreate(description="Complaints above target", root_cause=RootCause.EXECUTION)
                ],
                manager_comment="Complaints need attention.",
            ),
        )
        await interview_service.dispute(
            self.session,
            self.as_("E012"),
            clara.id,
            InterviewDispute(
                reason="Four of the seven complaints concern Duna Steel, which I took over "
                "only after they were filed."
            ),
        )
        appeal = await appeal_service.open(
            self.session,
            self.as_("E012"),
            AppealCreate(
                interview_id=clara.id,
                reason="The complaints KPI counts complaints filed before I owned the account.",
            ),
        )
        await appeal_service.review(
            self.session, self.hr, appeal.id, AppealReview(note="Checking the CRM history.")
        )

        for employee in ("E010", "E011"):
            manager = self.as_(MANAGERS[employee], Role.MANAGER, Role.EMPLOYEE)
            await interview_scheduling.schedule(
                self.session,
                manager,
                self.cycles,
                InterviewCreate(
                    employee_id=self.id(employee),
                    scheduled_at=self.now + timedelta(days=3),
                    meeting_link="https://meet.example.com/strata-demo",
                    participants=[
                        Participant(
                            employee_id=self.id(SKIP_LEVEL), role=ParticipantRole.SKIP_LEVEL_MANAGER
                        )
                    ]
                    if employee == "E011"
                    else [],
                ),
            )
        notes = (
            ("E011", "E010", NoteKind.PRAISE, "Thanks for covering the Baltic Pumps visit."),
            ("E002", "E012", NoteKind.GUIDANCE, "Log complaints with the account owner's name."),
            ("E003", "E020", NoteKind.PRAISE, "Great calm during the line stop on Tuesday."),
        )
        for author, recipient, kind, body in notes:
            await note_service.create(
                self.session,
                self.as_(author),
                NoteCreate(recipient_id=self.id(recipient), kind=kind, body=body),
            )


async def load_demo(session: AsyncSession, tenant_id: uuid.UUID) -> bool:
    """Load the demo into `tenant_id` once; False when it is there already."""
    marker = demo_employee_id(tenant_id, "E010")
    existing = (
        await session.exec(select(Interview.id).where(Interview.employee_id == marker).limit(1))
    ).first()
    if existing is not None:
        return False
    await _Demo(session, tenant_id).load()
    log.info("demo.loaded", tenant_id=str(tenant_id))
    return True
