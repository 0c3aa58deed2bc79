"""A small world for analytics tests: goals and reviews events on the fake hub, a fake
reviews answers feed, and the helpers that run the consumer and the jobs."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx

from strata_analytics.applied.amend import REPROPOSE, Repropose
from strata_analytics.models import Job
from strata_analytics.ratings.pull import KIND as PULL
from strata_analytics.ratings.pull import PullRatings
from strata_contracts.goals.events import (
    ActualRecorded,
    CyclePhaseChanged,
    CycleRenamed,
    EmployeeUpserted,
    IndicatorChanged,
    ObjectiveChanged,
    OrgUnitChanged,
    PlanSigned,
    SignedItem,
)
from strata_contracts.goals.org import EmployeeRead, OrgUnitRead
from strata_contracts.goals.strategy import IndicatorLinkRead, IndicatorRead, ObjectiveRead
from strata_contracts.goals.vocabulary import (
    CyclePhase,
    EmployeeStatus,
    Frequency,
    IndicatorKind,
    Level,
    Perspective,
    ScoringMethod,
)
from strata_contracts.identity import IDENTITY_HEADER
from strata_contracts.reviews.events import CampaignClosed
from strata_contracts.reviews.internal import InternalAnswer, InternalAnswerPage
from strata_contracts.reviews.vocabulary import ItemKind, Relationship
from strata_kit.identity import verify_identity_token
from strata_kit.jobs import JobRunner, JobSpec
from strata_kit.testing import TEST_SECRET

from .hub import Hub, drain, publish

NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


class FakeReviews:
    """The reviews service's private answers feed, per tenant and campaign."""

    def __init__(self) -> None:
        self.answers: list[InternalAnswer] = []
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        claims = verify_identity_token(request.headers[IDENTITY_HEADER], TEST_SECRET)
        assert (claims.subject, claims.tenant_id) == ("service:analytics", None)
        params = request.url.params
        # The fake keeps one list for every tenant: filter by the campaign, as reviews does.
        rows = [a for a in self.answers if str(a.campaign_id) == params.get("campaign_id")]
        start = int(params.get("cursor") or 0)
        limit = int(params["limit"])
        more = start + limit < len(rows)
        page = InternalAnswerPage(
            items=rows[start : start + limit], next_cursor=str(start + limit) if more else None
        )
        return httpx.Response(200, content=page.model_dump_json())


@dataclass
class Competency:
    id: uuid.UUID
    key: str
    name: str
    items: list[uuid.UUID]


@dataclass
class World:
    """One tenant's goals and reviews facts, sent as events and answers."""

    app: Any
    hub: Hub
    reviews: FakeReviews
    tenant: uuid.UUID
    unit: uuid.UUID = field(default_factory=uuid.uuid4)
    cycle: uuid.UUID = field(default_factory=uuid.uuid4)
    template: uuid.UUID = field(default_factory=uuid.uuid4)
    competencies: list[Competency] = field(default_factory=list)
    question: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        self.competencies = [
            Competency(
                uuid.uuid4(), "communication", "Communication", [uuid.uuid4(), uuid.uuid4()]
            ),
            Competency(uuid.uuid4(), "interpersonal", "Interpersonal relations", [uuid.uuid4()]),
        ]

    def emit(self, type_: str, subject: str, data: Any) -> None:
        publish(self.hub, self.tenant, type_, subject, data)

    def org_unit(
        self, name: str, unit_id: uuid.UUID | None = None, parent: uuid.UUID | None = None
    ) -> uuid.UUID:
        unit_id = unit_id or uuid.uuid4()
        unit = OrgUnitRead(
            id=unit_id,
            created_at=NOW,
            updated_at=NOW,
            name=name,
            code=None,
            external_id=None,
            parent_id=parent,
            level=Level.DEPARTMENT if parent else Level.ENTERPRISE,
        )
        self.emit(
            "goals.org_unit.changed",
            f"org_unit/{unit_id}",
            OrgUnitChanged(change="created", org_unit=unit),
        )
        return unit_id

    def employee(
        self,
        name: str,
        *,
        manager: uuid.UUID | None = None,
        unit: uuid.UUID | None = None,
        employee_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        employee_id = employee_id or uuid.uuid4()
        person = EmployeeRead(
            id=employee_id,
            created_at=NOW,
            updated_at=NOW,
            external_id=None,
            name=name,
            email=f"{name.lower().replace(' ', '.')}@example.com",
            org_unit_id=unit or self.unit,
            position_id=None,
            manager_id=manager,
            status=EmployeeStatus.ACTIVE,
            hire_date=None,
        )
        self.emit(
            "goals.employee.upserted",
            f"employee/{employee_id}",
            EmployeeUpserted(change="created", employee=person),
        )
        return employee_id

    def phase(
        self, phase: CyclePhase, cycle: uuid.UUID | None = None, name: str | None = None
    ) -> None:
        self.emit(
            "goals.cycle.phase_changed",
            f"cycle/{cycle or self.cycle}",
            CyclePhaseChanged(
                cycle_id=cycle or self.cycle,
                change_id=uuid.uuid4(),
                from_phase=CyclePhase.PLANNING,
                to_phase=phase,
                reopened=False,
                override=False,
                reason=None,
                name=name,
            ),
        )

    def rename_cycle(self, name: str, cycle: uuid.UUID | None = None) -> None:
        self.emit(
            "goals.cycle.renamed",
            f"cycle/{cycle or self.cycle}",
            CycleRenamed(cycle_id=cycle or self.cycle, name=name),
        )

    def objective(self, title: str, perspective: Perspective) -> uuid.UUID:
        objective_id = uuid.uuid4()
        self.emit(
            "goals.objective.changed",
            f"objective/{objective_id}",
            ObjectiveChanged(
                change="created",
                objective=ObjectiveRead(
                    id=objective_id,
                    created_at=NOW,
                    updated_at=NOW,
                    code=None,
                    title=title,
                    description=None,
                    perspective=perspective,
                    starts_on=None,
                    ends_on=None,
                    active=True,
                ),
            ),
        )
        return objective_id

    def indicator(
        self,
        name: str,
        level: Level,
        perspective: Perspective,
        *,
        objective: tuple[uuid.UUID, str] | None = None,
        parent: tuple[uuid.UUID, str] | None = None,
    ) -> uuid.UUID:
        indicator_id = uuid.uuid4()
        links = []
        if objective:
            links.append(
                IndicatorLinkRead(
                    id=uuid.uuid4(),
                    indicator_id=indicator_id,
                    parent_objective_id=objective[0],
                    parent_indicator_id=None,
                    contribution_weight=Decimal(objective[1]),
                )
            )
        if parent:
            links.append(
                IndicatorLinkRead(
                    id=uuid.uuid4(),
                    indicator_id=indicator_id,
                    parent_objective_id=None,
                    parent_indicator_id=parent[0],
                    contribution_weight=Decimal(parent[1]),
                )
            )
        indicator = IndicatorRead(
            id=indicator_id,
            code=None,
            name=name,
            description=None,
            level=level,
            perspective=perspective,
            org_unit_id=None,
            position_id=None,
            weight=None,
            template_id=None,
            active=True,
            links=links,
            created_at=NOW,
            updated_at=NOW,
            kind=IndicatorKind.QUANTITATIVE,
            method=ScoringMethod.RATIO,
            unit=None,
            direction=None,
            baseline=None,
            threshold=None,
            target=None,
            stretch=None,
            band_low=None,
            band_high=None,
            band_tolerance=None,
            threshold_score=None,
            cap=None,
            bands=[],
            rubric=[],
            frequency=Frequency.MONTHLY,
            data_source=None,
        )
        self.emit(
            "goals.indicator.changed",
            f"indicator/{indicator_id}",
            IndicatorChanged(change="created", indicator=indicator),
        )
        return indicator_id

    def plan(
        self,
        employee: uuid.UUID,
        items: list[tuple[str, Perspective, str, uuid.UUID | None]],
        *,
        cycle: uuid.UUID | None = None,
        plan_id: uuid.UUID | None = None,
        version: int = 1,
        keys: dict[str, uuid.UUID] | None = None,
    ) -> tuple[uuid.UUID, dict[str, uuid.UUID]]:
        """Sign a plan version: items are (name, perspective, weight %, indicator id)."""
        plan_id = plan_id or uuid.uuid4()
        keys = dict(keys or {})
        for name, *_ in items:
            keys.setdefault(name, uuid.uuid4())
        self.emit(
            "goals.plan.signed",
            f"plan/{plan_id}",
            PlanSigned(
                plan_id=plan_id,
                employee_id=employee,
                cycle_id=cycle or self.cycle,
                version=version,
                employee_signed_by="user:e",
                employee_signed_at=NOW,
                manager_signed_by="user:m",
                manager_signer_employee_id=None,
                manager_signed_at=NOW,
                items=[
                    SignedItem(
                        key=keys[name],
                        indicator_id=indicator,
                        name=name,
                        perspective=perspective,
                        weight=Decimal(weight),
                    )
                    for name, perspective, weight, indicator in items
                ],
            ),
        )
        return plan_id, keys

    def actual(
        self,
        plan: uuid.UUID,
        employee: uuid.UUID,
        key: uuid.UUID,
        score: str,
        *,
        measured_on: date = date(2026, 6, 30),
        cycle: uuid.UUID | None = None,
        indicator: uuid.UUID | None = None,
        corrects: uuid.UUID | None = None,
        appeal_id: uuid.UUID | None = None,
        change_request_id: uuid.UUID | None = None,
        reason: str | None = None,
    ) -> None:
        """An actual with its score; with `corrects`, a correction as an upheld appeal makes
        one (goals' `POST /actuals/{id}/corrections`)."""
        self.emit(
            "goals.actual.recorded",
            f"plan/{plan}",
            ActualRecorded(
                actual_id=uuid.uuid4(),
                plan_id=plan,
                employee_id=employee,
                cycle_id=cycle or self.cycle,
                key=key,
                indicator_id=indicator,
                value=Decimal(1),
                level=None,
                source="test",
                measured_on=measured_on,
                score=Decimal(score),
                corrects_actual_id=corrects,
                appeal_id=appeal_id,
                change_request_id=change_request_id,
                reason=reason,
            ),
        )

    def campaign(
        self,
        ratings: dict[uuid.UUID, list[tuple[Relationship, str, int | list[int]]]],
        *,
        k: int = 3,
        comments: dict[uuid.UUID, list[tuple[Relationship, str, str]]] | None = None,
        cycle: uuid.UUID | None = None,
        template: uuid.UUID | None = None,
        name: str | None = None,
    ) -> uuid.UUID:
        """A closed campaign: per ratee, (relationship, rater, rating or one per item)."""
        campaign_id = uuid.uuid4()
        cycle = cycle or self.cycle
        items = [(c, i) for c in self.competencies for i in c.items]
        base: dict[str, Any] = dict(
            campaign_id=campaign_id,
            cycle_id=cycle,
            template_id=template or self.template,
            closed_at=NOW,
            anonymity_threshold=k,
        )
        for ratee, raters in ratings.items():
            for relationship, rater, values in raters:
                per_item = values if isinstance(values, list) else [values] * len(items)
                for (competency, item), value in zip(items, per_item, strict=True):
                    self.reviews.answers.append(
                        InternalAnswer(
                            **base,
                            ratee_id=ratee,
                            relationship=relationship,
                            rater_key=f"key-{rater}",
                            rater_employee_id=None,
                            kind=ItemKind.RATING,
                            item_id=item,
                            item_text=f"Item {item}",
                            competency_id=competency.id,
                            competency_key=competency.key,
                            competency_name=competency.name,
                            scale_min=1,
                            scale_max=5,
                            value=value,
                        )
                    )
        for ratee, notes in (comments or {}).items():
            for relationship, rater, text in notes:
                self.reviews.answers.append(
                    InternalAnswer(
                        **base,
                        ratee_id=ratee,
                        relationship=relationship,
                        rater_key=f"key-{rater}",
                        rater_employee_id=None,
                        kind=ItemKind.COMMENT,
                        item_id=self.question,
                        item_text="What should they keep doing?",
                        comment=text,
                    )
                )
        self.emit(
            "reviews.campaign.closed",
            f"campaign/{campaign_id}",
            CampaignClosed(
                campaign_id=campaign_id,
                cycle_id=cycle,
                closed_at=NOW,
                invitations=0,
                submitted=0,
                name=name,
            ),
        )
        return campaign_id

    async def sync(self, consumer: Any) -> None:
        """Apply the hub's feed, then run the queued jobs (rating pulls)."""
        await drain(consumer)
        runner = JobRunner(
            self.app.state.sessionmaker,
            JobSpec(
                table=Job,
                handlers={
                    REPROPOSE: Repropose(),
                    PULL: PullRatings(
                        lambda: httpx.AsyncClient(
                            transport=httpx.MockTransport(self.reviews), base_url="http://reviews"
                        ),
                        TEST_SECRET,
                    ),
                },
            ),
        )
        while await runner.run_once():
            pass


# --- the worked example's sales representatives (see results/test_worked_example.py) ----

SUP, PEER, CUST, SELF = (
    Relationship.SUPERVISOR,
    Relationship.PEER,
    Relationship.CUSTOMER,
    Relationship.SELF,
)
POST = [
    ("Signed contracts", Perspective.FINANCIAL, "40"),
    ("Pipeline value", Perspective.FINANCIAL, "25"),
    ("CRM data quality", Perspective.INTERNAL_PROCESS, "15"),
    ("Customer complaints", Perspective.CUSTOMER, "20"),
]
SCORES = {
    "Lena": ["1.1", "0.9", "0.75", "1.0"],
    "Omar": ["1.2", "1.2", "1.0", "1.2"],
    "Clara": ["0.5", "0.6", "0.5", "0.0"],
    "Tom": ["1.0", "1.0", "0.75", None],
}


async def build(world: World, consumer: Any) -> dict[str, Any]:
    world.org_unit("Sales", world.unit)
    head = world.employee("Jonas Brandt")
    reps = {name: world.employee(name, manager=head) for name in SCORES}
    for name, scores in SCORES.items():
        plan, keys = world.plan(reps[name], [(*item, None) for item in POST])
        for (item, *_), score in zip(POST, scores, strict=True):
            if score is not None:
                world.actual(plan, reps[name], keys[item], score)
    world.campaign(
        {
            reps["Lena"]: [
                (SUP, "jonas", 4),
                (PEER, "p1", 5),
                (PEER, "p2", 4),
                (PEER, "p3", 3),
                (CUST, "c1", 1),
                (CUST, "c2", 1),
                (SELF, "lena", 5),
            ],
            reps["Omar"]: [
                (SUP, "jonas", 5),
                (PEER, "p1", 5),
                (PEER, "p2", 5),
                (PEER, "p3", 4),
                (CUST, "c1", 1),
                (SELF, "omar", 5),
            ],
            reps["Clara"]: [(SUP, "jonas", 2), (PEER, "p1", 5), (PEER, "p2", 5), (SELF, "c", 5)],
        }
    )
    await world.sync(consumer)
    return {"head": head, **reps}
