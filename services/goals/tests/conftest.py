from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

import strata_goals
from strata_contracts.identity import Role
from strata_goals.main import create_app
from strata_goals.settings import GoalsSettings


@pytest.fixture(scope="session")
def service_migrations() -> Path:
    return Path(strata_goals.__file__).parent / "migrations"


@pytest.fixture(scope="session")
def settings_factory() -> type[GoalsSettings]:
    return GoalsSettings


@pytest.fixture(scope="session")
def app_factory():  # type: ignore[no-untyped-def]
    return create_app


P = "/api/v1/goals"


class GoalsApi:
    """Small factories over the HTTP API, with keyword defaults (HR identity by default)."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    async def call(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        expect: int | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        response = await self.client.request(
            method, P + path, json=json, params=params, headers=headers or self.headers
        )
        wanted = expect or {"POST": 201}.get(method, 200)
        assert response.status_code == wanted, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    async def org_unit(self, *, parent_id: str | None = None, **fields: Any) -> dict[str, Any]:
        n = self._next()
        body = {"name": f"Unit {n}", "parent_id": parent_id, **fields}
        return await self.call("POST", "/org-units", body)  # type: ignore[no-any-return]

    async def position(self, org_unit_id: str, **fields: Any) -> dict[str, Any]:
        n = self._next()
        body = {"title": f"Post {n}", "org_unit_id": org_unit_id, **fields}
        return await self.call("POST", "/positions", body)  # type: ignore[no-any-return]

    async def employee(
        self,
        org_unit_id: str,
        *,
        manager_id: str | None = None,
        position_id: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        n = self._next()
        body = {
            "name": f"Person {n}",
            "email": f"person{n}@example.com",
            "org_unit_id": org_unit_id,
            "manager_id": manager_id,
            "position_id": position_id,
            **fields,
        }
        return await self.call("POST", "/employees", body)  # type: ignore[no-any-return]


@pytest.fixture
def count_statements(app: Any) -> Callable[[], Callable[[], int]]:
    """`count_statements()` starts counting the SQL statements the app sends; calling what
    it returns says how many ran since (set-based work stays at a handful)."""

    def start() -> Callable[[], int]:
        seen: list[int] = []
        event.listen(
            app.state.engine.sync_engine, "before_cursor_execute", lambda *_: seen.append(1)
        )
        return lambda: len(seen)

    return start


@pytest.fixture
def api(client: httpx.AsyncClient, identity_headers: Callable[..., dict[str, str]]) -> GoalsApi:
    return GoalsApi(client, identity_headers(Role.HR, subject="hr-user"))


async def build_worked_example(
    api: GoalsApi, identity_headers: Callable[..., dict[str, str]]
) -> dict[str, Any]:
    """A 60-person manufacturer: org, objectives, cascade, post weights, a monthly cycle with
    the sales representative's plan signed by both sides and actuals recorded."""
    ids = {}
    company = await api.org_unit(name="Precision Parts Ltd", code="PPL")
    sales = await api.org_unit(name="Sales", parent_id=company["id"])
    production = await api.org_unit(name="Production", parent_id=company["id"])
    director_post = await api.position(sales["id"], title="Sales director")
    rep_post = await api.position(sales["id"], title="Sales representative")
    production_manager_post = await api.position(production["id"], title="Production manager")
    operator_post = await api.position(production["id"], title="Line operator")
    ceo = await api.employee(company["id"], name="Chief Executive")
    director = await api.employee(
        sales["id"], name="Sales Director", manager_id=ceo["id"], position_id=director_post["id"]
    )
    rep = await api.employee(
        sales["id"], name="Ana Rep", manager_id=director["id"], position_id=rep_post["id"]
    )
    plant = await api.employee(
        production["id"],
        name="Plant Manager",
        manager_id=ceo["id"],
        position_id=production_manager_post["id"],
    )
    operator = await api.employee(
        production["id"],
        name="Otto Operator",
        manager_id=plant["id"],
        position_id=operator_post["id"],
    )

    async def objective(code, title, perspective):
        body = {"code": code, "title": title, "perspective": perspective}
        return (await api.call("POST", "/objectives", body))["id"]

    o_revenue = await objective("O1", "Grow revenue 15 %", "financial")
    o_delivery = await objective("O2", "On-time delivery 97 %", "customer")
    o_scrap = await objective("O3", "Scrap rate below 2 %", "internal_process")
    o_coaching = await objective("O4", "Every team lead trained in coaching", "learning_growth")

    async def indicator(**body):
        return (await api.call("POST", "/indicators", body))["id"]

    def serves(parent, weight=100, objective=False):
        key = "objective_id" if objective else "indicator_id"
        return [{key: parent, "contribution_weight": str(weight)}]

    new_revenue = await indicator(
        code="S-NCR",
        name="New-customer revenue",
        level="department",
        org_unit_id=sales["id"],
        perspective="financial",
        direction="higher_is_better",
        unit="EUR",
        threshold="900000",
        target="1200000",
        links=serves(o_revenue, objective=True),
    )
    satisfaction = await indicator(
        code="S-CSAT",
        name="Customer satisfaction score",
        level="department",
        org_unit_id=sales["id"],
        perspective="customer",
        direction="higher_is_better",
        unit="score of 5",
        threshold="4",
        target="4.5",
        links=serves(o_delivery, 50, objective=True),
    )
    on_time = await indicator(
        code="P-OTD",
        name="On-time delivery",
        level="department",
        org_unit_id=production["id"],
        perspective="customer",
        direction="higher_is_better",
        unit="%",
        threshold="93",
        target="97",
        links=serves(o_delivery, 50, objective=True),
    )
    scrap = await indicator(
        code="P-SCRAP",
        name="Scrap rate",
        level="department",
        org_unit_id=production["id"],
        perspective="internal_process",
        direction="lower_is_better",
        unit="%",
        threshold="3",
        target="2",
        links=serves(o_scrap, objective=True),
    )
    ids["contracts"] = await indicator(
        code="R-CONTRACTS",
        name="Monthly signed contracts",
        level="post",
        position_id=rep_post["id"],
        perspective="financial",
        direction="higher_is_better",
        unit="contracts",
        threshold="6",
        target="10",
        stretch="14",
        links=serves(new_revenue, 60),
    )
    ids["pipeline"] = await indicator(
        code="R-PIPELINE",
        name="Pipeline value",
        level="post",
        position_id=rep_post["id"],
        perspective="financial",
        direction="higher_is_better",
        unit="EUR",
        method="ratio",
        target="500000",
        links=serves(new_revenue, 40),
    )
    ids["crm"] = await indicator(
        code="R-CRM",
        name="CRM data quality",
        level="post",
        position_id=rep_post["id"],
        perspective="internal_process",
        kind="qualitative",
        rubric=[
            {"level": 1, "score": "0.25", "description": "Most records incomplete or stale"},
            {"level": 2, "score": "0.5", "description": "Key fields often missing"},
            {"level": 3, "score": "0.75", "description": "Complete, updated weekly"},
            {"level": 4, "score": "1", "description": "Complete, updated after every contact"},
            {"level": 5, "score": "1.2", "description": "Exemplary; others learn from it"},
        ],
        links=serves(satisfaction, 30),
    )
    ids["complaints"] = await indicator(
        code="R-COMPLAINTS",
        name="Customer complaints",
        level="post",
        position_id=rep_post["id"],
        perspective="customer",
        direction="lower_is_better",
        unit="complaints",
        threshold="5",
        target="2",
        stretch="0",
        links=serves(satisfaction, 70),
    )
    units = await indicator(
        code="L-UNITS",
        name="Units per shift",
        level="post",
        position_id=operator_post["id"],
        perspective="internal_process",
        direction="higher_is_better",
        threshold="400",
        target="480",
        links=serves(on_time),
    )
    defects = await indicator(
        code="L-DEFECTS",
        name="Defects per 1000 units",
        level="post",
        position_id=operator_post["id"],
        perspective="internal_process",
        direction="lower_is_better",
        threshold="15",
        target="8",
        links=serves(scrap),
    )
    # Safety matters but serves none of this year's objectives: coverage shows it.
    safety = await indicator(
        code="L-SAFETY",
        name="Safety incidents",
        level="post",
        position_id=operator_post["id"],
        perspective="internal_process",
        direction="target_band",
        band_low="0",
        band_high="0",
    )

    weights = {"contracts": "40", "pipeline": "25", "crm": "15", "complaints": "20"}
    await api.call(
        "PUT",
        f"/positions/{rep_post['id']}/weights",
        {"items": [{"indicator_id": ids[k], "weight": w} for k, w in weights.items()]},
    )
    await api.call(
        "PUT",
        f"/positions/{operator_post['id']}/weights",
        {
            "items": [
                {"indicator_id": units, "weight": "40"},
                {"indicator_id": defects, "weight": "40"},
                {"indicator_id": safety, "weight": "20"},
            ]
        },
    )

    cycle = await api.call(
        "POST",
        "/cycles",
        {"name": "March 2026", "cadence": "monthly", "starts_on": "2026-03-01"},
    )
    plan = await api.call("POST", "/plans", {"employee_id": rep["id"], "cycle_id": cycle["id"]})
    as_rep = identity_headers(Role.EMPLOYEE, employee_id=rep["id"], subject="user:ana")
    as_director = identity_headers(Role.MANAGER, employee_id=director["id"], subject="user:dir")
    await api.call("POST", f"/plans/{plan['id']}/signatures", {"version": 1}, headers=as_rep)
    await api.call("POST", f"/plans/{plan['id']}/signatures", {"version": 1}, headers=as_director)
    await api.call(
        "POST", f"/cycles/{cycle['id']}/transitions", {"to_phase": "coaching"}, expect=200
    )
    keys = {item["indicator_id"]: item["key"] for item in plan["current"]["items"]}
    await api.call(
        "POST",
        f"/plans/{plan['id']}/check-ins",
        {
            "held_on": "2026-03-15",
            "progress": [{"key": keys[ids["contracts"]], "value": "7", "on_track": True}],
            "obstacles": "Two prospects delayed their budget decision.",
            "guidance": "Ask both for a pilot order this month.",
        },
        headers=as_director,
    )
    actuals = {
        "contracts": {"value": "12"},
        "pipeline": {"value": "450000"},
        "crm": {"level": 3},
        "complaints": {"value": "3"},
    }
    for name, actual in actuals.items():
        await api.call(
            "POST",
            f"/plans/{plan['id']}/actuals",
            {"key": keys[ids[name]], "source": "CRM export", **actual},
            headers=as_director,
        )
    return {
        **ids,
        "o_revenue": o_revenue,
        "o_delivery": o_delivery,
        "o_scrap": o_scrap,
        "o_coaching": o_coaching,
        "new_revenue": new_revenue,
        "satisfaction": satisfaction,
        "on_time": on_time,
        "scrap": scrap,
        "safety": safety,
        "director_post": director_post["id"],
        "production_manager_post": production_manager_post["id"],
        "rep_post": rep_post["id"],
        "operator_post": operator_post["id"],
        "rep": rep["id"],
        "ceo": ceo["id"],
        "director": director["id"],
        "plant": plant["id"],
        "operator": operator["id"],
        "company": company["id"],
        "sales": sales["id"],
        "production": production["id"],
        "units": units,
        "defects": defects,
        "cycle": cycle["id"],
        "plan": plan["id"],
        "keys": keys,
        "as_rep": as_rep,
        "as_director": as_director,
    }


@pytest.fixture
async def worked_example(api: GoalsApi, identity_headers: Callable[..., dict[str, str]]) -> Any:
    """The domain brief's worked example, built through the API (see the builder)."""
    return await build_worked_example(api, identity_headers)
