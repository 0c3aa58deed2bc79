"""Demo data: the worked example's finished half-year 360 (domain brief, section 9).

A 60-person manufacturer runs a 360 each half-year with self, supervisor, 3 to 5 peers,
direct reports for leads, and customers for sales staff. The demo loads one such
campaign, closed, for the sales team and two production line leads, through the service
layer (the same rules as the API), so its results are anonymised like any other.

The people live in the goals service's database, which this service cannot read when
loading. The demo therefore embeds a snapshot of the worked example's people, with ids
derived deterministically so that the goals demo can create the very same ids:

    employee id  = uuid5(DEMO_NAMESPACE, f"{tenant_id}/employee/{external_id}")
    org unit id  = uuid5(DEMO_NAMESPACE, f"{tenant_id}/org-unit/{external_id}")
    cycle id     = uuid5(DEMO_NAMESPACE, f"{tenant_id}/cycle/{key}")
    DEMO_NAMESPACE = uuid5(NAMESPACE_URL, "https://strata.dev/demo")

where `external_id` is the HRIS key of the snapshot (E001, U-SALES, ...) and the cycle key
is the half-year before the load day (e.g. "2026-H1"; `Calendar`). Answers are generated
deterministically (a seeded generator per rater and ratee), so every load gives the same
results.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.cycles import CycleRead
from strata_contracts.goals.demo import demo_id, half_year_key
from strata_contracts.goals.org import EmployeeRead
from strata_contracts.goals.vocabulary import Cadence, CyclePhase, EmployeeStatus
from strata_contracts.identity import IdentityClaims, Role
from strata_contracts.reviews.campaigns import CampaignCreate, CampaignScope, RelationshipRule
from strata_contracts.reviews.nominations import (
    NominationCreate,
    NominationDecision,
    SuggestionRequest,
)
from strata_contracts.reviews.responses import AnswerWrite, ResponseSubmit
from strata_contracts.reviews.templates import TemplateCreate, TemplateVersionRead
from strata_contracts.reviews.vocabulary import (
    NominationDecisionKind,
    NominationStatus,
    Relationship,
    ScopeKind,
)
from strata_reviews.campaigns.lifecycle import campaign_lifecycle
from strata_reviews.campaigns.repository import CampaignRepository
from strata_reviews.campaigns.service import campaign_service
from strata_reviews.invitations.repository import InvitationRepository
from strata_reviews.invitations.service import invitation_service
from strata_reviews.nominations.repository import NominationRepository
from strata_reviews.nominations.service import nomination_service
from strata_reviews.responses.service import response_service
from strata_reviews.templates.repository import TemplateRepository
from strata_reviews.templates.service import template_service
from strata_reviews.wiring import ReviewPorts

TEMPLATE_NAME = "Competency 360 (default model)"
PORTS = ReviewPorts()  # what the app puts on app.state.review_ports


@dataclass(frozen=True)
class Calendar:
    """The finished half-year the demo campaign belongs to: the one before the day the demo
    is loaded (the goals demo creates that cycle, closed), so a fresh install looks current."""

    key: str
    starts_on: date
    ends_on: date

    @classmethod
    def before(cls, today: date) -> "Calendar":
        first_half = today.month <= 6
        year = today.year - 1 if first_half else today.year
        starts_on = date(year, 7, 1) if first_half else date(year, 1, 1)
        ends_on = date(year, 12, 31) if first_half else date(year, 6, 30)
        return cls(key=half_year_key(starts_on), starts_on=starts_on, ends_on=ends_on)

    def at(self, day: date, hour: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)

    @property
    def name(self) -> str:
        return f"{self.starts_on.year} H{1 if self.starts_on.month == 1 else 2} 360° review"

    @property
    def opens_at(self) -> datetime:
        return self.at(self.ends_on - timedelta(days=29), 7)

    @property
    def due_at(self) -> datetime:
        return self.at(self.ends_on - timedelta(days=11), 16)

    @property
    def closes_at(self) -> datetime:
        return self.at(self.ends_on, 16)

    @property
    def created_at(self) -> datetime:
        return self.at(self.starts_on + timedelta(days=4), 8)


CALENDAR = Calendar.before(datetime.now(UTC).date())


@dataclass(frozen=True)
class Person:
    external_id: str
    name: str
    unit: str
    manager: str | None


UNITS = {
    "U-ENT": "Enterprise",
    "U-SALES": "Sales",
    "U-PROD": "Production",
    "U-FIN": "Finance",
    "U-QA": "Quality",
}

PEOPLE: tuple[Person, ...] = (
    Person("E001", "Margit Keller", "U-ENT", None),
    Person("E002", "Jonas Brandt", "U-SALES", "E001"),
    Person("E003", "Aylin Demir", "U-PROD", "E001"),
    Person("E004", "Piotr Nowak", "U-FIN", "E001"),
    Person("E005", "Sofia Marin", "U-QA", "E001"),
    *(
        Person(f"E01{n}", name, "U-SALES", "E002")
        for n, name in enumerate(
            [
                "Lena Fischer",
                "Omar Haddad",
                "Clara Weiss",
                "Tomasz Zielinski",
                "Ines Costa",
                "Felix Huber",
            ]
        )
    ),
    *(
        Person(f"E02{n}", name, "U-PROD", "E003")
        for n, name in enumerate(["Karl Berger", "Mina Yilmaz", "Rui Almeida", "Hanna Lind"])
    ),
    *(
        Person(f"E0{30 + n}", f"Line operator {n + 1:02d}", "U-PROD", f"E02{n // 4}")
        for n in range(16)
    ),
    *(Person(f"E05{n}", f"Finance specialist {n + 1}", "U-FIN", "E004") for n in range(3)),
    *(Person(f"E06{n}", f"Quality engineer {n + 1}", "U-QA", "E005") for n in range(3)),
)

RATEES = ("E002", "E010", "E011", "E012", "E020", "E021")
"""Head of sales, three sales representatives, two production line leads."""

CUSTOMERS = {
    "E002": ["Nordwerk GmbH", "Baltic Pumps", "Alpen Logistik"],
    "E010": ["Nordwerk GmbH", "Kovac Metal", "Lis Hydraulics"],
    "E011": ["Baltic Pumps", "Rhein Fittings", "Tago Motors"],
    "E012": ["Alpen Logistik", "Duna Steel"],  # two only: the group stays suppressed
}
SILENT = {("E021", "E035"), ("E021", "E036"), ("E011", "E014")}
"""(ratee, rater) pairs that never answer: E021's direct reports fall below k."""
DECLINING = {("E010", "E015")}


def employees(tenant_id: uuid.UUID) -> list[EmployeeRead]:
    """The snapshot as the goals service would answer it."""
    created = CALENDAR.created_at
    return [
        EmployeeRead(
            id=demo_id(tenant_id, "employee", p.external_id),
            created_at=created,
            updated_at=created,
            external_id=p.external_id,
            name=p.name,
            email=f"{p.external_id.lower()}@demo.strata.dev",
            org_unit_id=demo_id(tenant_id, "org-unit", p.unit),
            position_id=None,
            manager_id=demo_id(tenant_id, "employee", p.manager) if p.manager else None,
            status=EmployeeStatus.ACTIVE,
            hire_date=date(2020, 1, 1),
        )
        for p in PEOPLE
    ]


def cycle(tenant_id: uuid.UUID) -> CycleRead:
    """The half-year the campaign belongs to, as goals would answer it."""
    changed = CALENDAR.opens_at - timedelta(days=3)
    return CycleRead(
        id=demo_id(tenant_id, "cycle", CALENDAR.key),
        name=f"{CALENDAR.key[:4]} {'first' if CALENDAR.key.endswith('1') else 'second'} half",
        cadence=Cadence.HALF_YEARLY,
        starts_on=CALENDAR.starts_on,
        ends_on=CALENDAR.ends_on,
        phase=CyclePhase.ASSESSMENT,
        phase_changed_at=changed,
        created_at=CALENDAR.created_at,
        updated_at=changed,
    )


class SnapshotDirectory:
    """`OrgDirectory` over the embedded snapshot (the demo cannot reach goals)."""

    def __init__(self, people: list[EmployeeRead], cycles: list[CycleRead]) -> None:
        self._by_id = {e.id: e for e in people}
        self._cycles = {c.id: c for c in cycles}

    async def get_cycle(self, cycle_id: uuid.UUID) -> CycleRead | None:
        return self._cycles.get(cycle_id)

    async def get_employee(self, employee_id: uuid.UUID) -> EmployeeRead | None:
        return self._by_id.get(employee_id)

    async def list_employees(
        self, *, org_unit_id: uuid.UUID | None = None, manager_id: uuid.UUID | None = None
    ) -> list[EmployeeRead]:
        return [
            e
            for e in self._by_id.values()
            if (org_unit_id is None or e.org_unit_id == org_unit_id)
            and (manager_id is None or e.manager_id == manager_id)
        ]


def _answers(
    version: TemplateVersionRead, relationship: Relationship, seed: str
) -> list[AnswerWrite]:
    """Plausible, deterministic answers: a ratee-level strength per competency, a
    rater-level leniency, and a little noise, clipped to the scale."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    leniency = rng.choice([-1, 0, 0, 0, 1])
    answers = []
    scales = {s.id: [p.value for p in s.points] for s in version.scales}
    for competency in version.competencies:
        strength = rng.choice([3, 3, 4, 4, 4, 5])
        for item in competency.items:
            if relationship not in item.relationships or item.scale_id is None:
                continue
            values = scales[item.scale_id]
            rating = min(
                max(strength + leniency + rng.choice([-1, 0, 0, 1]), values[0]), values[-1]
            )
            answers.append(AnswerWrite(item_id=item.id, rating=rating))
    for question in version.questions:
        if relationship in question.relationships and rng.random() < 0.6:
            text = rng.choice(
                [
                    "Explains priorities clearly and follows up.",
                    "Could delegate more and share information earlier.",
                    "Reliable under pressure; a steady hand in busy weeks.",
                    "Listens well; meetings with them end with clear next steps.",
                    "Should give feedback sooner rather than at the review.",
                ]
            )
            answers.append(AnswerWrite(item_id=question.id, comment=text))
    return answers


async def load_demo(session: AsyncSession, tenant_id: uuid.UUID) -> bool:
    """Load the finished half-year 360 into `tenant_id` once; False when already there."""
    if await CampaignRepository(session).get_by_name(CALENDAR.name) is not None:
        return False
    system = IdentityClaims(
        subject="system:demo-loader", tenant_id=tenant_id, roles=frozenset({Role.ADMIN})
    )
    people = employees(tenant_id)
    directory = SnapshotDirectory(people, [cycle(tenant_id)])
    key_of = {e.id: e.external_id or "" for e in people}

    def eid(external_id: str) -> uuid.UUID:
        return demo_id(tenant_id, "employee", external_id)

    template = await TemplateRepository(session).get_by_name(TEMPLATE_NAME)
    template_id = (
        template.id
        if template is not None
        else (
            await template_service.create(
                session,
                system,
                TemplateCreate(
                    name=TEMPLATE_NAME,
                    description="Communication, interpersonal relations, leadership and "
                    "administrative ability on a five-point behavioural scale.",
                ),
            )
        ).id
    )
    campaign = await campaign_service.create(
        session,
        system,
        CampaignCreate(
            name=CALENDAR.name,
            cycle_id=demo_id(tenant_id, "cycle", CALENDAR.key),
            template_id=template_id,
            scope=CampaignScope(kind=ScopeKind.EMPLOYEES, employee_ids=[eid(r) for r in RATEES]),
            relationships=[
                RelationshipRule(relationship=Relationship.SELF, min_raters=0, max_raters=1),
                RelationshipRule(relationship=Relationship.SUPERVISOR, min_raters=1, max_raters=1),
                RelationshipRule(relationship=Relationship.PEER, min_raters=3, max_raters=5),
                RelationshipRule(
                    relationship=Relationship.DIRECT_REPORT, min_raters=0, max_raters=10
                ),
                RelationshipRule(relationship=Relationship.CUSTOMER, min_raters=0, max_raters=5),
            ],
            anonymity_threshold=3,
            opens_at=CALENDAR.opens_at,
            due_at=CALENDAR.due_at,
            closes_at=CALENDAR.closes_at,
        ),
        directory,
    )
    setup = CALENDAR.opens_at - timedelta(days=7)
    await nomination_service.suggest(
        session, system, campaign.id, SuggestionRequest(), directory, setup
    )
    for ratee, names in CUSTOMERS.items():
        for name in names:
            email = f"{name.split()[0].lower()}.buyer@example.com"
            await nomination_service.add(
                session,
                system,
                campaign.id,
                eid(ratee),
                NominationCreate(
                    relationship=Relationship.CUSTOMER, external_name=name, external_email=email
                ),
                directory,
                setup,
            )
    for nomination in await NominationRepository(session).with_status(
        campaign.id, NominationStatus.PROPOSED
    ):
        await nomination_service.decide(
            session,
            system,
            campaign.id,
            nomination.id,
            NominationDecision(decision=NominationDecisionKind.APPROVE),
            setup,
        )
    await campaign_lifecycle.open(session, system, campaign.id, CALENDAR.opens_at, PORTS)
    version = await template_service.load_version(session, campaign.template_version_id)
    campaign_row = await campaign_service.get_row(session, campaign.id)
    invitations = await InvitationRepository(session).of_campaign(campaign.id)
    for n, invitation in enumerate(invitations):
        ratee = key_of[invitation.ratee_id]
        rater = (
            key_of[invitation.rater_employee_id]
            if invitation.rater_employee_id
            else invitation.external_email or ""
        )
        when = CALENDAR.opens_at + timedelta(days=1 + n % 17, hours=n % 7)
        if (ratee, rater) in SILENT:
            continue
        if (ratee, rater) in DECLINING:
            await invitation_service.decline(
                session, system, invitation, campaign_row, "On parental leave in June.", when, PORTS
            )
            continue
        await response_service.submit(
            session,
            system,
            invitation,
            campaign_row,
            ResponseSubmit(answers=_answers(version, invitation.relationship, f"{ratee}/{rater}")),
            when,
        )
    await campaign_lifecycle.close(session, system, campaign.id, CALENDAR.closes_at, PORTS)
    return True
