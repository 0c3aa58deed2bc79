"""The demo tenant: the domain brief's worked example (section 9), loaded once through the
service layer, so it obeys the same rules as the API and a new user's first calls in /docs
return real data.

A 60-person manufacturer (37 people in the system, `strata_contracts.goals.demo`) with four
enterprise objectives, department and post indicators linked into a cascade, post weights,
a library of two templates, and monthly cycles relative to the day of loading: last
month's is closed with signed plans, check-ins and every actual; this month's is in
coaching with signed plans, a first round of check-ins and some actuals; the current
half-year cycle (for the 360) is in coaching. Last month's figures match the interviews of
the feedback service's demo (14 contracts for Lena Fischer, 7 complaints for Clara Weiss,
6.2 defects per 1000 units on Karl Berger's line...).
"""

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.calc import RubricLevel
from strata_contracts.goals.cycles import CycleCreate, PhaseTransition
from strata_contracts.goals.demo import (
    DEMO_PEOPLE,
    DEMO_POSITIONS,
    DEMO_UNITS,
    demo_id,
    half_year_key,
    month_key,
)
from strata_contracts.goals.org import (
    EmployeeBulkUpsert,
    EmployeeUpsert,
    OrgUnitBulkUpsert,
    OrgUnitUpsert,
    PositionBulkUpsert,
    PositionUpsert,
)
from strata_contracts.goals.plans import (
    ActualBulkCreate,
    ActualBulkItem,
    CheckInCreate,
    CheckInProgress,
    PlanCreate,
    PlanItemRead,
    PlanSign,
)
from strata_contracts.goals.strategy import (
    IndicatorCreate,
    IndicatorLinkCreate,
    IndicatorTemplateCreate,
    ObjectiveCreate,
)
from strata_contracts.goals.vocabulary import Cadence, CyclePhase, IndicatorKind, Level, Perspective
from strata_contracts.identity import IdentityClaims, Role
from strata_goals.cycles.service import add_months, cycle_service
from strata_goals.org.repository import EmployeeRepository
from strata_goals.org.service import org_service
from strata_goals.plans.actuals import actual_service
from strata_goals.plans.checkins import check_in_service
from strata_goals.plans.port import PlanPorts
from strata_goals.plans.versions import plan_versions
from strata_goals.strategy.indicators import indicator_service
from strata_goals.strategy.objectives import objective_service
from strata_goals.strategy.templates import template_service
from strata_kit.logging import get_logger

log = get_logger(__name__)
D = Decimal

RUBRIC_CRM = [
    RubricLevel(level=1, score=D("0.25"), description="Most records incomplete or stale"),
    RubricLevel(level=2, score=D("0.5"), description="Key fields often missing"),
    RubricLevel(level=3, score=D("0.75"), description="Complete, updated weekly"),
    RubricLevel(level=4, score=D("1"), description="Complete, updated after every contact"),
    RubricLevel(level=5, score=D("1.2"), description="Exemplary; others learn from it"),
]
RUBRIC_COACHING = [
    RubricLevel(level=1, score=D("0"), description="Not enrolled in the coaching course"),
    RubricLevel(level=2, score=D("0.5"), description="Enrolled, first module done"),
    RubricLevel(level=3, score=D("0.8"), description="Half the modules done, practising"),
    RubricLevel(level=4, score=D("1"), description="Course completed"),
    RubricLevel(level=5, score=D("1.1"), description="Completed and coaching other leads"),
]

LAST_MONTH: dict[str, dict[str, str | int]] = {
    # Sales representatives: contracts, pipeline (EUR), CRM level, complaints.
    "E010": {"contracts": "14", "pipeline": "520000", "crm": 2, "complaints": "2"},
    "E011": {"contracts": "11", "pipeline": "350000", "crm": 4, "complaints": "0"},
    "E012": {"contracts": "12", "pipeline": "480000", "crm": 3, "complaints": "7"},
    # Line leads: line on-time delivery %, defects per 1000 units, safety incidents, coaching.
    "E020": {"line_otd": "96.5", "line_defects": "6.2", "line_safety": "0", "coaching": 3},
}
"""Figures the feedback demo's interviews talk about; the others are generated."""


class _Demo:
    def __init__(self, session: AsyncSession, tenant_id: uuid.UUID) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.today = datetime.now(UTC).date()
        self.this_month = self.today.replace(day=1)
        self.last_month = add_months(self.this_month, -1)
        self.hr = IdentityClaims(
            subject="demo:loader", tenant_id=tenant_id, roles=frozenset({Role.HR, Role.ADMIN})
        )
        self.integration = IdentityClaims(
            subject="demo:data-source", tenant_id=tenant_id, roles=frozenset({Role.INTEGRATION})
        )
        self.indicators: dict[str, uuid.UUID] = {}
        self.managers = {p.external_id: p.manager for p in DEMO_PEOPLE}

    def id(self, kind: str, key: str) -> uuid.UUID:
        return demo_id(self.tenant_id, kind, key)

    def person(self, external_id: str, *roles: Role) -> IdentityClaims:
        return IdentityClaims(
            subject=f"demo:{external_id}",
            tenant_id=self.tenant_id,
            employee_id=self.id("employee", external_id),
            roles=frozenset(roles or (Role.EMPLOYEE,)),
        )

    def manager_of(self, external_id: str) -> IdentityClaims:
        manager = self.managers[external_id]
        assert manager is not None
        return self.person(manager, Role.MANAGER, Role.EMPLOYEE)

    # --- organisation --------------------------------------------------------------------

    async def organisation(self) -> None:
        await org_service.bulk_upsert_org_units(
            self.session,
            self.hr,
            OrgUnitBulkUpsert(
                items=[
                    OrgUnitUpsert(external_id=u.key, name=u.name, parent_external_id=u.parent)
                    for u in DEMO_UNITS
                ]
            ),
            new_id=lambda key: self.id("org-unit", key),
        )
        await org_service.bulk_upsert_positions(
            self.session,
            self.hr,
            PositionBulkUpsert(
                items=[
                    PositionUpsert(
                        external_id=p.key, title=p.title, org_unit_external_id=p.unit, code=p.key
                    )
                    for p in DEMO_POSITIONS
                ]
            ),
            new_id=lambda key: self.id("position", key),
        )
        await org_service.bulk_upsert_employees(
            self.session,
            self.hr,
            EmployeeBulkUpsert(
                items=[
                    EmployeeUpsert(
                        external_id=p.external_id,
                        name=p.name,
                        email=f"{p.external_id.lower()}@demo.strata.dev",
                        org_unit_external_id=p.unit,
                        position_external_id=p.position,
                        manager_external_id=p.manager,
                        hire_date=date(2020, 1, 1) + timedelta(days=97 * n),
                    )
                    for n, p in enumerate(DEMO_PEOPLE)
                ]
            ),
            new_id=lambda key: self.id("employee", key),
        )

    # --- strategy ------------------------------------------------------------------------

    async def strategy(self) -> None:
        objectives = {}
        for code, title, perspective in (
            ("O1", "Grow revenue 15 %", Perspective.FINANCIAL),
            ("O2", "Raise on-time delivery to 97 %", Perspective.CUSTOMER),
            ("O3", "Cut the scrap rate below 2 %", Perspective.INTERNAL_PROCESS),
            ("O4", "Every team lead trained in coaching", Perspective.LEARNING_GROWTH),
        ):
            objective = await objective_service.create_objective(
                self.session,
                self.hr,
                ObjectiveCreate(
                    code=code,
                    title=title,
                    perspective=perspective,
                    starts_on=self.this_month.replace(month=1),
                    ends_on=self.this_month.replace(month=12, day=31),
                ),
            )
            objectives[code] = objective.id

        def serves(parent: uuid.UUID, weight: str = "100", *, objective: bool = False) -> Any:
            key = "objective_id" if objective else "indicator_id"
            return [IndicatorLinkCreate(**{key: parent, "contribution_weight": D(weight)})]

        department = [
            dict(
                code="S-NCR",
                name="New-customer revenue",
                unit="U-SALES",
                perspective=Perspective.FINANCIAL,
                direction="higher_is_better",
                unit_of="EUR",
                threshold="900000",
                target="1200000",
                stretch="1400000",
                links=serves(objectives["O1"], objective=True),
            ),
            dict(
                code="S-CSAT",
                name="Customer satisfaction score",
                unit="U-SALES",
                perspective=Perspective.CUSTOMER,
                direction="higher_is_better",
                unit_of="score of 5",
                threshold="4",
                target="4.5",
                stretch="4.8",
                links=serves(objectives["O2"], "30", objective=True),
            ),
            dict(
                code="P-OTD",
                name="On-time delivery",
                unit="U-PROD",
                perspective=Perspective.CUSTOMER,
                direction="higher_is_better",
                unit_of="%",
                threshold="93",
                target="97",
                stretch="99",
                links=serves(objectives["O2"], "70", objective=True),
            ),
            dict(
                code="P-SCRAP",
                name="Scrap rate",
                unit="U-PROD",
                perspective=Perspective.INTERNAL_PROCESS,
                direction="lower_is_better",
                unit_of="%",
                threshold="3",
                target="2",
                stretch="1.5",
                links=serves(objectives["O3"], objective=True),
            ),
            dict(
                code="P-COACH",
                name="Line leads trained in coaching",
                unit="U-PROD",
                perspective=Perspective.LEARNING_GROWTH,
                direction="higher_is_better",
                unit_of="% of leads",
                threshold="50",
                target="100",
                links=serves(objectives["O4"], objective=True),
            ),
        ]
        for spec in department:
            await self.indicator(
                Level.DEPARTMENT, org_unit_id=self.id("org-unit", str(spec.pop("unit"))), **spec
            )
        ncr, csat = self.indicators["S-NCR"], self.indicators["S-CSAT"]
        otd, scrap = self.indicators["P-OTD"], self.indicators["P-SCRAP"]
        coach = self.indicators["P-COACH"]
        posts = {
            "P-REP": [
                dict(
                    code="R-CONTRACTS",
                    name="Monthly signed contracts",
                    weight="40",
                    perspective=Perspective.FINANCIAL,
                    direction="higher_is_better",
                    unit_of="contracts",
                    threshold="8",
                    target="12",
                    stretch="16",
                    data_source="CRM",
                    links=serves(ncr, "60"),
                ),
                dict(
                    code="R-PIPELINE",
                    name="Pipeline value",
                    weight="25",
                    method="ratio",
                    perspective=Perspective.FINANCIAL,
                    direction="higher_is_better",
                    unit_of="EUR",
                    target="500000",
                    data_source="CRM",
                    links=serves(ncr, "40"),
                ),
                dict(
                    code="R-CRM",
                    name="CRM data quality",
                    weight="15",
                    kind="qualitative",
                    perspective=Perspective.INTERNAL_PROCESS,
                    rubric=RUBRIC_CRM,
                    data_source="Sales manager's review",
                    links=serves(csat, "30"),
                ),
                dict(
                    code="R-COMPLAINTS",
                    name="Customer complaints",
                    weight="20",
                    perspective=Perspective.CUSTOMER,
                    direction="lower_is_better",
                    unit_of="complaints",
                    threshold="6",
                    target="3",
                    stretch="1",
                    data_source="Service desk",
                    links=serves(csat, "70"),
                ),
            ],
            "P-LEAD": [
                dict(
                    code="L-OTD",
                    name="Line on-time delivery",
                    weight="35",
                    perspective=Perspective.CUSTOMER,
                    direction="higher_is_better",
                    unit_of="%",
                    threshold="93",
                    target="97",
                    stretch="99",
                    data_source="ERP",
                    links=serves(otd, "50"),
                ),
                dict(
                    code="L-DEFECTS",
                    name="Line defects per 1000 units",
                    weight="30",
                    perspective=Perspective.INTERNAL_PROCESS,
                    direction="lower_is_better",
                    unit_of="per 1000",
                    threshold="8",
                    target="4",
                    stretch="2",
                    data_source="Quality system",
                    links=serves(scrap, "50"),
                ),
                dict(
                    code="L-SAFETY",
                    name="Line safety incidents",
                    weight="20",
                    perspective=Perspective.INTERNAL_PROCESS,
                    direction="target_band",
                    band_low="0",
                    band_high="0",
                    unit_of="incidents",
                    data_source="Safety log",
                ),
                dict(
                    code="L-COACHING",
                    name="Coaching course progress",
                    weight="15",
                    kind="qualitative",
                    perspective=Perspective.LEARNING_GROWTH,
                    rubric=RUBRIC_COACHING,
                    data_source="Training records",
                    links=serves(coach),
                ),
            ],
            "P-OPERATOR": [
                dict(
                    code="O-UNITS",
                    name="Units per shift",
                    weight="40",
                    perspective=Perspective.INTERNAL_PROCESS,
                    direction="higher_is_better",
                    unit_of="units",
                    threshold="400",
                    target="480",
                    stretch="520",
                    data_source="ERP",
                    links=serves(otd, "50"),
                ),
                dict(
                    code="O-DEFECTS",
                    name="Defects per 1000 units",
                    weight="40",
                    perspective=Perspective.INTERNAL_PROCESS,
                    direction="lower_is_better",
                    unit_of="per 1000",
                    threshold="8",
                    target="4",
                    stretch="2",
                    data_source="Quality system",
                    links=serves(scrap, "50"),
                ),
                dict(
                    code="O-SAFETY",
                    name="Safety incidents",
                    weight="20",
                    perspective=Perspective.INTERNAL_PROCESS,
                    direction="target_band",
                    band_low="0",
                    band_high="0",
                    unit_of="incidents",
                    data_source="Safety log",
                ),
            ],
        }
        for post, specs in posts.items():
            for spec in specs:
                await self.indicator(Level.POST, position_id=self.id("position", post), **spec)
        for template in (
            IndicatorTemplateCreate(
                code="T-ATTENDANCE",
                name="Attendance rate",
                perspective=Perspective.INTERNAL_PROCESS,
                direction="higher_is_better",
                unit="%",
                threshold=D(92),
                target=D(97),
                default_weight=D(10),
                data_source="Time tracking",
            ),
            IndicatorTemplateCreate(
                code="T-TRAINING",
                name="Training hours",
                perspective=Perspective.LEARNING_GROWTH,
                direction="higher_is_better",
                unit="hours",
                threshold=D(4),
                target=D(8),
                stretch=D(12),
                default_weight=D(10),
                data_source="Training records",
            ),
        ):
            await template_service.create_template(self.session, self.hr, template)

    async def indicator(self, level: Level, **spec: Any) -> None:
        spec["unit"] = spec.pop("unit_of", None)
        created = await indicator_service.create_indicator(
            self.session, self.hr, IndicatorCreate(level=level, **spec)
        )
        assert created.code is not None
        self.indicators[created.code] = created.id

    # --- cycles, plans, check-ins, actuals -----------------------------------------------

    async def cycle(self, start: date, cadence: Cadence, name: str, key: str) -> uuid.UUID:
        created = await cycle_service.create(
            self.session,
            self.hr,
            CycleCreate(name=name, cadence=cadence, starts_on=start),
            cycle_id=self.id("cycle", key),
        )
        return created.id

    async def advance(self, cycle_id: uuid.UUID, *phases: CyclePhase) -> None:
        for phase in phases:
            await cycle_service.transition(
                self.session, self.hr, cycle_id, PhaseTransition(to_phase=phase), PlanPorts()
            )

    async def signed_plans(self, cycle_id: uuid.UUID) -> dict[str, Any]:
        """Plans drafted from the post for everyone with post indicators, signed by both."""
        plans = {}
        for person in DEMO_PEOPLE:
            if person.position not in ("P-REP", "P-LEAD", "P-OPERATOR"):
                continue
            plan = await plan_versions.create(
                self.session,
                self.hr,
                PlanCreate(employee_id=self.id("employee", person.external_id), cycle_id=cycle_id),
            )
            for signer in (self.person(person.external_id), self.manager_of(person.external_id)):
                plan = await plan_versions.sign(self.session, signer, plan.id, PlanSign(version=1))
            plans[person.external_id] = plan
        return plans

    async def results(
        self, cycle_id: uuid.UUID, plans: dict[str, Any], day: date, *, complete: bool, seed: str
    ) -> None:
        """Actuals for every item (`complete`) or the first two of each plan, loaded the way
        a data source would (one bulk call per source); fixed figures where the feedback
        demo tells their story."""
        by_source: dict[str, list[ActualBulkItem]] = {}
        for external_id, plan in plans.items():
            rng = random.Random(f"{seed}/{external_id}")  # noqa: S311 - demo figures
            fixed = LAST_MONTH.get(external_id, {}) if complete else {}
            items = plan.current.items if complete else plan.current.items[:2]
            for item in items:
                figure = fixed.get(_short(item.name))
                value: Decimal | None = None
                level: int | None = None
                if item.kind is IndicatorKind.QUALITATIVE:
                    level = int(figure) if figure is not None else rng.choice([2, 3, 3, 4, 4, 5])
                else:
                    value = D(str(figure)) if figure is not None else _plausible(item, rng)
                by_source.setdefault(item.data_source or "manual", []).append(
                    ActualBulkItem(
                        employee_id=plan.employee_id,
                        indicator_id=item.indicator_id,
                        value=value,
                        level=level,
                        measured_on=min(day, self.today),
                    )
                )
        for source, entries in by_source.items():
            await actual_service.record_actuals_bulk(
                self.session,
                self.integration,
                ActualBulkCreate(cycle_id=cycle_id, source=source, items=entries),
            )

    async def check_ins(self, plans: dict[str, Any], held_on: date, *, every: int) -> None:
        for n, (external_id, plan) in enumerate(plans.items()):
            if n % every:
                continue
            first = plan.current.items[0]
            await check_in_service.record_check_in(
                self.session,
                self.manager_of(external_id),
                plan.id,
                CheckInCreate(
                    held_on=held_on,
                    progress=[CheckInProgress(key=first.key, on_track=n % 3 != 0)],
                    obstacles="Waiting on two customers' budget decisions."
                    if plan.current.items[0].name.startswith("Monthly")
                    else "Line 2 changeover took longer than planned.",
                    guidance="Focus the next two weeks on the two open quotes."
                    if plan.current.items[0].name.startswith("Monthly")
                    else "Book the changeover drill with maintenance this week.",
                ),
            )

    async def load(self) -> None:
        await self.organisation()
        await self.strategy()

        last = await self.cycle(
            self.last_month,
            Cadence.MONTHLY,
            self.last_month.strftime("%B %Y"),
            month_key(self.last_month),
        )
        last_plans = await self.signed_plans(last)
        await self.advance(last, CyclePhase.COACHING)
        await self.check_ins(last_plans, self.last_month + timedelta(days=12), every=1)
        month_end = add_months(self.last_month, 1) - timedelta(days=1)
        await self.results(last, last_plans, month_end, complete=True, seed="last")
        await self.advance(last, CyclePhase.ASSESSMENT, CyclePhase.FEEDBACK, CyclePhase.CLOSED)

        current = await self.cycle(
            self.this_month,
            Cadence.MONTHLY,
            self.this_month.strftime("%B %Y"),
            month_key(self.this_month),
        )
        plans = await self.signed_plans(current)
        await self.advance(current, CyclePhase.COACHING)
        # Every other plan had its first check-in; the rest show in the overdue view.
        await self.check_ins(plans, self.this_month, every=2)
        await self.results(current, plans, self.today, complete=False, seed="this")

        half = self.this_month.replace(month=1 if self.this_month.month <= 6 else 7)
        half_year = await self.cycle(
            half,
            Cadence.HALF_YEARLY,
            f"{half.year} {'first' if half.month == 1 else 'second'} half",
            half_year_key(half),
        )
        await self.advance(half_year, CyclePhase.COACHING)

        # The half-year before: its 360 campaign is finished (the reviews demo), so it is closed.
        previous = add_months(half, -6)
        previous_half = await self.cycle(
            previous,
            Cadence.HALF_YEARLY,
            f"{previous.year} {'first' if previous.month == 1 else 'second'} half",
            half_year_key(previous),
        )
        await self.advance(
            previous_half,
            CyclePhase.COACHING,
            CyclePhase.ASSESSMENT,
            CyclePhase.FEEDBACK,
            CyclePhase.CLOSED,
        )


def _short(name: str) -> str:
    return {
        "Monthly signed contracts": "contracts",
        "Pipeline value": "pipeline",
        "CRM data quality": "crm",
        "Customer complaints": "complaints",
        "Line on-time delivery": "line_otd",
        "Line defects per 1000 units": "line_defects",
        "Line safety incidents": "line_safety",
        "Coaching course progress": "coaching",
    }.get(name, name)


def _plausible(item: PlanItemRead, rng: random.Random) -> Decimal:
    """A value around the target: mostly between threshold and stretch."""
    if item.band_low is not None:
        return D(rng.choice([0, 0, 0, 0, 1]))
    assert item.target is not None
    target: Decimal = item.target
    low = item.threshold if item.threshold is not None else target * D("0.7")
    high = item.stretch if item.stretch is not None else target * D("1.2")
    value = low + (high - low) * D(str(round(rng.uniform(0.1, 1.0), 2)))
    return value.quantize(D("0.1") if abs(target) < 100 else D("1"))


async def load_demo(session: AsyncSession, tenant_id: uuid.UUID) -> bool:
    """Load the demo into `tenant_id` once; False when it is there already."""
    marker = demo_id(tenant_id, "employee", DEMO_PEOPLE[0].external_id)
    if await EmployeeRepository(session).get(marker) is not None:
        return False
    await _Demo(session, tenant_id).load()
    log.info("demo.loaded", tenant_id=str(tenant_id))
    return True
