"""Fixtures of the reviews service's tests.

- `goals`: the goals service as reviews reaches it through the gateway, an
  `httpx.MockTransport` answering from contract models (`EmployeeRead`, `Page`, `Problem`),
  per tenant of the caller's forwarded identity token.
- `org`: the worked example's people (the demo snapshot) loaded into `goals`.
- `clock`: the service's "now", set by the test.
- `as_`, `hr`, `admin`, `integration`: request headers of callers.
- `flow`: the API steps of a campaign (template, campaign, nominations, answers, results).
"""

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import strata_reviews
from strata_contracts.goals.cycles import CycleRead
from strata_contracts.goals.org import EmployeeRead
from strata_contracts.goals.vocabulary import CyclePhase, EmployeeStatus
from strata_contracts.identity import IDENTITY_HEADER, IdentityClaims, Role
from strata_contracts.pagination import Page
from strata_contracts.problem import Problem
from strata_kit.identity import InvalidIdentity, mint_identity_token, verify_identity_token
from strata_kit.testing import TEST_SECRET
from strata_reviews import demo
from strata_reviews.clock import get_now
from strata_reviews.main import create_app
from strata_reviews.settings import ReviewsSettings

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def service_migrations() -> Path:
    return Path(strata_reviews.__file__).parent / "migrations"


@pytest.fixture(scope="session")
def settings_factory() -> type[ReviewsSettings]:
    return ReviewsSettings


@pytest.fixture(scope="session")
def app_factory():  # type: ignore[no-untyped-def]
    return create_app


# --- goals, faked ------------------------------------------------------------------------


def _json(model: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status, content=model.model_dump_json(), headers={"content-type": "application/json"}
    )


def _problem(status: int, title: str) -> httpx.Response:
    body = Problem(title=title, status=status).model_dump_json(exclude_none=True)
    return httpx.Response(
        status, content=body, headers={"content-type": "application/problem+json"}
    )


@dataclass
class FakeGoals:
    """Employees per tenant; answers only callers whose identity token it can verify."""

    employees: dict[uuid.UUID, dict[uuid.UUID, EmployeeRead]] = field(default_factory=dict)
    cycles: dict[uuid.UUID, dict[uuid.UUID, CycleRead]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    down: bool = False
    status: int | None = None

    def add(self, tenant_id: uuid.UUID, employee: EmployeeRead) -> EmployeeRead:
        self.employees.setdefault(tenant_id, {})[employee.id] = employee
        return employee

    def cycle(self, tenant_id: uuid.UUID, phase: CyclePhase = CyclePhase.ASSESSMENT) -> CycleRead:
        template = demo.cycle(tenant_id)
        cycle = template.model_copy(update={"id": uuid.uuid4(), "phase": phase})
        self.cycles.setdefault(tenant_id, {})[cycle.id] = cycle
        return cycle

    def employee(
        self,
        tenant_id: uuid.UUID,
        *,
        name: str,
        org_unit_id: uuid.UUID,
        manager_id: uuid.UUID | None = None,
        status: EmployeeStatus = EmployeeStatus.ACTIVE,
    ) -> EmployeeRead:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        return self.add(
            tenant_id,
            EmployeeRead(
                id=uuid.uuid4(),
                created_at=now,
                updated_at=now,
                external_id=None,
                name=name,
                email=f"{name.lower().replace(' ', '.')}@example.com",
                org_unit_id=org_unit_id,
                position_id=None,
                manager_id=manager_id,
                status=status,
                hire_date=None,
            ),
        )

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if self.status is not None:
            return _problem(self.status, "Upstream says no")
        try:
            claims = verify_identity_token(request.headers[IDENTITY_HEADER], TEST_SECRET)
        except (KeyError, InvalidIdentity):
            return _problem(401, "Unauthorized")
        people = self.employees.get(claims.tenant_id or uuid.UUID(int=0), {})
        parts = request.url.path.strip("/").split("/")
        if parts[:4] == ["api", "v1", "goals", "cycles"] and len(parts) == 5:
            cycles = self.cycles.get(claims.tenant_id or uuid.UUID(int=0), {})
            cycle = cycles.get(uuid.UUID(parts[4]))
            return _json(cycle) if cycle else _problem(404, "Not found")
        if parts[:4] != ["api", "v1", "goals", "employees"]:
            return _problem(404, "Not found")
        if len(parts) == 5:
            employee = people.get(uuid.UUID(parts[4]))
            return _json(employee) if employee else _problem(404, "Not found")
        params = request.url.params
        rows = sorted(people.values(), key=lambda e: str(e.id))
        if "org_unit_id" in params:
            rows = [e for e in rows if str(e.org_unit_id) == params["org_unit_id"]]
        if "manager_id" in params:
            rows = [e for e in rows if str(e.manager_id) == params["manager_id"]]
        start = int(params.get("cursor", "0"))
        limit = int(params.get("limit", "50"))
        page = rows[start : start + limit]
        more = start + limit < len(rows)
        return _json(
            Page[EmployeeRead](items=page, next_cursor=str(start + limit) if more else None)
        )


@pytest.fixture
async def goals(app: FastAPI) -> AsyncIterator[FakeGoals]:
    fake = FakeGoals()
    started = app.state.goals_http
    app.state.goals_http = httpx.AsyncClient(
        transport=httpx.MockTransport(fake.handler), base_url="http://gateway.test"
    )
    yield fake
    await app.state.goals_http.aclose()
    app.state.goals_http = started


@dataclass
class Org:
    """The worked example's people of one tenant, by HRIS key (E001...)."""

    tenant_id: uuid.UUID
    people: dict[str, EmployeeRead]

    def id(self, key: str) -> uuid.UUID:
        return self.people[key].id

    def key(self, employee_id: uuid.UUID | str) -> str:
        wanted = uuid.UUID(str(employee_id))
        return next(k for k, e in self.people.items() if e.id == wanted)

    def unit(self, name: str) -> uuid.UUID:
        return demo.demo_id(self.tenant_id, "org-unit", name)


def load_org(goals: FakeGoals, tenant_id: uuid.UUID) -> Org:
    """The worked example's people, and its half-year cycle, in `goals`."""
    people = {e.external_id or "": goals.add(tenant_id, e) for e in demo.employees(tenant_id)}
    cycle = demo.cycle(tenant_id)
    goals.cycles.setdefault(tenant_id, {})[cycle.id] = cycle
    return Org(tenant_id, people)


@pytest.fixture
def org(goals: FakeGoals, tenant_id: uuid.UUID) -> Org:
    return load_org(goals, tenant_id)


# --- time and callers --------------------------------------------------------------------


@dataclass
class Clock:
    current: datetime = START

    def now(self) -> datetime:
        return self.current

    def set(self, when: datetime) -> None:
        self.current = when

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@pytest.fixture
def clock(app: FastAPI) -> Clock:
    fake = Clock()
    app.dependency_overrides[get_now] = fake.now
    return fake


Headers = dict[str, str]


@pytest.fixture
def as_(identity_headers: Callable[..., Headers], org: Org) -> Callable[..., Headers]:
    """`as_("E010")`: that employee (role employee); `as_("E002", Role.MANAGER)`."""

    def make(key: str, *roles: Role, tenant: uuid.UUID | None = None) -> Headers:
        return identity_headers(
            *(roles or (Role.EMPLOYEE,)),
            employee_id=org.id(key),
            tenant=tenant,
            subject=f"user:{key}",
        )

    return make


@pytest.fixture
def hr(identity_headers: Callable[..., Headers]) -> Headers:
    return identity_headers(Role.HR, subject="user:hr-officer")


@pytest.fixture
def admin(identity_headers: Callable[..., Headers]) -> Headers:
    return identity_headers(Role.ADMIN, subject="user:admin")


def anonymous() -> Headers:
    """What the gateway forwards for its public prefix (external raters' links): an
    anonymous identity, no tenant, no roles."""
    return {IDENTITY_HEADER: mint_identity_token(IdentityClaims(subject="anonymous"), TEST_SECRET)}


@pytest.fixture
def external() -> Headers:
    return anonymous()


@pytest.fixture
def integration(identity_headers: Callable[..., Headers]) -> Headers:
    return identity_headers(Role.INTEGRATION, subject="key:hris")


# --- the API steps of a campaign ---------------------------------------------------------


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


@dataclass
class Flow:
    client: httpx.AsyncClient
    hr: Headers
    org: Org
    clock: Clock
    as_: Callable[..., Headers]
    goals: FakeGoals

    def cycle(self, phase: CyclePhase = CyclePhase.ASSESSMENT) -> str:
        """A new performance cycle in goals."""
        return str(self.goals.cycle(self.org.tenant_id, phase).id)

    async def template(self, **body: Any) -> dict[str, Any]:
        body.setdefault("name", f"360 {uuid.uuid4().hex[:6]}")
        return ok(
            await self.client.post("/api/v1/reviews/templates", json=body, headers=self.hr), 201
        )

    async def version(self, template: dict[str, Any]) -> dict[str, Any]:
        url = f"/api/v1/reviews/templates/{template['id']}/versions/{template['latest_version']}"
        return ok(await self.client.get(url, headers=self.hr))

    async def campaign(
        self, ratees: list[str], *, template: dict[str, Any] | None = None, **body: Any
    ) -> dict[str, Any]:
        template = template or await self.template()
        body = {
            "name": f"H1 360 {uuid.uuid4().hex[:6]}",
            "cycle_id": str(demo.cycle(self.org.tenant_id).id),
            "template_id": template["id"],
            "scope": {"kind": "employees", "employee_ids": [str(self.org.id(r)) for r in ratees]},
            "opens_at": (START + timedelta(days=1)).isoformat(),
            "due_at": (START + timedelta(days=15)).isoformat(),
            "closes_at": (START + timedelta(days=25)).isoformat(),
            **body,
        }
        created = ok(
            await self.client.post("/api/v1/reviews/campaigns", json=body, headers=self.hr), 201
        )
        created["_ratees"] = ratees
        return created

    def url(self, campaign: dict[str, Any], tail: str = "") -> str:
        return f"/api/v1/reviews/campaigns/{campaign['id']}{tail}"

    async def suggest(self, campaign: dict[str, Any]) -> list[dict[str, Any]]:
        response = await self.client.post(
            self.url(campaign, "/nominations/suggestions"), headers=self.hr
        )
        return ok(response)["created"]

    async def nominations(self, campaign: dict[str, Any], ratee: str) -> list[dict[str, Any]]:
        url = self.url(campaign, f"/ratees/{self.org.id(ratee)}/nominations?limit=500")
        return ok(await self.client.get(url, headers=self.hr))["items"]

    async def nominate(
        self, campaign: dict[str, Any], ratee: str, headers: Headers | None = None, **body: Any
    ) -> httpx.Response:
        return await self.client.post(
            self.url(campaign, f"/ratees/{self.org.id(ratee)}/nominations"),
            json=body,
            headers=headers or self.hr,
        )

    async def customer(self, campaign: dict[str, Any], ratee: str, name: str) -> dict[str, Any]:
        email = f"{name.lower().replace(' ', '.')}@customer.example"
        response = await self.nominate(
            campaign, ratee, relationship="customer", external_name=name, external_email=email
        )
        return ok(response, 201)

    async def approve_all(self, campaign: dict[str, Any]) -> None:
        for ratee in self.ratees(campaign):
            for nomination in await self.nominations(campaign, ratee):
                if nomination["status"] == "proposed":
                    response = await self.client.post(
                        self.url(campaign, f"/nominations/{nomination['id']}/decision"),
                        json={"decision": "approve"},
                        headers=self.hr,
                    )
                    ok(response)

    def ratees(self, campaign: dict[str, Any]) -> list[str]:
        return campaign["_ratees"]

    async def open(self, campaign: dict[str, Any]) -> dict[str, Any]:
        return ok(await self.client.post(self.url(campaign, "/open"), headers=self.hr))

    async def close(self, campaign: dict[str, Any]) -> dict[str, Any]:
        return ok(await self.client.post(self.url(campaign, "/close"), headers=self.hr))

    async def invitations(self, campaign: dict[str, Any]) -> list[dict[str, Any]]:
        url = self.url(campaign, "/invitations?limit=500")
        return ok(await self.client.get(url, headers=self.hr))["items"]

    async def form(self, invitation: dict[str, Any]) -> dict[str, Any]:
        return ok(
            await self.client.get(
                f"/api/v1/reviews/invitations/{invitation['id']}/form",
                headers=self.rater(invitation),
            )
        )

    def rater(self, invitation: dict[str, Any]) -> Headers:
        return self.as_(self.org.key(invitation["rater_employee_id"]))

    async def link(self, invitation: dict[str, Any]) -> str:
        url = f"/api/v1/reviews/invitations/{invitation['id']}/link"
        return ok(await self.client.post(url, headers=self.hr))["path"]

    async def answer(
        self,
        invitation: dict[str, Any],
        rating: int | Callable[[dict[str, Any]], int | None] = 4,
        comment: str | None = None,
    ) -> dict[str, Any]:
        """Submit a complete response: every rating item rated, every question answered
        with `comment` (when given). External raters answer through a fresh link."""
        if invitation["external"]:
            path = await self.link(invitation)
            form = ok(await self.client.get(path, headers=anonymous()))
        else:
            path = f"/api/v1/reviews/invitations/{invitation['id']}"
            form = await self.form(invitation)
        answers = answers_for(form, rating, comment)
        headers = anonymous() if invitation["external"] else self.rater(invitation)
        response = await self.client.post(
            f"{path}/response/submit", json={"answers": answers}, headers=headers
        )
        return ok(response)

    async def results(
        self, campaign: dict[str, Any], ratee: str, headers: Headers | None = None
    ) -> httpx.Response:
        return await self.client.get(
            self.url(campaign, f"/results/{self.org.id(ratee)}"), headers=headers or self.hr
        )

    async def staffed(
        self,
        ratee: str,
        *,
        supervisor: str | None = None,
        peers: tuple[str, ...] = (),
        reports: tuple[str, ...] = (),
        customers: tuple[str, ...] = (),
        **body: Any,
    ) -> dict[str, Any]:
        """An open campaign for one ratee with exactly these raters (HR nominates them, so
        they are approved at once), and a self-assessment."""
        body.setdefault(
            "relationships",
            [
                {"relationship": r, "min_raters": 0, "max_raters": 1 if r in single else 10}
                for r in ("self", "supervisor", "peer", "direct_report", "customer")
                for single in [("self", "supervisor")]
            ],
        )
        campaign = await self.campaign([ratee], **body)
        internal = [("supervisor", [supervisor] if supervisor else []), ("peer", peers)]
        for relationship, keys in [*internal, ("direct_report", reports)]:
            for key in keys:
                response = await self.nominate(
                    campaign,
                    ratee,
                    relationship=relationship,
                    rater_employee_id=str(self.org.id(key)),
                )
                ok(response, 201)
        for name in customers:
            await self.customer(campaign, ratee, name)
        opened = await self.open(campaign)
        opened["_ratees"] = [ratee]
        return opened

    async def of(self, campaign: dict[str, Any], relationship: str) -> list[dict[str, Any]]:
        return [i for i in await self.invitations(campaign) if i["relationship"] == relationship]

    async def ready(
        self, ratees: list[str], *, customers: dict[str, list[str]] | None = None, **body: Any
    ) -> dict[str, Any]:
        """A campaign with suggested (and approved) raters and customers, opened."""
        campaign = await self.campaign(ratees, **body)
        await self.suggest(campaign)
        for ratee, names in (customers or {}).items():
            for name in names:
                await self.customer(campaign, ratee, name)
        await self.approve_all(campaign)
        opened = await self.open(campaign)
        opened["_ratees"] = ratees
        return opened


def answers_for(
    form: dict[str, Any],
    rating: int | Callable[[dict[str, Any]], int | None],
    comment: str | None,
) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = []
    for competency in form["competencies"]:
        for item in competency["items"]:
            value = rating(item) if callable(rating) else rating
            if value is not None:
                answers.append({"item_id": item["id"], "rating": value})
    if comment is not None:
        answers.extend({"item_id": q["id"], "comment": comment} for q in form["questions"])
    return answers


@pytest.fixture
def flow(
    client: httpx.AsyncClient, hr: Headers, org: Org, clock: Clock, as_: Any, goals: FakeGoals
) -> Flow:
    return Flow(client, hr, org, clock, as_, goals)


@pytest.fixture
def other_flow(
    client: httpx.AsyncClient,
    goals: FakeGoals,
    clock: Clock,
    identity_headers: Callable[..., Headers],
) -> Flow:
    """The same worked example in a second tenant (its own ids, its own HR)."""
    tenant = uuid.uuid4()
    org = load_org(goals, tenant)

    def as_other(key: str, *roles: Role) -> Headers:
        return identity_headers(
            *(roles or (Role.EMPLOYEE,)),
            employee_id=org.id(key),
            tenant=tenant,
            subject=f"user:{key}",
        )

    hr = identity_headers(Role.HR, tenant=tenant, subject="user:other-hr")
    return Flow(client, hr, org, clock, as_other, goals)
