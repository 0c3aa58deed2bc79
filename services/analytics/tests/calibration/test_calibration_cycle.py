"""A calibration session is for a cycle analytics knows in the caller's tenant (issue 16)."""

import uuid

from sqlmodel import func, select

from strata_analytics.calibration.models import CalibrationSession
from strata_contracts.identity import Role

C = "/api/v1/analytics/calibration-sessions"
GUIDELINE = [
    {"band": "1", "share": "10"},
    {"band": "2", "share": "20"},
    {"band": "3", "share": "40"},
    {"band": "4", "share": "20"},
    {"band": "5", "share": "10"},
]


async def sessions(app) -> int:
    async with app.state.sessionmaker() as session:
        from strata_kit.db import allow_cross_tenant

        allow_cross_tenant(session)
        return (await session.exec(select(func.count()).select_from(CalibrationSession))).one()


class TestCalibrationCycle:
    async def test_an_unknown_cycle_is_422_naming_cycle_id(
        self, app, client, world, example, identity_headers
    ):
        await example()
        before = await sessions(app)
        body = {"name": "x", "cycle_id": str(uuid.uuid4()), "guideline": GUIDELINE}
        response = await client.post(C, json=body, headers=identity_headers(Role.HR))
        assert response.status_code == 422, response.text
        assert [e["pointer"] for e in response.json()["errors"]] == ["/body/cycle_id"]
        assert await sessions(app) == before

    async def test_another_tenants_cycle_is_422(
        self, app, client, world, example, identity_headers
    ):
        await example()  # the cycle is the caller's tenant's
        before = await sessions(app)
        body = {"name": "x", "cycle_id": str(world.cycle), "guideline": GUIDELINE}
        theirs = identity_headers(Role.HR, tenant=uuid.uuid4())
        response = await client.post(C, json=body, headers=theirs)
        assert response.status_code == 422, response.text
        assert await sessions(app) == before
        mine = await client.post(C, json=body, headers=identity_headers(Role.HR))
        assert mine.status_code == 201, mine.text
