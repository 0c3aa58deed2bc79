"""Rebuilding a tenant's read model as a job: accepted at once, run, followed to the end."""

import uuid

import httpx
from sqlmodel import select

from strata_analytics.ingest.models import IngestedEvent
from strata_analytics.ingest.rebuild import KIND, Rebuild
from strata_analytics.models import Job
from strata_contracts.identity import Role
from strata_kit.db import allow_cross_tenant
from strata_kit.jobs import JobRunner, JobSpec
from strata_kit.testing import TEST_SECRET

from .hub import Hub, drain


def runner(app, hub: Hub) -> JobRunner:
    rebuild = Rebuild(
        lambda: httpx.AsyncClient(transport=httpx.MockTransport(hub), base_url="http://gateway"),
        TEST_SECRET,
    )
    return JobRunner(app.state.sessionmaker, JobSpec(table=Job, handlers={KIND: rebuild}))


async def rows(app) -> list[IngestedEvent]:
    async with app.state.sessionmaker() as session:
        allow_cross_tenant(session)
        return list((await session.exec(select(IngestedEvent))).all())


class TestRebuild:
    async def test_needs_hr_or_admin(self, client, identity_headers):
        assert (await client.post("/api/v1/analytics/ingestion/rebuild")).status_code == 401
        for role in (Role.EMPLOYEE, Role.MANAGER, Role.INTEGRATION):
            response = await client.post(
                "/api/v1/analytics/ingestion/rebuild", headers=identity_headers(role)
            )
            assert response.status_code == 403

    async def test_replays_the_tenants_events_and_reports_progress(
        self, app, client, consumer, hub, tenant_id, identity_headers
    ):
        other = uuid.uuid4()
        mine = [hub.publish(tenant_id) for _ in range(3)]
        theirs = hub.publish(other)
        await drain(consumer)
        # Lose some of this tenant's read model (as a bad deploy might).
        async with app.state.sessionmaker() as session:
            allow_cross_tenant(session)
            lost = await session.get(IngestedEvent, (tenant_id, mine[0].id))
            await session.delete(lost)
            await session.commit()
        headers = identity_headers(Role.HR)
        accepted = await client.post("/api/v1/analytics/ingestion/rebuild", headers=headers)
        assert accepted.status_code == 202
        job_url = accepted.headers["location"]
        assert accepted.json()["status"] == "queued"
        assert await runner(app, hub).run_once() is True
        job = (await client.get(job_url, headers=headers)).json()
        assert job["status"] == "succeeded"
        assert job["processed"] == job["total"] == 3
        assert job["summary"]["events_applied"] == 3
        stored = await rows(app)
        assert {(r.tenant_id, r.id) for r in stored} == {
            *((tenant_id, e.id) for e in mine),
            (other, theirs.id),
        }

    async def test_a_failing_source_queues_a_retry_and_keeps_the_read_model(
        self, app, client, consumer, hub, tenant_id, identity_headers
    ):
        hub.publish(tenant_id)
        await drain(consumer)
        hub.down = True
        accepted = await client.post(
            "/api/v1/analytics/ingestion/rebuild", headers=identity_headers(Role.HR)
        )
        await runner(app, hub).run_once()
        job = (
            await client.get(accepted.headers["location"], headers=identity_headers(Role.HR))
        ).json()
        assert job["status"] == "queued"  # tried again after a pause, then dead
        assert job["attempts"] == 1
        assert job["next_attempt_at"] is not None
        assert "ConnectError" in job["error"]
        assert len(await rows(app)) == 1  # the delete was rolled back with the failure

    async def test_jobs_are_visible_to_their_requester_and_hr_only(self, client, identity_headers):
        mine = await client.post(
            "/api/v1/analytics/ingestion/rebuild",
            headers=identity_headers(Role.ADMIN, subject="key:a"),
        )
        url = mine.headers["location"]
        assert (
            await client.get(url, headers=identity_headers(Role.ADMIN, subject="key:a"))
        ).status_code == 200
        assert (
            await client.get(url, headers=identity_headers(Role.HR, subject="key:b"))
        ).status_code == 200
        assert (
            await client.get(url, headers=identity_headers(Role.INTEGRATION, subject="key:c"))
        ).status_code == 404
        assert (
            await client.get(
                url, headers=identity_headers(Role.HR, subject="key:b", tenant=uuid.uuid4())
            )
        ).status_code == 404


class TestRebuildProjections:
    async def test_the_read_model_and_results_come_back_from_the_events(
        self, app, client, example, hub, reviews, identity_headers
    ):
        from strata_analytics.projections.models import PlanView
        from strata_analytics.ratings.pull import KIND as PULL
        from strata_analytics.ratings.pull import PullRatings
        from strata_analytics.results.models import OverallResult
        from strata_contracts.identity import Role

        await example()
        hr = identity_headers(Role.HR)
        before = (await client.get("/api/v1/analytics/results", headers=hr)).json()["items"]
        async with app.state.sessionmaker() as session:
            allow_cross_tenant(session)
            for model in (PlanView, OverallResult):
                for row in (await session.exec(select(model))).all():
                    await session.delete(row)
            await session.commit()
        assert (await client.get("/api/v1/analytics/results", headers=hr)).json()["items"] == []
        accepted = await client.post("/api/v1/analytics/ingestion/rebuild", headers=hr)
        assert accepted.status_code == 202
        pull = PullRatings(
            lambda: httpx.AsyncClient(
                transport=httpx.MockTransport(reviews), base_url="http://reviews"
            ),
            TEST_SECRET,
        )
        rebuild = Rebuild(
            lambda: httpx.AsyncClient(
                transport=httpx.MockTransport(hub), base_url="http://gateway"
            ),
            TEST_SECRET,
        )
        jobs = JobRunner(
            app.state.sessionmaker, JobSpec(table=Job, handlers={KIND: rebuild, PULL: pull})
        )
        while await jobs.run_once():
            pass
        after = (await client.get("/api/v1/analytics/results", headers=hr)).json()["items"]

        def key(items: list[dict]) -> dict:
            return {
                r["employee_id"]: (r["plan_score"], r["competency_score"], r["overall"], r["band"])
                for r in items
            }

        assert key(after) == key(before)
        assert len(after) == 4
