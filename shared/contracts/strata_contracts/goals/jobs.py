"""Bulk loads as jobs: the same items as the synchronous bulk endpoints, run in the
background with progress and one result per row (`strata_contracts.jobs.JobRead`)."""

from pydantic import Field

from strata_contracts.goals.org import EmployeeBulkUpsert, OrgUnitBulkUpsert
from strata_contracts.goals.plans import ActualBulkCreate

_ATOMIC = Field(
    default=True,
    description=(
        "true: everything or nothing (one bad row fails the job, nothing is stored); "
        "false: good rows are stored, bad rows are reported in `results`."
    ),
)


class OrgUnitBulkUpsertJob(OrgUnitBulkUpsert):
    all_or_nothing: bool = _ATOMIC


class EmployeeBulkUpsertJob(EmployeeBulkUpsert):
    all_or_nothing: bool = _ATOMIC


class ActualBulkJob(ActualBulkCreate):
    all_or_nothing: bool = _ATOMIC
