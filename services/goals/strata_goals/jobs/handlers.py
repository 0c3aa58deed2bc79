"""Running bulk loads row by row where they must, set-based where they can.

All-or-nothing jobs make one call of the synchronous bulk operation (one transaction).
Otherwise rows go in chunks, each in a savepoint: when a chunk is refused for named rows
(`/body/items/<i>/…`), those rows are reported failed and the rest of the chunk is tried
again, so good rows are stored and bad ones explained. Rows that refer to other rows of the
batch by HRIS key (a manager, a parent unit) are ordered after them, so chunking does not
break those references.
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.jobs import ActualBulkJob, EmployeeBulkUpsertJob, OrgUnitBulkUpsertJob
from strata_contracts.goals.org import EmployeeBulkUpsert, OrgUnitBulkUpsert
from strata_contracts.goals.plans import ActualBulkCreate
from strata_contracts.jobs import JobItemResult
from strata_goals.org.repository import EmployeeRepository, OrgUnitRepository
from strata_goals.org.service import org_service
from strata_goals.plans.actuals import actual_service
from strata_kit.errors import AppError
from strata_kit.jobs import JobContext, JobOutcome

CHUNK = 500
ROUNDS = 3
ORG_UNITS = "goals.org_units.upsert"
EMPLOYEES = "goals.employees.upsert"
ACTUALS = "goals.actuals.record"

Apply = Callable[[AsyncSession, list[Any]], Awaitable[list[JobItemResult]]]
"""Store items (one chunk) and say what happened to each, by position in the chunk."""


def _failed_rows(error: AppError) -> dict[int, list[str]]:
    rows: dict[int, list[str]] = {}
    for problem in error.errors or []:
        parts = problem.pointer.split("/")
        if len(parts) > 3 and parts[1] == "body" and parts[2] == "items" and parts[3].isdigit():
            field = "/".join(parts[4:]) or "item"
            rows.setdefault(int(parts[3]), []).append(f"{field}: {problem.detail}")
    return rows


def _in_dependency_order(items: Sequence[Any], key: str, refers_to: str) -> list[int]:
    """Indexes of `items` so that a row comes after the row its `refers_to` HRIS key names
    (when that row is in the batch). Loops keep their given order: the bulk operation
    reports them."""
    position = {getattr(item, key): i for i, item in enumerate(items)}
    placed: list[int] = []
    seen: set[int] = set()
    for start in range(len(items)):
        chain: list[int] = []
        current: int | None = start
        while current is not None and current not in seen and current not in chain:
            chain.append(current)
            parent = getattr(items[current], refers_to)
            current = position.get(parent) if parent is not None else None
        for index in reversed(chain):
            if index not in seen:
                seen.add(index)
                placed.append(index)
    return placed


async def run_bulk(
    session: AsyncSession, job: JobContext, items: Sequence[Any], order: list[int], apply: Apply
) -> JobOutcome:
    """Chunked, savepointed, row-level outcomes (see the module docstring)."""
    results: dict[int, JobItemResult] = {}
    processed = 0
    for start in range(0, len(order), CHUNK):
        pending = order[start : start + CHUNK]
        for _ in range(ROUNDS):
            if not pending:
                break
            savepoint = await session.begin_nested()
            try:
                outcomes = await apply(session, [items[i] for i in pending])
            except AppError as error:
                await savepoint.rollback()
                bad = _failed_rows(error)
                if not bad:  # the chunk as a whole was refused
                    for i in pending:
                        results[i] = JobItemResult(
                            index=i, outcome="failed", errors=[str(error.detail)]
                        )
                    pending = []
                    break
                for local, messages in bad.items():
                    index = pending[local]
                    results[index] = JobItemResult(index=index, outcome="failed", errors=messages)
                pending = [i for n, i in enumerate(pending) if n not in bad]
                continue
            await savepoint.commit()
            for local, outcome in enumerate(outcomes):
                results[pending[local]] = outcome.model_copy(update={"index": pending[local]})
            pending = []
        for i in pending:  # still refused after the retries: their references failed
            results[i] = JobItemResult(
                index=i, outcome="failed", errors=["refers to rows that could not be stored"]
            )
        processed += len(order[start : start + CHUNK])
        await job.report(processed)
    ordered = [results[i] for i in range(len(items))]
    return JobOutcome(results=ordered, summary=_summary(ordered))


async def run_atomic(
    session: AsyncSession, job: JobContext, items: Sequence[Any], apply: Apply
) -> JobOutcome:
    try:
        outcomes = await apply(session, list(items))
    except AppError as error:
        bad = _failed_rows(error)
        results = [
            JobItemResult(index=i, outcome="failed", errors=bad[i])
            if i in bad
            else JobItemResult(index=i, outcome="skipped")
            for i in range(len(items))
        ]
        if not bad:
            results = [JobItemResult(index=i, outcome="skipped") for i in range(len(items))]
        return JobOutcome(
            results=results, summary=_summary(results), error=str(error.detail or error.title)
        )
    await job.report(len(items))
    results = [o.model_copy(update={"index": i}) for i, o in enumerate(outcomes)]
    return JobOutcome(results=results, summary=_summary(results))


def _summary(results: Sequence[JobItemResult]) -> dict[str, int]:
    summary: dict[str, int] = {}
    for result in results:
        summary[result.outcome] = summary.get(result.outcome, 0) + 1
    return summary


def _upsert_outcomes(
    keys: Sequence[str], before: dict[str, int], after: dict[str, tuple[Any, int]]
) -> list[JobItemResult]:
    outcomes = []
    for key in keys:
        row_id, version = after[key]
        if key not in before:
            outcome = "created"
        elif before[key] != version:
            outcome = "updated"
        else:
            outcome = "unchanged"
        outcomes.append(JobItemResult(index=0, outcome=outcome, id=row_id))
    return outcomes


async def _upsert_org_units(
    session: AsyncSession, job: JobContext, chunk: list[Any]
) -> list[JobItemResult]:
    keys = [item.external_id for item in chunk]
    repo = OrgUnitRepository(session)
    before = {k: row.version for k, row in (await repo.by_external_ids(keys)).items()}
    await org_service.bulk_upsert_org_units(session, job.identity, OrgUnitBulkUpsert(items=chunk))
    after = {k: (row.id, row.version) for k, row in (await repo.by_external_ids(keys)).items()}
    return _upsert_outcomes(keys, before, after)


async def _upsert_employees(
    session: AsyncSession, job: JobContext, chunk: list[Any]
) -> list[JobItemResult]:
    keys = [item.external_id for item in chunk]
    repo = EmployeeRepository(session)
    before = {k: row.version for k, row in (await repo.by_external_ids(keys)).items()}
    await org_service.bulk_upsert_employees(session, job.identity, EmployeeBulkUpsert(items=chunk))
    session.expire_all()  # set-based UPDATEs bypass the identity map
    after = {k: (row.id, row.version) for k, row in (await repo.by_external_ids(keys)).items()}
    return _upsert_outcomes(keys, before, after)


async def org_units_job(session: AsyncSession, job: JobContext) -> JobOutcome:
    data = OrgUnitBulkUpsertJob.model_validate(job.payload)
    items = data.items

    async def apply(s: AsyncSession, chunk: list[Any]) -> list[JobItemResult]:
        return await _upsert_org_units(s, job, chunk)

    if data.all_or_nothing:
        return await run_atomic(session, job, items, apply)
    return await run_bulk(
        session, job, items, _in_dependency_order(items, "external_id", "parent_external_id"), apply
    )


async def employees_job(session: AsyncSession, job: JobContext) -> JobOutcome:
    data = EmployeeBulkUpsertJob.model_validate(job.payload)
    items = data.items

    async def apply(s: AsyncSession, chunk: list[Any]) -> list[JobItemResult]:
        return await _upsert_employees(s, job, chunk)

    if data.all_or_nothing:
        return await run_atomic(session, job, items, apply)
    return await run_bulk(
        session,
        job,
        items,
        _in_dependency_order(items, "external_id", "manager_external_id"),
        apply,
    )


async def actuals_job(session: AsyncSession, job: JobContext) -> JobOutcome:
    data = ActualBulkJob.model_validate(job.payload)
    items = data.items

    async def apply(s: AsyncSession, chunk: list[Any]) -> list[JobItemResult]:
        recorded = await actual_service.record_actuals_bulk(
            s,
            job.identity,
            ActualBulkCreate(cycle_id=data.cycle_id, source=data.source, items=chunk),
        )
        return [
            JobItemResult(index=0, outcome="created", id=actual_id) for actual_id in recorded.ids
        ]

    if data.all_or_nothing:
        return await run_atomic(session, job, items, apply)
    return await run_bulk(session, job, items, list(range(len(items))), apply)


HANDLERS = {ORG_UNITS: org_units_job, EMPLOYEES: employees_job, ACTUALS: actuals_job}
