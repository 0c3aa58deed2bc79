"""Bulk loads as jobs: accepted at once (202), run in the background, one result per row."""

import pytest

from strata_contracts.identity import Role
from strata_goals.jobs.handlers import HANDLERS
from strata_goals.jobs.models import Job
from strata_kit.jobs import JobRunner, JobSpec

EMPLOYEES_JOB = "/api/v1/goals/employees/bulk-upsert/jobs"


@pytest.fixture
async def hr(identity_headers):
    return identity_headers(Role.HR)


@pytest.fixture
async def unit(client, hr) -> str:
    response = await client.post(
        "/api/v1/goals/org-units", json={"name": "Acme", "external_id": "U-ACME"}, headers=hr
    )
    assert response.status_code == 201, response.text
    return "U-ACME"


def person(key: str, *, manager: str | None = None, unit: str = "U-ACME") -> dict:
    row = {
        "external_id": key,
        "name": f"Person {key}",
        "email": f"{key.lower()}@acme.example",
        "org_unit_external_id": unit,
    }
    if manager:
        row["manager_external_id"] = manager
    return row


async def run(app) -> None:
    await JobRunner(app.state.sessionmaker, JobSpec(table=Job, handlers=HANDLERS)).run_once()


async def employees(client, hr) -> dict[str, dict]:
    page = await client.get("/api/v1/goals/employees", params={"limit": 500}, headers=hr)
    return {e["external_id"]: e for e in page.json()["items"]}


class TestSubmission:
    async def test_an_employee_cannot_submit(self, client, identity_headers, unit):
        response = await client.post(
            EMPLOYEES_JOB, json={"items": [person("E1")]}, headers=identity_headers(Role.EMPLOYEE)
        )
        assert response.status_code == 403

    async def test_invalid_body_is_422_and_no_job(self, client, hr, unit):
        response = await client.post(
            EMPLOYEES_JOB, json={"items": [{"external_id": "E1"}]}, headers=hr
        )
        assert response.status_code == 422
        jobs = await client.get("/api/v1/goals/jobs", headers=hr)
        assert jobs.json()["items"] == []

    async def test_accepted_with_a_location_to_follow(self, client, hr, unit):
        response = await client.post(EMPLOYEES_JOB, json={"items": [person("E1")]}, headers=hr)
        assert response.status_code == 202
        assert response.json()["status"] == "queued"
        assert response.json()["total"] == 1
        followed = await client.get(response.headers["location"], headers=hr)
        assert followed.json()["id"] == response.json()["id"]


class TestPartialLoads:
    async def test_good_rows_stored_bad_rows_explained_references_ordered(
        self, app, client, hr, unit
    ):
        items = [
            person("E2", manager="E1"),  # its manager comes later in the batch
            person("E3", manager="NOBODY"),  # refers to nobody: fails
            person("E1"),
            person("E4", unit="U-MISSING"),  # no such unit: fails
        ]
        submitted = await client.post(
            EMPLOYEES_JOB, json={"items": items, "all_or_nothing": False}, headers=hr
        )
        await run(app)
        job = (await client.get(submitted.headers["location"], headers=hr)).json()
        assert job["status"] == "succeeded"
        outcomes = {r["index"]: r for r in job["results"]}
        assert outcomes[0]["outcome"] == "created"
        assert outcomes[2]["outcome"] == "created"
        assert outcomes[1]["outcome"] == "failed"
        assert "manager_external_id" in outcomes[1]["errors"][0]
        assert outcomes[3]["outcome"] == "failed"
        assert "org_unit_external_id" in outcomes[3]["errors"][0]
        assert job["succeeded"] == 2
        assert job["failed"] == 2
        stored = await employees(client, hr)
        assert set(stored) == {"E1", "E2"}
        assert stored["E2"]["manager_id"] == stored["E1"]["id"]

    async def test_a_second_run_reports_unchanged_and_updated(self, app, client, hr, unit):
        await client.post(
            EMPLOYEES_JOB,
            json={"items": [person("E1"), person("E2")], "all_or_nothing": False},
            headers=hr,
        )
        await run(app)
        changed = person("E2")
        changed["name"] = "Renamed"
        again = await client.post(
            EMPLOYEES_JOB,
            json={"items": [person("E1"), changed], "all_or_nothing": False},
            headers=hr,
        )
        await run(app)
        job = (await client.get(again.headers["location"], headers=hr)).json()
        assert [r["outcome"] for r in job["results"]] == ["unchanged", "updated"]

    async def test_several_chunks_all_stored_with_progress(self, app, client, hr, unit):
        items = [person(f"E{n:04}", manager="E0000" if n else None) for n in range(1100)]
        submitted = await client.post(
            EMPLOYEES_JOB, json={"items": items, "all_or_nothing": False}, headers=hr
        )
        await run(app)
        job = (await client.get(submitted.headers["location"], headers=hr)).json()
        assert job["status"] == "succeeded"
        assert job["processed"] == job["total"] == 1100
        assert job["summary"] == {"created": 1100}


class TestAllOrNothing:
    async def test_one_bad_row_fails_the_job_and_stores_nothing(self, app, client, hr, unit):
        items = [person("E1"), person("E2", manager="NOBODY")]
        submitted = await client.post(EMPLOYEES_JOB, json={"items": items}, headers=hr)
        await run(app)
        job = (await client.get(submitted.headers["location"], headers=hr)).json()
        assert job["status"] == "failed"
        assert [r["outcome"] for r in job["results"]] == ["skipped", "failed"]
        assert await employees(client, hr) == {}

    async def test_a_good_batch_is_stored_whole(self, app, client, hr, unit):
        submitted = await client.post(
            EMPLOYEES_JOB, json={"items": [person("E1"), person("E2", manager="E1")]}, headers=hr
        )
        await run(app)
        job = (await client.get(submitted.headers["location"], headers=hr)).json()
        assert job["status"] == "succeeded"
        assert set(await employees(client, hr)) == {"E1", "E2"}


class TestOrgUnits:
    async def test_children_before_parents_in_the_input_still_load_in_chunks(self, app, client, hr):
        items = [
            {"external_id": "U-SALES", "name": "Sales", "parent_external_id": "U-ROOT"},
            {"external_id": "U-ROOT", "name": "Root"},
        ]
        submitted = await client.post(
            "/api/v1/goals/org-units/bulk-upsert/jobs",
            json={"items": items, "all_or_nothing": False},
            headers=hr,
        )
        await run(app)
        job = (await client.get(submitted.headers["location"], headers=hr)).json()
        assert [r["outcome"] for r in job["results"]] == ["created", "created"]
