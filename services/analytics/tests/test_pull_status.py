"""A pull of a closed campaign's answers that cannot reach the reviews service shows in
the ingestion status (retrying, then dead), instead of only as a failed job elsewhere
while the 360 report answers 404 and fairness reports come back empty."""

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from strata_analytics.models import Job
from strata_analytics.ratings.pull import KIND as PULL
from strata_analytics.ratings.pull import PullRatings
from strata_contracts.identity import IdentityClaims, Role
from strata_kit.db import allow_cross_tenant, bind_tenant, utcnow
from strata_kit.jobs import JobRunner, JobSpec, submit_job
from strata_kit.testing import TEST_SECRET

STATUS = "/api/v1/analytics/ingestion/status"


def unreachable(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectTimeout("timed out", request=request)


@pytest.fixture
async def campaign(app, tenant_id) -> uuid.UUID:
    campaign_id = uuid.uuid4()
    async with app.state.sessionmaker() as session:
        bind_tenant(session, tenant_id)
        await submit_job(
            session,
            Job,
            kind=PULL,
            payload={"campaign_id": str(campaign_id)},
            total=0,
            identity=IdentityClaims(subject="analytics", tenant_id=tenant_id),
        )
        await session.commit()
    return campaign_id


def runner(app, max_attempts: int) -> JobRunner:
    pull = PullRatings(
        lambda: httpx.AsyncClient(
            transport=httpx.MockTransport(unreachable), base_url="http://127.0.0.1:8002"
        ),
        TEST_SECRET,
    )
    return JobRunner(
        app.state.sessionmaker,
        JobSpec(table=Job, handlers={PULL: pull}),
        max_attempts=max_attempts,
    )


async def test_a_failing_pull_shows_as_retrying_then_dead(app, client, identity_headers, campaign):
    hr = identity_headers(Role.HR)
    assert (await client.get(STATUS, headers=hr)).json()["failing_pulls"] == []

    assert await runner(app, max_attempts=2).run_once()
    status = (await client.get(STATUS, headers=hr)).json()
    assert status["pulls"] == {"queued": 1}
    [failing] = status["failing_pulls"]
    assert failing["campaign_id"] == str(campaign)
    assert failing["status"] == "queued"
    assert failing["attempts"] == 1
    assert "ConnectTimeout" in failing["error"]
    assert failing["next_attempt_at"] is not None

    assert await runner(app, max_attempts=2).run_once() is False  # not due yet
    async with app.state.sessionmaker() as session:  # its pause is over
        allow_cross_tenant(session)
        job = (await session.exec(select(Job))).one()
        job.next_attempt_at = utcnow() - timedelta(seconds=1)
        session.add(job)
        await session.commit()
    assert await runner(app, max_attempts=2).run_once()
    status = (await client.get(STATUS, headers=hr)).json()
    assert status["pulls"] == {"dead": 1}
    [dead] = status["failing_pulls"]
    assert (dead["status"], dead["attempts"], dead["next_attempt_at"]) == ("dead", 2, None)


async def test_another_tenant_does_not_see_the_failing_pull(client, identity_headers, campaign):
    other = identity_headers(Role.HR, tenant=uuid.uuid4())
    status = (await client.get(STATUS, headers=other)).json()
    assert status["pulls"] == {}
    assert status["failing_pulls"] == []
