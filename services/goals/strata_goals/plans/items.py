"""Writing versions and their items: proposed items checked field by field, weights against
the tenant's policy, the freeze once planning is over, a version superseding the current one,
and the audit record and event of every proposal."""

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_contracts.goals.calc import WeightItem
from strata_contracts.goals.events import PlanVersionProposed
from strata_contracts.goals.plans import PlanItemInput, PlanStatus
from strata_contracts.goals.vocabulary import CyclePhase
from strata_contracts.identity import IdentityClaims, Role
from strata_contracts.problem import FieldProblem
from strata_goals.audit.service import audit_service
from strata_goals.calc import validate_weights
from strata_goals.cycles.models import Cycle
from strata_goals.events import emit
from strata_goals.parameters import (
    PARAMETER_FIELDS,
    copy_parameters,
    parameter_problems,
    parameter_values,
)
from strata_goals.plans.models import Plan, PlanItem, PlanVersion
from strata_goals.plans.rules import (
    PLAN_VERSION_PROPOSED,
    item_read,
    item_values,
    plan_state,
    row_values,
)
from strata_goals.policy.service import policy_service
from strata_goals.queries import add_row
from strata_goals.strategy.models import Indicator
from strata_goals.strategy.repository import IndicatorRepository
from strata_kit.errors import Forbidden, InvalidInput, field

# --- rows ----------------------------------------------------------------------------------


def new_version(
    session: AsyncSession,
    identity: IdentityClaims,
    plan: Plan,
    number: int,
    note: str | None,
    reason: str | None,
) -> PlanVersion:
    return add_row(
        session,
        PlanVersion,
        plan_id=plan.id,
        number=number,
        author=identity.subject,
        author_employee_id=identity.employee_id,
        note=note,
        reason=reason,
    )


def add_item(
    session: AsyncSession, plan: Plan, version: PlanVersion, ordinal: int, **values: Any
) -> PlanItem:
    return add_row(
        session,
        PlanItem,
        plan_id=plan.id,
        version_id=version.id,
        ordinal=ordinal,
        **row_values(values),
    )


def item_from_indicator(
    session: AsyncSession, plan: Plan, version: PlanVersion, ordinal: int, indicator: Indicator
) -> PlanItem:
    return add_item(
        session,
        plan,
        version,
        ordinal,
        **copy_parameters(indicator),
        key=uuid.uuid4(),
        indicator_id=indicator.id,
        name=indicator.name,
        perspective=indicator.perspective,
        weight=indicator.weight if indicator.weight is not None else Decimal(0),
    )


# --- checks --------------------------------------------------------------------------------


async def proposed_items(
    session: AsyncSession,
    inputs: Sequence[PlanItemInput],
    previous: Mapping[uuid.UUID, PlanItem],
) -> list[dict[str, Any]]:
    """Column values of the proposed items, every problem named by its pointer."""
    indicators = await IndicatorRepository(session).by_ids(
        {i.indicator_id for i in inputs if i.indicator_id}
    )
    problems: list[FieldProblem] = []
    values: list[dict[str, Any]] = []
    keys: set[uuid.UUID] = set()
    indicator_ids: set[uuid.UUID] = set()
    for i, entry in enumerate(inputs):
        prefix = f"items/{i}/"
        base = _proposed_item(entry, prefix, previous, indicators, keys, problems)
        if base is None:
            continue
        if base["indicator_id"] is not None:
            if base["indicator_id"] in indicator_ids:
                problems.append(field(f"{prefix}indicator_id", "already in the plan"))
                continue
            indicator_ids.add(base["indicator_id"])
        keys.add(base["key"])
        problems += parameter_problems(
            PlanItem(tenant_id=uuid.UUID(int=0), **row_values(base)), prefix
        )
        values.append(base)
    if not problems:
        problems += await weight_problems(
            session, [(v["key"], v["weight"], v["perspective"]) for v in values]
        )
    if problems:
        raise InvalidInput("The proposed items are invalid.", errors=problems)
    return values


def _proposed_item(
    entry: PlanItemInput,
    prefix: str,
    previous: Mapping[uuid.UUID, PlanItem],
    indicators: Mapping[uuid.UUID, Indicator],
    keys: set[uuid.UUID],
    problems: list[FieldProblem],
) -> dict[str, Any] | None:
    """The column values of one proposed item: a revised item, a new one from an indicator
    or one proposed here; None (with its problem added) when it cannot be one."""
    base: dict[str, Any]
    earlier = previous.get(entry.key) if entry.key else None
    if entry.key is not None and earlier is None:
        problems.append(field(f"{prefix}key", "not an item of the version revised"))
        return None
    if entry.key is not None and entry.key in keys:
        problems.append(field(f"{prefix}key", "the same item twice"))
        return None
    if earlier is not None:
        if entry.indicator_id not in (None, earlier.indicator_id):
            problems.append(
                field(f"{prefix}indicator_id", "an item keeps its indicator; add a new item")
            )
            return None
        base = item_values(earlier, weight=entry.weight)
    elif entry.indicator_id is not None:
        indicator = indicators.get(entry.indicator_id)
        if indicator is None or not indicator.active:
            problems.append(field(f"{prefix}indicator_id", "no such active indicator"))
            return None
        base = {
            **copy_parameters(indicator),
            "indicator_id": indicator.id,
            "name": indicator.name,
            "perspective": indicator.perspective,
        }
    else:
        missing = [n for n in ("name", "perspective") if getattr(entry, n) is None]
        if missing:
            problems.extend(
                field(f"{prefix}{n}", "required for an indicator proposed here") for n in missing
            )
            return None
        base = {"indicator_id": None}
    chosen = entry.model_fields_set if (earlier or entry.indicator_id) else set(PARAMETER_FIELDS)
    overrides = parameter_values(entry, only_set=False)
    base.update({k: v for k, v in overrides.items() if k in chosen})
    for name in ("name", "perspective"):
        if getattr(entry, name) is not None:
            base[name] = getattr(entry, name)
    base["weight"] = entry.weight
    base["key"] = earlier.key if earlier else uuid.uuid4()
    return base


async def weight_problems(
    session: AsyncSession, weights: Sequence[tuple[uuid.UUID, Decimal, Any]]
) -> list[FieldProblem]:
    policy = await policy_service.get(session)
    return [
        field(p.pointer, p.detail, p.code)
        for p in validate_weights(
            [WeightItem(indicator_id=k, weight=w, perspective=p) for k, w, p in weights],
            min_weight=policy.min_weight,
            max_weight=policy.max_weight,
        )
    ]


async def ensure_signable(session: AsyncSession, items: Sequence[PlanItem]) -> None:
    """Only a complete plan is signed: indicators that can score, weights valid."""
    if not items:
        raise InvalidInput("An empty plan cannot be signed.", errors=[field("version", "no items")])
    problems: list[FieldProblem] = []
    for i, item in enumerate(items):
        problems += parameter_problems(item, f"items/{i}/")
    problems += await weight_problems(
        session, [(item.key, item.weight, item.perspective) for item in items]
    )
    if problems:
        raise InvalidInput(
            "This version cannot be signed: "
            + "; ".join(p.detail for p in problems)
            + ". Propose a corrected version.",
            errors=problems,
        )


def weights_may_change(
    identity: IdentityClaims,
    cycle: Cycle,
    current: Sequence[PlanItem],
    proposed: Mapping[uuid.UUID, Decimal],
    reason: str | None,
) -> None:
    """Weights are frozen once the cycle left planning: only HR changes them, with a
    reason (and the change is audited with it)."""
    if cycle.phase is CyclePhase.PLANNING:
        return
    before = {item.key: item.weight for item in current}
    if before == dict(proposed):
        return
    if not identity.has_any(Role.HR, Role.ADMIN):
        raise Forbidden(
            f"Weights are frozen since the cycle left planning ({cycle.phase.value}); only "
            "HR can change them, with a reason."
        )
    if reason is None:
        raise InvalidInput(
            "Changing frozen weights needs a reason.",
            errors=[field("reason", "required once the cycle left planning")],
        )


# --- a version proposed --------------------------------------------------------------------


async def supersede(
    session: AsyncSession,
    identity: IdentityClaims,
    plan: Plan,
    version: PlanVersion,
    items: Sequence[PlanItem],
    action: str,
    reason: str | None,
) -> None:
    """Make `version` the plan's current one, back to draft: it needs both signatures."""
    before = plan_state(plan)
    plan.current_version = version.number
    plan.status = PlanStatus.DRAFT
    session.add(plan)
    await session.flush()
    await version_proposed(session, identity, plan, version, items, action, reason, before)


async def version_proposed(
    session: AsyncSession,
    identity: IdentityClaims,
    plan: Plan,
    version: PlanVersion,
    items: Sequence[PlanItem],
    action: str,
    reason: str | None,
    before: dict[str, Any] | None = None,
) -> None:
    await audit_service.record(
        session,
        identity,
        entity_type="plan",
        entity_id=plan.id,
        action=action,
        before=before,
        after=plan_state(plan) | {"items": [item_read(i).model_dump(mode="json") for i in items]},
        reason=reason,
    )
    await emit(
        session,
        PLAN_VERSION_PROPOSED,
        f"plan/{plan.id}",
        PlanVersionProposed(
            plan_id=plan.id,
            employee_id=plan.employee_id,
            cycle_id=plan.cycle_id,
            version=version.number,
            author=identity.subject,
        ),
    )
