"""Rules every recommendation run shares: a person's final result in a cycle, the
population's completeness, and the wire shapes of compensation and recommendations.

Pure: no query, no session. `population.py` reads the rows these rules work on."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from strata_analytics.applied.calc import compa_ratio
from strata_analytics.applied.models import Compensation, Recommendation
from strata_analytics.projections.models import EmployeeView, OrgUnitView
from strata_analytics.results.models import OverallResult
from strata_analytics.results.service import missing_parts
from strata_contracts.analytics.applied import (
    CompensationRead,
    CompleteResultsOnly,
    ExcludedEmployee,
    IncludedIncomplete,
    RecommendationRead,
)
from strata_kit.db import TenantModel
from strata_kit.errors import InvalidInput, field

Guard = Callable[[TenantModel], None]
SIX = Decimal("0.000001")


@dataclass(frozen=True)
class Final:
    """A person's final result in a cycle, and where it came from."""

    band: str | None
    overall: Decimal | None
    source: str  # "calibrated" (finalised session) or "computed"
    calibration_session_id: uuid.UUID | None


def final_result(row: OverallResult) -> Final:
    """The calibrated values count only once a finalised session locked the result; an open
    session's adjustments are still provisional."""
    if row.locked and row.calibrated_band is not None:
        overall = row.calibrated_overall if row.calibrated_overall is not None else row.overall
        return Final(row.calibrated_band, overall, "calibrated", row.calibration_session_id)
    return Final(row.band, row.overall, "computed", None)


@dataclass
class Member:
    """One person of a run's population with their final result in the cycle."""

    employee_id: uuid.UUID
    name: str | None
    result: OverallResult
    final: Final

    def band_inputs(self) -> dict[str, Any]:
        """The final result a recommendation was built on, as stored in its inputs."""
        return {
            "band": self.final.band,
            "band_source": self.final.source,
            "calibration_session_id": text(self.final.calibration_session_id),
            "overall": text(self.final.overall),
        }


def text(value: object | None) -> str | None:
    return None if value is None else str(value)


def under(units: dict[uuid.UUID, OrgUnitView], unit: uuid.UUID | None, root: uuid.UUID) -> bool:
    """Whether `unit` lies in the subtree of `root` (a cycle in the tree ends the walk)."""
    seen: set[uuid.UUID] = set()
    while unit is not None and unit not in seen:
        if unit == root:
            return True
        seen.add(unit)
        unit = units[unit].parent_id if unit in units else None
    return False


def compensation_read(row: Compensation, employee: EmployeeView | None) -> CompensationRead:
    return CompensationRead(
        employee_id=row.employee_id,
        employee_name=employee.name if employee else None,
        base_salary=row.base_salary,
        currency=row.currency,
        range_midpoint=row.range_midpoint,
        compa_ratio=compa_ratio(row.base_salary, row.range_midpoint),
        updated_at=row.updated_at,
    )


def recommendation_read(row: Recommendation, employee: EmployeeView | None) -> RecommendationRead:
    return RecommendationRead(
        id=row.id,
        run_id=row.run_id,
        kind=row.kind,
        employee_id=row.employee_id,
        employee_name=employee.name if employee else None,
        cycle_id=row.cycle_id,
        status=row.status,
        unit=row.unit,
        proposed_value=row.proposed_value,
        final_value=row.final_value,
        inputs=row.inputs,
        reason=row.reason,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        stale=row.stale,
        stale_reason=row.stale_reason,
        superseded_by=row.superseded_by,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def check_completeness(data: CompleteResultsOnly) -> None:
    if data.include_incomplete and data.include_incomplete_reason is None:
        raise InvalidInput(
            "Including incomplete results is an explicit choice: say why.",
            errors=[
                field(
                    "include_incomplete_reason",
                    "required when include_incomplete is true",
                )
            ],
        )
    if not data.include_incomplete and data.include_incomplete_reason is not None:
        raise InvalidInput(
            "A reason to include incomplete results without including them.",
            errors=[field("include_incomplete_reason", "only with include_incomplete: true")],
        )


def completeness(
    members: list[Member], excluded: list[ExcludedEmployee], include: bool
) -> tuple[list[Member], list[IncludedIncomplete]]:
    """Complete results only, unless incomplete ones are included on purpose; either way
    every incomplete result is listed with the parts it lacks."""
    kept: list[Member] = []
    included: list[IncludedIncomplete] = []
    for member in members:
        missing = missing_parts(member.result)
        if not missing:
            kept.append(member)
        elif include:
            kept.append(member)
            included.append(
                IncludedIncomplete.model_validate(
                    {"employee_id": member.employee_id, "missing": missing}
                )
            )
        else:
            excluded.append(
                ExcludedEmployee.model_validate(
                    {
                        "employee_id": member.employee_id,
                        "reason": "incomplete_result",
                        "missing": missing,
                    }
                )
            )
    return kept, included


def require_someone(included: list[Any]) -> None:
    if not included:
        raise InvalidInput(
            "Nobody in the population qualifies for a recommendation.",
            errors=[field("cycle_id", "no employee with everything the recommendation needs")],
        )
