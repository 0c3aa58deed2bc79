"""The typed client of results applied (`strata_contracts.analytics.client`), in process."""

from decimal import Decimal

import httpx
import pytest

from strata_contracts.analytics.applied import (
    CompensationImport,
    CompensationRow,
    DecisionCreate,
    MeritRunCreate,
)
from strata_contracts.analytics.client import AnalyticsClient
from strata_contracts.client import ApiError
from strata_contracts.identity import IDENTITY_HEADER, Role

from .test_worked_example import COMP


async def test_import_run_read_and_decide_through_the_client(app, world, example, identity_headers):
    people = await example()
    token = identity_headers(Role.HR)[IDENTITY_HEADER]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://analytics"
    ) as http:
        api = AnalyticsClient(http, identity_token=token)
        imported = await api.import_compensation(
            CompensationImport(
                rows=[
                    CompensationRow(
                        employee_id=people[name],
                        base_salary=Decimal(salary),
                        currency="EUR",
                        range_midpoint=Decimal(midpoint),
                    )
                    for name, (salary, midpoint) in COMP.items()
                ]
            )
        )
        assert imported.created == 4
        run = await api.create_merit_run(
            MeritRunCreate(
                cycle_id=world.cycle,
                currency="EUR",
                budget_amount=Decimal("10000"),
                include_incomplete=True,
                include_incomplete_reason="Tom has no 360 in the worked example",
            )
        )
        assert run.summary.spend == Decimal("7140.00")
        lena = next(r for r in run.recommendations if r.employee_name == "Lena")
        read, etag = await api.get_recommendation(lena.id)
        assert (read.proposed_value, etag) == (Decimal("1920.0000"), '"1"')
        with pytest.raises(ApiError) as stale:
            await api.decide_recommendation(lena.id, DecisionCreate(status="accepted"), etag='"7"')
        assert stale.value.status == 412
        decided = await api.decide_recommendation(
            lena.id, DecisionCreate(status="accepted"), etag=etag
        )
        assert (decided.status, decided.final_value) == ("accepted", Decimal("1920.0000"))
        page = await api.list_recommendations(status="accepted")
        assert [r.id for r in page.items] == [lena.id]
        pay = await api.get_compensation(people["Lena"])
        assert pay.compa_ratio == Decimal("0.8727")
