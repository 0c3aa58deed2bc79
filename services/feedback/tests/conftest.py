"""Fixtures of the feedback service's tests.

Goals and reviews are faked behind the gateway URL with an `httpx.MockTransport` whose
answers are built from the contract models; the app's pooled upstream client uses it.
People follow the worked example (a manufacturer): a CEO, a sales head with two sales
representatives, a production head with a line operator, and an HR officer.
"""

import asyncio
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import strata_feedback
from strata_contracts.analytics.results import OverallResultRead
from strata_contracts.goals.calc import PlanItemScore, PlanScore
from strata_contracts.goals.cycles import CycleRead
from strata_contracts.goals.org import EmployeeRead
from strata_contracts.goals.plans import ActualRead, PlanExplanation
from strata_contracts.goals.vocabulary import Cadence, CyclePhase, EmployeeStatus, Perspective
from strata_contracts.identity import IDENTITY_HEADER, Role
from strata_contracts.pagination import Page
from strata_contracts.problem import Problem
from strata_contracts.reviews.results import CompetencySummary, RateeResultsSummary
from strata_feedback.main import create_app
from strata_feedback.settings import FeedbackSettings

NOW = datetime.now(UTC)


@pytest.fixture(scope="session")
def service_migrations() -> Path:
    return Path(strata_feedback.__file__).parent / "migrations"


@pytest.fixture(scope="session")
def settings_factory() -> type[FeedbackSettings]:
    return FeedbackSettings


@dataclass
class FakeGateway:
    """Goals and reviews as the gateway would answer them, from contract models."""

    org_unit: uuid.UUID = field(default_factory=uuid.uuid4)
    employees: dict[uuid.UUID, EmployeeRead] = field(default_factory=dict)
    plans: dict[tuple[uuid.UUID, uuid.UUID], PlanExplanation] = field(default_factory=dict)
    results_360: dict[uuid.UUID, list[RateeResultsSummary]] = field(default_factory=dict)
    cycles: dict[uuid.UUID, CycleRead] = field(default_factory=dict)
    goals_down: bool = False
    reviews_down: bool = False
    reviews_hang: bool = False
    requests: list[httpx.Request] = field(default_factory=list)
    ratings: dict[uuid.UUID, str] = field(default_factory=dict)
    """Analytics' results by id with their final band: an appeal's rating amendment sets it."""
    actuals: dict[uuid.UUID, Decimal] = field(default_factory=dict)
    """Goals' actuals in force by id: `POST /actuals/{id}/corrections` corrects them."""

    def employee(self, name: str, manager: uuid.UUID | None = None) -> uuid.UUID:
        employee_id = uuid.uuid4()
        self.employees[employee_id] = EmployeeRead(
            id=employee_id,
            created_at=NOW,
            updated_at=NOW,
            external_id=name.lower().replace(" ", "-"),
            name=name,
            email=f"{name.lower().replace(' ', '.')}@example.com",
            org_unit_id=self.org_unit,
            position_id=None,
            manager_id=manager,
            status=EmployeeStatus.ACTIVE,
            hire_date=None,
        )
        return employee_id

    def cycle(self, phase: CyclePhase = CyclePhase.FEEDBACK, name: str = "November") -> uuid.UUID:
        """A goals cycle in `phase` (interviews are scheduled in its feedback phase)."""
        cycle_id = uuid.uuid4()
        self.cycles[cycle_id] = CycleRead(
            id=cycle_id,
            name=name,
            cadence=Cadence.MONTHLY,
            starts_on=date(2026, 11, 1),
            ends_on=date(2026, 11, 30),
            phase=phase,
            phase_changed_at=NOW,
            created_at=NOW,
            updated_at=NOW,
        )
        return cycle_id

    def plan(self, cycle_id: uuid.UUID, employee_id: uuid.UUID) -> PlanExplanation:
        """An agreed, scored plan: 14 contracts against 12 (weight 40), complaints 60 %."""
        items = [
            PlanItemScore(
                indicator_id=uuid.uuid4(),
                name="Monthly signed contracts",
                perspective=Perspective.FINANCIAL,
                weight=Decimal("40"),
                score=Decimal("1.1667"),
                contribution=Decimal("0.7778"),
            ),
            PlanItemScore(
                indicator_id=uuid.uuid4(),
                name="Customer complaints",
                perspective=Perspective.CUSTOMER,
                weight=Decimal("20"),
                score=Decimal("0.6000"),
                contribution=Decimal("0.2000"),
            ),
        ]
        plan = PlanExplanation(
            employee_id=employee_id,
            employee_name=self.employees[employee_id].name,
            cycle_id=cycle_id,
            cycle_name="November",
            phase=CyclePhase.FEEDBACK,
            plan_id=uuid.uuid4(),
            version=1,
            agreed=True,
            items=[],
            plan_score=PlanScore(
                total=Decimal("0.9778"),
                percent=Decimal("97.78"),
                provisional=False,
                total_weight=Decimal("60"),
                scored_weight=Decimal("60"),
                items=items,
                perspectives=[],
                unscored=[],
                steps=[],
            ),
        )
        self.plans[(cycle_id, employee_id)] = plan
        return plan

    def results(self, employee_id: uuid.UUID, cycle_id: uuid.UUID) -> RateeResultsSummary:
        summary = RateeResultsSummary(
            campaign_id=uuid.uuid4(),
            campaign_name="H1 360",
            cycle_id=cycle_id,
            ratee_id=employee_id,
            closed_at=NOW - timedelta(days=3),
            competencies=[
                CompetencySummary(
                    competency_id=uuid.uuid4(),
                    key="communication",
                    name="Communication",
                    self_mean=Decimal("4.00"),
                    all_raters_mean=Decimal("3.40"),
                    all_raters_count=5,
                )
            ],
        )
        self.results_360.setdefault(employee_id, []).append(summary)
        return summary

    async def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if IDENTITY_HEADER not in request.headers:
            return _problem(401, "Unauthorized")
        parts = request.url.path.strip("/").split("/")
        if parts[:3] == ["api", "v1", "goals"]:
            if self.goals_down:
                raise httpx.ConnectError("connection refused", request=request)
            return self._goals(parts[3:], request)
        if parts[:3] == ["api", "v1", "analytics"]:
            return self._analytics(parts[3:], request)
        if parts[:3] == ["api", "v1", "reviews"]:
            if self.reviews_down:
                raise httpx.ConnectError("connection refused", request=request)
            if self.reviews_hang:
                await asyncio.Event().wait()
            return self._reviews(parts[3:], request)
        return _problem(404, "Not found")

    def _goals(self, parts: list[str], request: httpx.Request) -> httpx.Response:
        if len(parts) == 3 and parts[0] == "actuals" and parts[2] == "corrections":
            return self._correct(uuid.UUID(parts[1]), json.loads(request.content))
        if parts == ["employees"]:
            manager = request.url.params.get("manager_id")
            items = [
                e
                for e in self.employees.values()
                if manager is None or str(e.manager_id) == manager
            ]
            return _json(Page[EmployeeRead](items=items))
        if len(parts) == 2 and parts[0] == "employees":
            found = self.employees.get(uuid.UUID(parts[1]))
            return _json(found) if found else _problem(404, "Not found")
        if len(parts) == 2 and parts[0] == "cycles":
            cycle = self.cycles.get(uuid.UUID(parts[1]))
            return _json(cycle) if cycle else _problem(404, "Not found")
        if len(parts) == 5 and parts[0] == "employees" and parts[4] == "explanation":
            plan = self.plans.get((uuid.UUID(parts[3]), uuid.UUID(parts[1])))
            return _json(plan) if plan else _problem(404, "Not found")
        return _problem(404, "Not found")

    def _correct(self, actual_id: uuid.UUID, body: dict[str, Any]) -> httpx.Response:
        """As goals answers a correction: 404 unknown, 409 when `before` is not the value."""
        held = self.actuals.get(actual_id)
        if held is None:
            return _problem(404, "Actual not found")
        if body.get("before") is not None and Decimal(str(body["before"])) != held:
            return _problem(409, "Actual not in force")
        new = uuid.uuid4()
        del self.actuals[actual_id]
        self.actuals[new] = Decimal(str(body["value"]))
        read = ActualRead(
            id=new,
            plan_id=uuid.uuid4(),
            key=uuid.uuid4(),
            value=Decimal(str(body["value"])),
            level=None,
            source=f"correction of {actual_id}",
            measured_on=date(2026, 11, 30),
            note=body["reason"],
            recorded_by="user:hr",
            created_at=NOW,
        )
        return httpx.Response(
            201, content=read.model_dump_json(), headers={"content-type": "application/json"}
        )

    def _analytics(self, parts: list[str], request: httpx.Request) -> httpx.Response:
        if len(parts) == 3 and parts[0] == "results" and parts[2] == "amendments":
            result_id = uuid.UUID(parts[1])
            if result_id not in self.ratings:
                return _problem(404, "Result not found")
            band = json.loads(request.content)["band"]
            if band not in {"1", "2", "3", "4", "5"}:
                return _problem(422, "Unknown band")
            self.ratings[result_id] = band
            employee = next(iter(self.employees))
            read = OverallResultRead(
                id=result_id,
                employee_id=employee,
                employee_name=None,
                org_unit_id=None,
                cycle_id=uuid.uuid4(),
                plan_id=None,
                plan_score=None,
                plan_provisional=False,
                campaign_id=None,
                competency_mean=None,
                competency_score=None,
                kpi_weight=Decimal(70),
                competency_weight=Decimal(30),
                overall=Decimal("1.1003"),
                band="5",
                calibrated_overall=Decimal("1.0999"),
                calibrated_band=band,
                final_overall=Decimal("1.0999"),
                final_band=band,
                complete=True,
                locked=True,
                calibration_session_id=None,
                updated_at=NOW,
            )
            return _json(read)
        return _problem(404, "Not found")

    def _reviews(self, parts: list[str], request: httpx.Request) -> httpx.Response:
        if parts == ["results"]:
            ratee = uuid.UUID(request.url.params["ratee_id"])
            return _json(Page[RateeResultsSummary](items=self.results_360.get(ratee, [])))
        return _problem(404, "Not found")


def _json(model: Any) -> httpx.Response:
    return httpx.Response(
        200, content=model.model_dump_json(), headers={"content-type": "application/json"}
    )


def _problem(status: int, title: str) -> httpx.Response:
    body = Problem(title=title, status=status).model_dump_json(exclude_none=True)
    return httpx.Response(
        status, content=body, headers={"content-type": "application/problem+json"}
    )


@dataclass
class People:
    """The worked example's people (ids as the goals fake knows them)."""

    ceo: uuid.UUID
    hr: uuid.UUID
    sales_head: uuid.UUID
    anna: uuid.UUID
    ben: uuid.UUID
    production_head: uuid.UUID
    olga: uuid.UUID


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def people(gateway: FakeGateway) -> People:
    ceo = gateway.employee("Chris CEO")
    sales_head = gateway.employee("Sam Sales-Head", ceo)
    production_head = gateway.employee("Pat Production-Head", ceo)
    return People(
        ceo=ceo,
        hr=gateway.employee("Hana HR", ceo),
        sales_head=sales_head,
        anna=gateway.employee("Anna Rep", sales_head),
        ben=gateway.employee("Ben Rep", sales_head),
        production_head=production_head,
        olga=gateway.employee("Olga Operator", production_head),
    )


@pytest.fixture
def app_factory(gateway: FakeGateway) -> Callable[[FeedbackSettings], FastAPI]:
    return partial(create_app, upstream_transport=httpx.MockTransport(gateway.handler))


@pytest.fixture
def as_(identity_headers: Callable[..., dict[str, str]]) -> Callable[..., dict[str, str]]:
    """`as_(person_id, Role.MANAGER)`: headers of that person (roles default to employee)."""

    def make(
        employee_id: uuid.UUID | None, *roles: Role, tenant: uuid.UUID | None = None
    ) -> dict[str, str]:
        return identity_headers(
            *(roles or (Role.EMPLOYEE,)),
            employee_id=employee_id,
            tenant=tenant,
            subject=f"user:{employee_id}",
        )

    return make


@pytest.fixture
def hr(as_: Callable[..., dict[str, str]], people: People) -> dict[str, str]:
    return as_(people.hr, Role.HR, Role.EMPLOYEE)


@pytest.fixture
def cycle_id(gateway: FakeGateway) -> uuid.UUID:
    """A cycle in its feedback phase."""
    return gateway.cycle(CyclePhase.FEEDBACK)


def when(days: int = 0) -> str:
    """An aware instant `days` from now, ISO 8601."""
    return (NOW + timedelta(days=days)).isoformat()


def day(days: int = 0) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


class Flow:
    """Small steps of the interview flow over HTTP, asserting each succeeds."""

    def __init__(
        self, client: httpx.AsyncClient, as_: Callable[..., dict[str, str]], people: People
    ) -> None:
        self.client = client
        self.as_ = as_
        self.people = people

    when = staticmethod(when)
    day = staticmethod(day)

    def manager(self, employee: uuid.UUID | None = None) -> dict[str, str]:
        return self.as_(employee or self.people.sales_head, Role.MANAGER, Role.EMPLOYEE)

    async def schedule(
        self,
        employee: uuid.UUID,
        *,
        cycle_id: uuid.UUID | None = None,
        days: int = -10,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        body = {
            "employee_id": str(employee),
            "scheduled_at": when(days),
            "location": "Room 2",
            **extra,
        }
        if cycle_id is not None:
            body["cycle_id"] = str(cycle_id)
        response = await self.client.post(
            "/api/v1/feedback/interviews", json=body, headers=headers or self.manager()
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def post(
        self, path: str, body: dict[str, Any], headers: dict[str, str], status: int = 200
    ) -> dict[str, Any]:
        response = await self.client.post(f"/api/v1/feedback{path}", json=body, headers=headers)
        assert response.status_code == status, response.text
        return dict(response.json())

    async def hold(
        self, interview: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        return await self.post(f"/interviews/{interview['id']}/hold", {}, headers or self.manager())

    async def held(self, employee: uuid.UUID, **kwargs: Any) -> dict[str, Any]:
        return await self.hold(await self.schedule(employee, **kwargs))

    async def action(
        self, interview: dict[str, Any], *, due: int = 20, **extra: Any
    ) -> dict[str, Any]:
        body = {
            "title": "Pipeline reviews",
            "due_on": day(due),
            "success_measure": "Weekly review held",
            **extra,
        }
        return await self.post(
            f"/interviews/{interview['id']}/improvement-actions", body, self.manager(), status=201
        )

    async def dispute(self, interview: dict[str, Any], employee: uuid.UUID) -> dict[str, Any]:
        return await self.post(
            f"/interviews/{interview['id']}/dispute",
            {"reason": "The complaints figure counts a customer I never served."},
            self.as_(employee),
        )


@pytest.fixture
def flow(client: httpx.AsyncClient, as_: Callable[..., dict[str, str]], people: People) -> Flow:
    return Flow(client, as_, people)
