"""A job whose handler raises is retried with exponential backoff, then `dead`; its
attempts, last error and next attempt show in the jobs endpoints. (The kit's runner, on
the goals jobs table; time is the runner's clock, moved by the test.)"""

from datetime import timedelta

import pytest

from strata_contracts.identity import IdentityClaims, Role
from strata_contracts.jobs import JobItemResult
from strata_goals.jobs.models import Job
from strata_kit.db import bind_tenant, utcnow
from strata_kit.jobs import JobOutcome, JobRunner, JobSpec, submit_job


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def outcomes() -> list:
    """What each attempt does, in order: an exception to raise, or an outcome."""
    return []


@pytest.fixture
def runner(app, clock, outcomes) -> JobRunner:
    async def flaky(session, job):
        step = outcomes.pop(0)
        if isinstance(step, Exception):
            raise step
        return step

    return JobRunner(
        app.state.sessionmaker,
        JobSpec(table=Job, handlers={"flaky": flaky}),
        max_attempts=3,
        retry_base_seconds=10,
        retry_max_seconds=15,
        clock=clock,
    )


@pytest.fixture
async def job_url(app, tenant_id) -> str:
    async with app.state.sessionmaker() as session:
        bind_tenant(session, tenant_id)
        identity = IdentityClaims(subject="test", tenant_id=tenant_id, roles=frozenset({Role.HR}))
        job = await submit_job(session, Job, kind="flaky", payload={}, total=1, identity=identity)
        await session.commit()
        return f"/api/v1/goals/jobs/{job.id}"


async def read(client, identity_headers, url) -> dict:
    response = await client.get(url, headers=identity_headers(Role.HR))
    assert response.status_code == 200, response.text
    return response.json()


OK = JobOutcome(results=[JobItemResult(index=0, outcome="updated")])


async def test_a_failed_attempt_is_retried_after_a_growing_pause_then_succeeds(
    runner, clock, outcomes, client, identity_headers, job_url
):
    outcomes.extend([ConnectionError("reviews away"), ConnectionError("still away"), OK])
    assert await runner.run_once() is True
    job = await read(client, identity_headers, job_url)
    assert job["status"] == "queued"
    assert job["attempts"] == 1
    assert job["error"] == "ConnectionError: reviews away"
    assert job["next_attempt_at"] is not None
    assert await runner.run_once() is False  # not due yet

    clock.now += timedelta(seconds=10)
    assert await runner.run_once() is True
    job = await read(client, identity_headers, job_url)
    assert (job["status"], job["attempts"]) == ("queued", 2)
    assert job["error"] == "ConnectionError: still away"
    clock.now += timedelta(seconds=14)  # the second pause is 15 s (20 s capped at 15)
    assert await runner.run_once() is False
    clock.now += timedelta(seconds=1)
    assert await runner.run_once() is True

    job = await read(client, identity_headers, job_url)
    assert job["status"] == "succeeded"
    assert job["attempts"] == 3
    assert job["error"] is None
    assert job["next_attempt_at"] is None


async def test_after_its_last_attempt_a_job_is_dead_and_listed_as_such(
    runner, clock, outcomes, client, identity_headers, job_url
):
    outcomes.extend([RuntimeError("one"), RuntimeError("two"), RuntimeError("three")])
    for _ in range(3):
        assert await runner.run_once() is True
        clock.now += timedelta(minutes=1)
    job = await read(client, identity_headers, job_url)
    assert job["status"] == "dead"
    assert job["attempts"] == 3
    assert job["error"] == "RuntimeError: three"
    assert job["next_attempt_at"] is None
    assert job["finished_at"] is not None
    assert await runner.run_once() is False  # never tried again

    dead = await client.get(
        "/api/v1/goals/jobs", params={"status": "dead"}, headers=identity_headers(Role.HR)
    )
    assert [j["id"] for j in dead.json()["items"]] == [job["id"]]
    queued = await client.get(
        "/api/v1/goals/jobs", params={"status": "queued"}, headers=identity_headers(Role.HR)
    )
    assert queued.json()["items"] == []


async def test_a_refused_input_fails_at_once_without_retries(
    runner, outcomes, client, identity_headers, job_url
):
    outcomes.append(JobOutcome(results=[], error="row 2: no such manager"))
    assert await runner.run_once() is True
    job = await read(client, identity_headers, job_url)
    assert (job["status"], job["attempts"], job["error"]) == ("failed", 1, "row 2: no such manager")
    assert await runner.run_once() is False
