"""The demo data set: held interviews, improvement plans and one appeal, loaded once."""

import uuid

from sqlmodel import select

from strata_contracts.goals.demo import demo_id
from strata_contracts.identity import Role
from strata_feedback.appeals.models import Appeal
from strata_feedback.demo import demo_cycle_id, demo_employee_id, load_demo
from strata_feedback.improvement.models import ImprovementAction
from strata_feedback.interviews.models import Interview
from strata_feedback.models import OutboxEvent
from strata_kit.db import bind_tenant


async def load(app, tenant_id) -> bool:
    async with app.state.sessionmaker() as session:
        bind_tenant(session, tenant_id)
        loaded = await load_demo(session, tenant_id)
        await session.commit()
        return loaded


class TestDemo:
    async def test_loads_once_per_tenant(self, app, tenant_id, db_session):
        assert await load(app, tenant_id) is True
        assert await load(app, tenant_id) is False
        interviews = (await db_session.exec(select(Interview))).all()
        assert sorted(i.status for i in interviews) == [
            "acknowledged",
            "acknowledged",
            "acknowledged",
            "disputed",
            "scheduled",
            "scheduled",
        ]
        appeal = (await db_session.exec(select(Appeal))).one()
        assert appeal.status == "under_review"
        assert appeal.employee_id == demo_employee_id(tenant_id, "E012")
        actions = (await db_session.exec(select(ImprovementAction))).all()
        assert sorted(a.status for a in actions) == ["done", "in_progress", "open", "open"]
        events = {e.type for e in (await db_session.exec(select(OutboxEvent))).all()}
        assert {"feedback.interview.held", "feedback.interview.acknowledged"} <= events
        assert {"feedback.interview.disputed", "feedback.appeal.opened"} <= events

    async def test_ids_follow_the_shared_demo_convention(self, app, tenant_id, db_session):
        await load(app, tenant_id)
        lena = demo_id(tenant_id, "employee", "E010")
        sales_head = demo_id(tenant_id, "employee", "E002")
        interviews = (
            await db_session.exec(select(Interview).where(Interview.employee_id == lena))
        ).all()
        assert {i.manager_id for i in interviews} == {sales_head}
        # Last month's interviews belong to its cycle; this month's cycle is in coaching,
        # so the conversations booked for the coming days are ad hoc.
        assert all(
            i.cycle_id == demo_cycle_id(tenant_id, i.scheduled_at.strftime("%Y-%m"))
            if i.kind == "cycle"
            else i.cycle_id is None
            for i in interviews
        )
        assert {i.kind for i in interviews} == {"cycle", "ad_hoc"}

    async def test_the_demo_works_through_the_api(self, app, client, as_, tenant_id):
        await load(app, tenant_id)
        clara = demo_employee_id(tenant_id, "E012")
        hr = as_(None, Role.HR)
        queue = await client.get("/api/v1/feedback/appeals", headers=hr)
        [appeal] = queue.json()["items"]
        assert appeal["employee_id"] == str(clara)
        mine = await client.get("/api/v1/feedback/interviews", headers=as_(clara))
        assert [i["status"] for i in mine.json()["items"]] == ["disputed"]
        sweep = await client.post("/api/v1/feedback/improvement-actions/overdue-sweep", headers=hr)
        assert sweep.json()["notified"] == 1

    async def test_tenants_are_independent(self, app, tenant_id):
        assert await load(app, tenant_id) is True
        assert await load(app, uuid.uuid4()) is True
