"""The pure rules of plans: the phases each step belongs to, who signs as what, how an actual
scores, and the wire and audit shapes of plans, versions, items, signatures, check-ins and
actuals. Nothing here touches the database."""

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from strata_contracts.goals.calc import IndicatorScore
from strata_contracts.goals.plans import (
    ActualRead,
    CheckInRead,
    PlanItemRead,
    PlanSummary,
    PlanVersionRead,
    SignatureRead,
    SignerRole,
)
from strata_contracts.goals.vocabulary import CyclePhase, IndicatorKind
from strata_contracts.identity import IdentityClaims, Role
from strata_goals.calc import ScoringError, score_indicator
from strata_goals.org.models import Employee
from strata_goals.parameters import PARAMETER_FIELDS, copy_parameters, parameters_read, spec_of
from strata_goals.plans.models import Actual, CheckIn, Plan, PlanItem, PlanSignature, PlanVersion
from strata_kit.errors import Forbidden, InvalidInput, field

PLAN_VERSION_PROPOSED = "goals.plan.version_proposed"
PLAN_SIGNED = "goals.plan.signed"
CHECK_IN_RECORDED = "goals.check_in.recorded"
ACTUAL_RECORDED = "goals.actual.recorded"

RESULT_PHASES = {CyclePhase.COACHING, CyclePhase.ASSESSMENT}
"""Actuals are recorded while the work is followed and assessed."""
CHECK_IN_PHASES = {CyclePhase.COACHING, CyclePhase.ASSESSMENT}
CORRECTION_PHASES = {CyclePhase.COACHING, CyclePhase.ASSESSMENT, CyclePhase.FEEDBACK}
"""Actuals are corrected up to feedback, where appeals are decided; a closed cycle is frozen."""


def today() -> date:
    return datetime.now(UTC).date()


# --- wire shapes ---------------------------------------------------------------------------


def plan_summary(plan: Plan) -> PlanSummary:
    return PlanSummary.model_validate(plan)


def item_read(item: PlanItem) -> PlanItemRead:
    return PlanItemRead(
        **parameters_read(item).model_dump(),
        key=item.key,
        indicator_id=item.indicator_id,
        name=item.name,
        perspective=item.perspective,
        weight=item.weight,
    )


def version_read(
    version: PlanVersion, items: Sequence[PlanItem], signatures: Sequence[PlanSignature]
) -> PlanVersionRead:
    return PlanVersionRead(
        number=version.number,
        author=version.author,
        author_employee_id=version.author_employee_id,
        note=version.note,
        reason=version.reason,
        created_at=version.created_at,
        items=[item_read(i) for i in items],
        signatures=[signature_read(s) for s in signatures if s.plan_version == version.number],
    )


def signature_read(signature: PlanSignature) -> SignatureRead:
    return SignatureRead(
        version=signature.plan_version,
        role=signature.role,
        signer=signature.signer,
        signer_employee_id=signature.signer_employee_id,
        signed_at=signature.signed_at,
    )


def actual_read(actual: Actual) -> ActualRead:
    return ActualRead.model_validate(actual)


def check_in_read(check_in: CheckIn) -> CheckInRead:
    return CheckInRead.model_validate(check_in)


def plan_state(plan: Plan) -> dict[str, Any]:
    """What the audit trail records of a plan before and after a change."""
    return {
        "status": plan.status.value,
        "current_version": plan.current_version,
        "agreed_version": plan.agreed_version,
    }


# --- item values ---------------------------------------------------------------------------


def item_values(item: PlanItem, **overrides: Any) -> dict[str, Any]:
    """The column values of an item, to carry it into a new version."""
    return {
        **copy_parameters(item),
        "key": item.key,
        "indicator_id": item.indicator_id,
        "name": item.name,
        "perspective": item.perspective,
        "weight": item.weight,
        **overrides,
    }


_ROW_FIELDS = {*PARAMETER_FIELDS, "key", "indicator_id", "name", "perspective", "weight"}


def row_values(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in _ROW_FIELDS}


# --- who and how ---------------------------------------------------------------------------


def signer_role(identity: IdentityClaims, employee: Employee) -> SignerRole:
    """The employee signs their own plan; their direct manager signs as manager (HR signs
    for an employee who has no manager)."""
    if identity.employee_id is not None and identity.employee_id == employee.id:
        return SignerRole.EMPLOYEE
    if identity.employee_id is not None and identity.employee_id == employee.manager_id:
        return SignerRole.MANAGER
    if employee.manager_id is None and identity.has_any(Role.HR, Role.ADMIN):
        return SignerRole.MANAGER
    raise Forbidden("Only the employee and their direct manager sign the plan.")


def ensure_can_record(identity: IdentityClaims, plan: Plan) -> None:
    """Results come from HR, data integrations or the employee's managers, never from
    the employee about themself."""
    if identity.has_any(Role.HR, Role.ADMIN, Role.INTEGRATION):
        return
    if identity.has_any(Role.MANAGER) and identity.employee_id != plan.employee_id:
        return  # visibility already placed the plan in the manager's reporting line
    raise Forbidden("Actuals are recorded by managers, HR or data integrations.")


def score_or_problem(
    item: PlanItem, value: Decimal | None, level: int | None, prefix: str
) -> IndicatorScore:
    """The score an actual gives, or a 422 naming the bad value or level."""
    qualitative = item.kind is IndicatorKind.QUALITATIVE
    if qualitative and level is None:
        raise InvalidInput(
            f"{item.name} is qualitative: give the level reached.",
            errors=[field(f"{prefix}level", "required for a qualitative indicator")],
        )
    if not qualitative and value is None:
        raise InvalidInput(
            f"{item.name} is quantitative: give the value measured.",
            errors=[field(f"{prefix}value", "required for a quantitative indicator")],
        )
    try:
        return score_indicator(spec_of(item), value, level)
    except ScoringError as exc:
        pointer = f"{prefix}level" if qualitative else f"{prefix}value"
        raise InvalidInput(
            f"The actual cannot be scored: {exc.detail}.",
            errors=[field(pointer, exc.detail, getattr(exc, "code", None))],
        ) from exc


def stored_score(item: PlanItem, latest: Actual | None) -> IndicatorScore | None:
    """The score of the latest actual; None without one, or when a later revision of the
    item (say, quantitative to qualitative) left that actual unscorable."""
    if latest is None:
        return None
    try:
        return score_indicator(spec_of(item), latest.value, latest.level)
    except ScoringError:
        return None
