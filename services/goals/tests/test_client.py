"""`GoalsClient`, the typed client other services use, against the real routes."""

import httpx
import pytest

from strata_contracts.client import ApiError
from strata_contracts.goals.client import GoalsClient
from strata_contracts.identity import IDENTITY_HEADER, Role


@pytest.fixture
async def goals(app, identity_headers):
    def make(*roles, **kwargs):
        token = identity_headers(*roles, **kwargs)[IDENTITY_HEADER]
        transport = httpx.ASGITransport(app=app)
        http = httpx.AsyncClient(transport=transport, base_url="http://gateway")
        return GoalsClient(http, identity_token=token), http

    clients = []

    def factory(*roles, **kwargs):
        client, http = make(*roles, **kwargs)
        clients.append(http)
        return client

    yield factory
    for http in clients:
        await http.aclose()


class TestGoalsClient:
    async def test_reads_the_organisation_cycles_and_scores(self, goals, worked_example):
        x = worked_example
        client = goals(Role.HR)
        rep = await client.get_employee(x["rep"])
        assert (rep.name, str(rep.manager_id)) == ("Ana Rep", x["director"])
        reports = await client.list_employees(manager_id=rep.manager_id)
        assert [str(e.id) for e in reports.items] == [x["rep"]]
        unit = await client.get_org_unit(rep.org_unit_id)
        assert unit.name == "Sales"
        cycle = await client.get_cycle(x["cycle"])
        assert cycle.phase == "coaching"
        explanation = await client.get_plan_explanation(rep.id, cycle.id)
        assert str(explanation.plan_score.total) == "0.9442"
        score = await client.get_plan_score(rep.id, cycle.id)
        assert score.agreed is True

    async def test_errors_arrive_as_problem_details(self, goals, worked_example):
        x = worked_example
        as_operator = goals(Role.EMPLOYEE, employee_id=x["operator"])
        with pytest.raises(ApiError) as refused:
            await as_operator.get_plan_explanation(x["rep"], x["cycle"])
        assert refused.value.status == 403
        with pytest.raises(ApiError) as unknown:
            await goals(Role.HR).get_employee(x["cycle"])
        assert unknown.value.status == 404
