"""Results applied: compensation inputs, the merit matrix, recommendation runs (merit within
a budget, bonus pool, promotion candidates, training needs) and HR's decisions on each
recommendation (audited, published as `analytics.recommendation.decided`).

Recommendations start from each person's final result in the cycle: the calibrated band
when a finalised calibration session locked the result, else the computed band."""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.applied.calc import (
    FOUR,
    HUNDRED,
    budget_from_percent,
    compa_band,
    compa_ratio,
    fit_to_budget,
    largest_remainder,
    streak,
)
from strata_analytics.applied.exceptions import (
    AlreadyDecided,
    CompensationNotFound,
    NoRequirements,
    RecommendationNotFound,
    RecommendationStale,
    RunNotFound,
)
from strata_analytics.applied.models import (
    Compensation,
    MeritMatrix,
    Recommendation,
    RecommendationRun,
)
from strata_analytics.applied.policy import DEFAULT_MATRIX
from strata_analytics.applied.repository import AppliedRepository
from strata_analytics.models import AuditRecord, OutboxEvent
from strata_analytics.projections.models import EmployeeView, OrgUnitView
from strata_analytics.ratings.scores import competency_score
from strata_analytics.results.models import OverallResult
from strata_analytics.results.repository import ResultRepository
from strata_analytics.results.service import missing_parts, result_service
from strata_contracts.analytics.applied import (
    RECOMMENDATION_DECIDED,
    BonusRunCreate,
    CompensationImport,
    CompensationImportResult,
    CompensationRead,
    CompleteResultsOnly,
    DecisionCreate,
    ExcludedEmployee,
    IncludedIncomplete,
    MeritMatrixRead,
    MeritMatrixWrite,
    MeritRunCreate,
    PromotionEvaluation,
    PromotionRunCreate,
    RecommendationDecided,
    RecommendationRead,
    RuleEvidence,
    RunListItem,
    RunRead,
    RunSummary,
    TrainingRunCreate,
)
from strata_contracts.events import RECOMMENDATION_DECIDED_VERSION
from strata_contracts.pagination import Page
from strata_kit.audit import record_audit, snapshot
from strata_kit.db import TenantModel
from strata_kit.errors import InvalidInput, field
from strata_kit.identity import TenantIdentity
from strata_kit.outbox import record_event
from strata_kit.pagination import PageParams, paginate

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


def _text(value: object | None) -> str | None:
    return None if value is None else str(value)


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


def _under(units: dict[uuid.UUID, OrgUnitView], unit: uuid.UUID | None, root: uuid.UUID) -> bool:
    seen: set[uuid.UUID] = set()
    while unit is not None and unit not in seen:
        if unit == root:
            return True
        seen.add(unit)
        unit = units[unit].parent_id if unit in units else None
    return False


@dataclass
class Member:
    """One person of a run's population with their final result in the cycle."""

    employee_id: uuid.UUID
    name: str | None
    result: OverallResult
    final: Final


class AppliedService:
    # --- compensation -----------------------------------------------------------------

    async def import_compensation(
        self, session: AsyncSession, identity: TenantIdentity, data: CompensationImport
    ) -> CompensationImportResult:
        """All rows or none: every problem is reported with its row, nothing is stored."""
        ids = [r.employee_id for r in data.rows]
        people = await ResultRepository(session).employees(set(ids))
        problems = []
        first: dict[uuid.UUID, int] = {}
        for index, row in enumerate(data.rows):
            if row.employee_id in first:
                problems.append(
                    field(
                        f"rows/{index}/employee_id",
                        f"listed twice (first at row {first[row.employee_id]})",
                    )
                )
            else:
                first[row.employee_id] = index
            if row.employee_id not in people:
                problems.append(field(f"rows/{index}/employee_id", "no such employee"))
        if problems:
            raise InvalidInput(
                f"{len(problems)} problem(s) in the import; nothing was stored.", errors=problems
            )
        repo = AppliedRepository(session)
        held = await repo.compensation(set(ids))
        created = updated = 0
        changed: list[tuple[Compensation, dict[str, Any] | None]] = []
        for row in data.rows:
            existing = held.get(row.employee_id)
            if existing is None:
                existing = Compensation(
                    tenant_id=identity.tenant_id,
                    employee_id=row.employee_id,
                    base_salary=row.base_salary,
                    currency=row.currency,
                    range_midpoint=row.range_midpoint,
                )
                before = None
                created += 1
            else:
                before = snapshot(existing)
                if (existing.base_salary, existing.currency, existing.range_midpoint) == (
                    row.base_salary,
                    row.currency,
                    row.range_midpoint,
                ):
                    continue
                existing.base_salary, existing.currency = row.base_salary, row.currency
                existing.range_midpoint = row.range_midpoint
                updated += 1
            session.add(existing)
            changed.append((existing, before))
        await session.flush()
        for row_, before in changed:
            await record_audit(
                session,
                AuditRecord,
                identity=identity,
                entity_type="compensation",
                entity_id=row_.id,
                action="imported" if before is None else "updated",
                before=before,
                after=snapshot(row_),
            )
        final = await repo.compensation(set(ids))
        return CompensationImportResult(
            created=created,
            updated=updated,
            items=[compensation_read(final[i], people.get(i)) for i in first],
        )

    async def list_compensation(
        self, session: AsyncSession, params: PageParams
    ) -> Page[CompensationRead]:
        page = await paginate(
            session,
            AppliedRepository(session).compensation_statement(),
            sort=col(Compensation.updated_at),
            id_column=col(Compensation.id),
            params=params,
            to_item=lambda row: row,
            updated_column=col(Compensation.updated_at),
        )
        people = await ResultRepository(session).employees({r.employee_id for r in page.items})
        return Page[CompensationRead](
            items=[compensation_read(r, people.get(r.employee_id)) for r in page.items],
            next_cursor=page.next_cursor,
        )

    async def get_compensation(
        self, session: AsyncSession, employee_id: uuid.UUID
    ) -> CompensationRead:
        row = await AppliedRepository(session).compensation_of(employee_id)
        if row is None:
            raise CompensationNotFound(f"No compensation for employee {employee_id}.")
        people = await ResultRepository(session).employees({employee_id})
        return compensation_read(row, people.get(employee_id))

    # --- merit matrix -----------------------------------------------------------------

    async def matrix(self, session: AsyncSession) -> MeritMatrixRead:
        row = await AppliedRepository(session).matrix()
        if row is None:
            return MeritMatrixRead(**DEFAULT_MATRIX.model_dump(), built_in=True, updated_at=None)
        return self._matrix_read(row)

    def _matrix_read(self, row: MeritMatrix) -> MeritMatrixRead:
        return MeritMatrixRead.model_validate(
            {
                "compa_ratio_bands": row.compa_ratio_bands,
                "rows": row.rows,
                "built_in": False,
                "updated_at": row.updated_at,
            }
        )

    async def set_matrix(
        self, session: AsyncSession, identity: TenantIdentity, data: MeritMatrixWrite
    ) -> MeritMatrixRead:
        """Validated against the tenant's rating bands, audited."""
        policies = await result_service.policies(session)
        required = [b.code for p in policies if p.scope == "default" for b in p.bands]
        known = {b.code for p in policies for b in p.bands}
        problems = []
        codes: set[str] = set()
        previous: Decimal | None = None
        last = len(data.compa_ratio_bands) - 1
        for index, band in enumerate(data.compa_ratio_bands):
            if band.code in codes:
                problems.append(field(f"compa_ratio_bands/{index}/code", "duplicate code"))
            codes.add(band.code)
            if index == last and band.below is not None:
                problems.append(
                    field(f"compa_ratio_bands/{index}/below", "the last band must be open (null)")
                )
            if index < last and band.below is None:
                problems.append(
                    field(f"compa_ratio_bands/{index}/below", "only the last band may be open")
                )
            if band.below is not None:
                if previous is not None and band.below <= previous:
                    problems.append(field(f"compa_ratio_bands/{index}/below", "bounds must ascend"))
                previous = band.below
        seen: set[str] = set()
        for index, matrix_row in enumerate(data.rows):
            if matrix_row.band in seen:
                problems.append(field(f"rows/{index}/band", "duplicate band"))
            seen.add(matrix_row.band)
            if matrix_row.band not in known:
                problems.append(
                    field(f"rows/{index}/band", f"not a rating band ({', '.join(required)})")
                )
            if len(matrix_row.increases) != len(data.compa_ratio_bands):
                problems.append(
                    field(
                        f"rows/{index}/increases",
                        f"one increase per compa-ratio band ({len(data.compa_ratio_bands)})",
                    )
                )
        missing = [code for code in required if code not in seen]
        if missing:
            problems.append(field("rows", f"no row for band(s) {', '.join(missing)}"))
        if problems:
            raise InvalidInput("The merit matrix is not valid.", errors=problems)
        repo = AppliedRepository(session)
        row = await repo.matrix()
        before = None if row is None else self._matrix_read(row).model_dump(mode="json")
        if row is None:
            row = MeritMatrix(tenant_id=identity.tenant_id, scope="default")
        payload = data.model_dump(mode="json")
        row.compa_ratio_bands, row.rows = payload["compa_ratio_bands"], payload["rows"]
        session.add(row)
        await session.flush()
        after = self._matrix_read(row)
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="merit_matrix",
            entity_id=row.id,
            action="set",
            before=before,
            after=after.model_dump(mode="json"),
        )
        return after

    # --- populations ------------------------------------------------------------------

    def _check_completeness(self, data: CompleteResultsOnly) -> None:
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

    def _completeness(
        self, members: list[Member], excluded: list[ExcludedEmployee], include: bool
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

    async def _population(
        self,
        session: AsyncSession,
        cycle_id: uuid.UUID,
        org_unit_id: uuid.UUID | None,
        employee_ids: list[uuid.UUID] | None,
    ) -> tuple[list[Member], list[ExcludedEmployee]]:
        """Everyone with a result in the cycle (in the org unit's subtree, or listed), in a
        stable order (name, id); listed people without a result are reported excluded."""
        results_repo = ResultRepository(session)
        results = await results_repo.cycle_results(cycle_id)
        people = await results_repo.employees({r.employee_id for r in results})
        if org_unit_id is not None:
            units = await results_repo.org_units()
            results = [
                r
                for r in results
                if (p := people.get(r.employee_id)) is not None
                and _under(units, p.org_unit_id, org_unit_id)
            ]
        excluded: list[ExcludedEmployee] = []
        if employee_ids is not None:
            wanted = set(employee_ids)
            results = [r for r in results if r.employee_id in wanted]
            have = {r.employee_id for r in results}
            excluded = [
                ExcludedEmployee(employee_id=e, reason="no_result")
                for e in dict.fromkeys(employee_ids)
                if e not in have
            ]
        members = [
            Member(
                r.employee_id,
                people[r.employee_id].name if r.employee_id in people else None,
                r,
                final_result(r),
            )
            for r in results
        ]
        members.sort(key=lambda m: (m.name or "", str(m.employee_id)))
        for member in members:
            if member.final.band is None:
                excluded.append(
                    ExcludedEmployee(employee_id=member.employee_id, reason="no_result")
                )
        return [m for m in members if m.final.band is not None], excluded

    def _require_someone(self, included: list[Any]) -> None:
        if not included:
            raise InvalidInput(
                "Nobody in the population qualifies for a recommendation.",
                errors=[field("cycle_id", "no employee with everything the recommendation needs")],
            )

    # --- runs -------------------------------------------------------------------------

    async def _store_run(
        self,
        session: AsyncSession,
        identity: TenantIdentity,
        kind: str,
        cycle_id: uuid.UUID,
        parameters: dict[str, Any],
        summary: RunSummary,
        items: Iterable[tuple[uuid.UUID, str, Decimal, dict[str, Any]]],
    ) -> RunRead:
        run = RecommendationRun(
            tenant_id=identity.tenant_id,
            kind=kind,
            cycle_id=cycle_id,
            parameters=parameters,
            summary=summary.model_dump(mode="json"),
            created_by=identity.subject,
        )
        session.add(run)
        await session.flush()
        for employee_id, unit, value, inputs in items:
            session.add(
                Recommendation(
                    tenant_id=identity.tenant_id,
                    run_id=run.id,
                    kind=kind,
                    employee_id=employee_id,
                    cycle_id=cycle_id,
                    unit=unit,
                    proposed_value=value,
                    inputs=inputs,
                )
            )
        await session.flush()
        including = bool(parameters.get("include_incomplete"))
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="recommendation_run",
            entity_id=run.id,
            action="computed_including_incomplete" if including else "computed",
            after={"kind": kind, "parameters": parameters, "summary": run.summary},
            reason=parameters.get("include_incomplete_reason") if including else None,
        )
        return await self.run(session, run.id)

    async def merit_run(
        self, session: AsyncSession, identity: TenantIdentity, data: MeritRunCreate
    ) -> RunRead:
        """Matrix percentages for each person (band * compa-ratio band), fitted to the
        budget: scaled by one factor when they exceed it."""
        if (data.budget_amount is None) == (data.budget_percent is None):
            raise InvalidInput(
                "Give the budget as an amount or as a percent of payroll.",
                errors=[field("budget_amount", "exactly one of budget_amount, budget_percent")],
            )
        self._check_completeness(data)
        members, excluded = await self._population(
            session, data.cycle_id, data.org_unit_id, data.employee_ids
        )
        members, incomplete = self._completeness(members, excluded, data.include_incomplete)
        matrix = await self.matrix(session)
        rows = {r.band: r.increases for r in matrix.rows}
        bounds = [b.below for b in matrix.compa_ratio_bands]
        pay = await AppliedRepository(session).compensation({m.employee_id for m in members})
        included: list[tuple[Member, Compensation, Decimal, int, Decimal]] = []
        for member in members:
            comp = pay.get(member.employee_id)
            reason = None
            if comp is None:
                reason = "no_compensation"
            elif comp.currency != data.currency:
                reason = "other_currency"
            elif member.final.band not in rows:
                reason = "band_not_configured"
            if reason is not None or comp is None:
                excluded.append(ExcludedEmployee(employee_id=member.employee_id, reason=reason))
                continue
            ratio = compa_ratio(comp.base_salary, comp.range_midpoint)
            index = compa_band(ratio, bounds)
            assert member.final.band is not None
            included.append((member, comp, ratio, index, rows[member.final.band][index]))
        self._require_someone(included)
        payroll = sum((c.base_salary for _, c, *_ in included), Decimal(0))
        if data.budget_amount is not None:
            budget = data.budget_amount
        else:
            assert data.budget_percent is not None
            budget = budget_from_percent(payroll, data.budget_percent)
        fit = fit_to_budget(
            [c.base_salary for _, c, *_ in included], [p for *_, p in included], budget
        )
        notes = []
        if fit.scaled:
            notes.append(
                f"The matrix would cost {fit.matrix_spend.quantize(Decimal('0.01'))} "
                f"{data.currency}, more than the budget of {budget}: every increase is scaled "
                f"by {fit.scale_factor} (budget / matrix cost)."
            )
        else:
            notes.append(
                f"The matrix costs {fit.matrix_spend.quantize(Decimal('0.01'))} "
                f"{data.currency}, within the budget of {budget}: no scaling."
            )
        items = []
        for (member, comp, ratio, index, percent), amount in zip(
            included, fit.amounts, strict=True
        ):
            items.append(
                (
                    member.employee_id,
                    data.currency,
                    amount,
                    {
                        "band": member.final.band,
                        "band_source": member.final.source,
                        "calibration_session_id": _text(member.final.calibration_session_id),
                        "overall": _text(member.final.overall),
                        "base_salary": str(comp.base_salary),
                        "currency": comp.currency,
                        "range_midpoint": str(comp.range_midpoint),
                        "compa_ratio": str(ratio),
                        "compa_ratio_band": matrix.compa_ratio_bands[index].code,
                        "matrix_cell": {
                            "band": member.final.band,
                            "compa_ratio_band": matrix.compa_ratio_bands[index].code,
                            "percent": str(percent),
                        },
                        "matrix_amount": str(comp.base_salary * percent / HUNDRED),
                        "budget": str(budget),
                        "budget_scale_factor": str(fit.scale_factor),
                        "recommended_percent": str(
                            (amount * HUNDRED / comp.base_salary).quantize(FOUR, ROUND_HALF_UP)
                        ),
                    },
                )
            )
        spend = fit.spend
        summary = RunSummary(
            population=len(included),
            currency=data.currency,
            payroll=payroll,
            budget=budget,
            matrix_spend=fit.matrix_spend.quantize(FOUR, ROUND_HALF_UP),
            scale_factor=fit.scale_factor,
            scaled=fit.scaled,
            spend=spend,
            remaining=budget - spend,
            notes=notes,
            excluded=excluded,
            included_incomplete=incomplete,
            include_incomplete_reason=data.include_incomplete_reason,
        )
        return await self._store_run(
            session,
            identity,
            "merit",
            data.cycle_id,
            data.model_dump(mode="json"),
            summary,
            items,
        )

    async def bonus_run(
        self, session: AsyncSession, identity: TenantIdentity, data: BonusRunCreate
    ) -> RunRead:
        """The pool shared by weight = base salary * band multiplier, to the cent, summing
        to the pool exactly (largest remainder)."""
        problems = []
        multipliers: dict[str, Decimal] = {}
        for index, m in enumerate(data.multipliers):
            if m.band in multipliers:
                problems.append(field(f"multipliers/{index}/band", "duplicate band"))
            multipliers[m.band] = m.multiplier
        if problems:
            raise InvalidInput("The multipliers are not valid.", errors=problems)
        self._check_completeness(data)
        members, excluded = await self._population(
            session, data.cycle_id, data.org_unit_id, data.employee_ids
        )
        members, incomplete = self._completeness(members, excluded, data.include_incomplete)
        pay = await AppliedRepository(session).compensation({m.employee_id for m in members})
        included: list[tuple[Member, Compensation, Decimal, Decimal]] = []
        for member in members:
            comp = pay.get(member.employee_id)
            reason = None
            if comp is None:
                reason = "no_compensation"
            elif comp.currency != data.currency:
                reason = "other_currency"
            elif member.final.band not in multipliers:
                reason = "band_not_configured"
            if reason is not None or comp is None:
                excluded.append(ExcludedEmployee(employee_id=member.employee_id, reason=reason))
                continue
            assert member.final.band is not None
            multiplier = multipliers[member.final.band]
            included.append((member, comp, multiplier, comp.base_salary * multiplier))
        self._require_someone(included)
        total = sum((w for *_, w in included), Decimal(0))
        if total <= 0:
            raise InvalidInput(
                "Every eligible person has a zero weight: nothing to share the pool by.",
                errors=[field("multipliers", "at least one eligible band needs a multiplier > 0")],
            )
        amounts = largest_remainder(data.pool_amount, [w for *_, w in included])
        items = []
        for (member, comp, multiplier, weight), amount in zip(included, amounts, strict=True):
            exact = Fraction(data.pool_amount) * Fraction(weight) / Fraction(total)
            items.append(
                (
                    member.employee_id,
                    data.currency,
                    amount,
                    {
                        "band": member.final.band,
                        "band_source": member.final.source,
                        "calibration_session_id": _text(member.final.calibration_session_id),
                        "overall": _text(member.final.overall),
                        "base_salary": str(comp.base_salary),
                        "currency": comp.currency,
                        "multiplier": str(multiplier),
                        "weight": str(weight),
                        "total_weight": str(total),
                        "share": str((weight / total).quantize(SIX, ROUND_HALF_UP)),
                        "exact_amount": str(
                            (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
                                FOUR, ROUND_HALF_UP
                            )
                        ),
                        "pool": str(data.pool_amount),
                        "rounding": "largest remainder to the cent",
                    },
                )
            )
        spend = sum(amounts, Decimal(0))
        summary = RunSummary(
            population=len(included),
            currency=data.currency,
            payroll=sum((c.base_salary for _, c, *_ in included), Decimal(0)),
            pool=data.pool_amount,
            total_weight=total,
            spend=spend,
            remaining=data.pool_amount - spend,
            notes=[
                "Weight = base salary * band multiplier; share = weight / Σ weight; amounts "
                "rounded down to the cent, the cents left over given to the largest remainders."
            ],
            excluded=excluded,
            included_incomplete=incomplete,
            include_incomplete_reason=data.include_incomplete_reason,
        )
        return await self._store_run(
            session,
            identity,
            "bonus",
            data.cycle_id,
            data.model_dump(mode="json"),
            summary,
            items,
        )

    async def competency_means(
        self, session: AsyncSession, tenant: uuid.UUID, employee_id: uuid.UUID, cycle_id: uuid.UUID
    ) -> dict[str, tuple[str, Decimal]] | None:
        """key → (name, mean) of the publishable 360 ratings in the cycle (None: no 360)."""
        _, facts = await ResultRepository(session).ratee_campaign_facts(
            tenant, employee_id, cycle_id
        )
        score = competency_score(facts)
        if score is None or not score.competencies:
            return None
        return {c.key: (c.name, c.mean) for c in score.competencies}

    async def promotion_run(
        self, session: AsyncSession, identity: TenantIdentity, data: PromotionRunCreate
    ) -> RunRead:
        """Candidates hold every rule; every person evaluated keeps their evidence."""
        policy = await result_service.policy_for(session, identity.tenant_id, None)
        order = [b.code for b in policy.bands]
        problems = []
        if len(set(data.cycle_ids)) != len(data.cycle_ids):
            problems.append(field("cycle_ids", "a cycle is listed twice"))
        if data.consecutive_cycles > len(data.cycle_ids):
            problems.append(
                field("consecutive_cycles", f"more than the {len(data.cycle_ids)} cycles given")
            )
        if data.min_band not in order:
            problems.append(field("min_band", f"not a rating band ({', '.join(order)})"))
        keys = [m.competency_key for m in data.competency_minimums]
        for index, key in enumerate(keys):
            if key in keys[:index]:
                problems.append(
                    field(f"competency_minimums/{index}/competency_key", "listed twice")
                )
        if problems:
            raise InvalidInput("The promotion rules are not valid.", errors=problems)
        self._check_completeness(data)
        current = data.cycle_ids[-1]
        members, excluded = await self._population(
            session, current, data.org_unit_id, data.employee_ids
        )
        members, incomplete = self._completeness(members, excluded, data.include_incomplete)
        results = await AppliedRepository(session).results(data.cycle_ids)
        finals = {(r.employee_id, r.cycle_id): final_result(r) for r in results}
        incomplete_in = {(r.employee_id, r.cycle_id) for r in results if missing_parts(r)}
        minimum = order.index(data.min_band)
        window = data.cycle_ids[-data.consecutive_cycles :]
        evaluations = []
        items = []
        for member in members:
            history = [finals.get((member.employee_id, c)) for c in data.cycle_ids]
            counted = [
                f
                if f is not None
                and (data.include_incomplete or (member.employee_id, c) not in incomplete_in)
                else None
                for c, f in zip(data.cycle_ids, history, strict=True)
            ]
            ranks = [
                order.index(f.band) if f is not None and f.band in order else None for f in counted
            ]
            run_length = streak(ranks, minimum)
            evidence = [
                RuleEvidence(
                    rule="band_streak",
                    required=f"band {data.min_band} or above in each of the last "
                    f"{data.consecutive_cycles} cycle(s)",
                    found=f"{min(run_length, len(data.cycle_ids))} consecutive cycle(s) ending "
                    "with the current one",
                    passed=run_length >= data.consecutive_cycles,
                    detail={
                        "cycles": [
                            {
                                "cycle_id": str(c),
                                "band": f.band if f else None,
                                "band_source": f.source if f else None,
                                "complete": None
                                if f is None
                                else (member.employee_id, c) not in incomplete_in,
                                "in_window": c in window,
                                "meets": rank is not None and rank >= minimum,
                            }
                            for c, f, rank in zip(data.cycle_ids, history, ranks, strict=True)
                        ]
                    },
                )
            ]
            if data.competency_minimums:
                means = await self.competency_means(
                    session, identity.tenant_id, member.employee_id, current
                )
                for rule in data.competency_minimums:
                    found = (means or {}).get(rule.competency_key)
                    evidence.append(
                        RuleEvidence(
                            rule=f"competency_minimum:{rule.competency_key}",
                            required=f"360 mean at least {rule.minimum}",
                            found=str(found[1])
                            if found
                            else "not rated (or withheld) in the current cycle",
                            passed=found is not None and found[1] >= rule.minimum,
                            detail={
                                "competency_key": rule.competency_key,
                                "competency_name": found[0] if found else None,
                                "mean": str(found[1]) if found else None,
                                "minimum": str(rule.minimum),
                            },
                        )
                    )
            candidate = all(e.passed for e in evidence)
            evaluations.append(
                PromotionEvaluation(
                    employee_id=member.employee_id,
                    employee_name=member.name,
                    candidate=candidate,
                    evidence=evidence,
                )
            )
            if candidate:
                items.append(
                    (
                        member.employee_id,
                        "promote",
                        Decimal(1),
                        {
                            "band": member.final.band,
                            "band_source": member.final.source,
                            "rules": [e.model_dump(mode="json") for e in evidence],
                        },
                    )
                )
        summary = RunSummary(
            population=len(evaluations),
            notes=[
                f"{len(items)} candidate(s) of {len(evaluations)} evaluated: band "
                f"{data.min_band} or above for {data.consecutive_cycles} consecutive cycle(s)"
                + (
                    ", and "
                    + ", ".join(
                        f"{m.competency_key} ≥ {m.minimum}" for m in data.competency_minimums
                    )
                    if data.competency_minimums
                    else ""
                )
                + "."
            ],
            excluded=excluded,
            evaluations=evaluations,
            included_incomplete=incomplete,
            include_incomplete_reason=data.include_incomplete_reason,
        )
        return await self._store_run(
            session, identity, "promotion", current, data.model_dump(mode="json"), summary, items
        )

    async def training_run(
        self, session: AsyncSession, identity: TenantIdentity, data: TrainingRunCreate
    ) -> RunRead:
        """One need per competency below its required level, ranked by gap per person,
        with the programmes that develop that competency."""
        repo = AppliedRepository(session)
        requirements = await repo.requirements()
        if not requirements:
            raise NoRequirements(
                "Set the required level per competency (PUT competency-requirements) first."
            )
        programmes = await repo.programmes()
        scales = await repo.competency_scales()
        notes: list[str] = []
        usable = []
        for requirement in requirements:
            scale = scales.get(requirement.competency_key)
            if scale is None or not scale[0] <= requirement.required_level <= scale[1]:
                # Stored before requirements were validated: never a gap off the scale.
                notes.append(
                    f"The requirement {requirement.competency_key} = "
                    f"{requirement.required_level} is ignored: "
                    + (
                        "no 360 rated that competency."
                        if scale is None
                        else f"outside its rating scale {scale[0]} to {scale[1]}."
                    )
                )
                continue
            usable.append(requirement)
        requirements = usable
        members, excluded = await self._population(
            session, data.cycle_id, data.org_unit_id, data.employee_ids
        )
        items = []
        assessed = 0
        for member in members:
            means = await self.competency_means(
                session, identity.tenant_id, member.employee_id, data.cycle_id
            )
            if means is None:
                excluded.append(ExcludedEmployee(employee_id=member.employee_id, reason="no_360"))
                continue
            assessed += 1
            gaps = []
            for requirement in requirements:
                found = means.get(requirement.competency_key)
                if found is not None and found[1] < requirement.required_level:
                    gaps.append((requirement.required_level - found[1], requirement, found))
            gaps.sort(key=lambda g: (-g[0], g[1].competency_key))
            for rank, (gap, requirement, (name, mean)) in enumerate(gaps, start=1):
                items.append(
                    (
                        member.employee_id,
                        "levels",
                        gap,
                        {
                            "competency_key": requirement.competency_key,
                            "competency_name": name,
                            "mean": str(mean),
                            "required_level": str(requirement.required_level),
                            "gap": str(gap),
                            "rank": rank,
                            "needs_of_person": len(gaps),
                            "programmes": [
                                {"id": str(p.id), "name": p.name}
                                for p in programmes
                                if p.competency_key == requirement.competency_key
                            ],
                            "band": member.final.band,
                        },
                    )
                )
        if not assessed:
            self._require_someone([])
        summary = RunSummary(
            population=assessed,
            notes=[f"{len(items)} training need(s) among {assessed} person(s) with a 360.", *notes],
            excluded=excluded,
        )
        return await self._store_run(
            session,
            identity,
            "training",
            data.cycle_id,
            data.model_dump(mode="json"),
            summary,
            items,
        )

    # --- reading ----------------------------------------------------------------------

    async def run(self, session: AsyncSession, run_id: uuid.UUID) -> RunRead:
        repo = AppliedRepository(session)
        run = await repo.run(run_id)
        if run is None:
            raise RunNotFound(f"No recommendation run {run_id}.")
        rows = await repo.run_recommendations(run.id)
        people = await ResultRepository(session).employees({r.employee_id for r in rows})
        return RunRead(
            id=run.id,
            kind=run.kind,
            cycle_id=run.cycle_id,
            parameters=run.parameters,
            summary=RunSummary.model_validate(run.summary),
            recommendations=[recommendation_read(r, people.get(r.employee_id)) for r in rows],
            created_by=run.created_by,
            created_at=run.created_at,
            stale_reason=run.stale_reason,
            stale_at=run.stale_at,
            rerun_of=run.rerun_of,
            superseded_by=run.superseded_by,
        )

    async def runs(
        self,
        session: AsyncSession,
        params: PageParams,
        kind: str | None,
        cycle_id: uuid.UUID | None,
    ) -> Page[RunListItem]:
        return await paginate(
            session,
            AppliedRepository(session).runs_statement(kind, cycle_id),
            sort=col(RecommendationRun.updated_at),
            id_column=col(RecommendationRun.id),
            params=params,
            to_item=lambda run: RunListItem(
                id=run.id,
                kind=run.kind,
                cycle_id=run.cycle_id,
                summary=RunSummary.model_validate(run.summary),
                created_by=run.created_by,
                created_at=run.created_at,
                updated_at=run.updated_at,
                stale_reason=run.stale_reason,
                stale_at=run.stale_at,
                rerun_of=run.rerun_of,
                superseded_by=run.superseded_by,
            ),
            updated_column=col(RecommendationRun.updated_at),
        )

    async def recommendations(
        self,
        session: AsyncSession,
        params: PageParams,
        *,
        kind: str | None,
        status: str | None,
        run_id: uuid.UUID | None,
        cycle_id: uuid.UUID | None,
        employee_id: uuid.UUID | None,
    ) -> Page[RecommendationRead]:
        page = await paginate(
            session,
            AppliedRepository(session).recommendations_statement(
                kind=kind, status=status, run_id=run_id, cycle_id=cycle_id, employee_id=employee_id
            ),
            sort=col(Recommendation.updated_at),
            id_column=col(Recommendation.id),
            params=params,
            to_item=lambda row: row,
            updated_column=col(Recommendation.updated_at),
        )
        people = await ResultRepository(session).employees({r.employee_id for r in page.items})
        return Page[RecommendationRead](
            items=[recommendation_read(r, people.get(r.employee_id)) for r in page.items],
            next_cursor=page.next_cursor,
        )

    async def recommendation_row(
        self, session: AsyncSession, recommendation_id: uuid.UUID
    ) -> Recommendation:
        row = await AppliedRepository(session).recommendation(recommendation_id)
        if row is None:
            raise RecommendationNotFound(f"No recommendation {recommendation_id}.")
        return row

    async def read(self, session: AsyncSession, row: Recommendation) -> RecommendationRead:
        people = await ResultRepository(session).employees({row.employee_id})
        return recommendation_read(row, people.get(row.employee_id))

    # --- decisions --------------------------------------------------------------------

    async def decide(
        self,
        session: AsyncSession,
        identity: TenantIdentity,
        recommendation_id: uuid.UUID,
        data: DecisionCreate,
        guard: Guard,
    ) -> Recommendation:
        """Accept the proposed value or override it (new value and reason required);
        audited, and published as `analytics.recommendation.decided`."""
        row = await self.recommendation_row(session, recommendation_id)
        guard(row)
        if row.stale:
            raise RecommendationStale(
                f"The result it was built on changed ({row.stale_reason}); decide the "
                + (
                    f"re-proposed recommendation {row.superseded_by}."
                    if row.superseded_by
                    else "re-proposal once its run is computed again."
                )
            )
        if row.status != "proposed":
            raise AlreadyDecided(
                f"The recommendation was {row.status} by {row.decided_by}; a decision is final."
            )
        problems = []
        if data.status == "overridden":
            if data.value is None:
                problems.append(field("value", "an override needs the new value"))
            if data.reason is None:
                problems.append(field("reason", "an override needs a reason"))
            elif data.value is not None and data.value == row.proposed_value:
                problems.append(field("value", "the same as the proposed value: accept instead"))
        elif data.value is not None and data.value != row.proposed_value:
            problems.append(
                field("value", "accepting keeps the proposed value; override to change it")
            )
        if row.unit == "promote" and data.value is not None and data.value not in (0, 1):
            problems.append(field("value", "1 (promote) or 0 (do not promote)"))
        if problems:
            raise InvalidInput("The decision is not valid.", errors=problems)
        before = snapshot(row)
        now = datetime.now(UTC)
        row.status = data.status
        row.final_value = (
            row.proposed_value
            if data.status == "accepted" or data.value is None
            else data.value.quantize(FOUR)
        )
        row.reason = data.reason
        row.decided_by, row.decided_at = identity.subject, now
        session.add(row)
        await session.flush()
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="recommendation",
            entity_id=row.id,
            action=data.status,
            before=before,
            after=snapshot(row),
            reason=data.reason,
        )
        assert row.final_value is not None
        await record_event(
            session,
            OutboxEvent,
            type=RECOMMENDATION_DECIDED,
            subject=f"recommendation/{row.id}",
            version=RECOMMENDATION_DECIDED_VERSION,
            data=RecommendationDecided(
                recommendation_id=row.id,
                run_id=row.run_id,
                kind=row.kind,
                employee_id=row.employee_id,
                cycle_id=row.cycle_id,
                status=data.status,
                unit=row.unit,
                proposed_value=row.proposed_value,
                final_value=row.final_value,
                reason=row.reason,
                decided_by=identity.subject,
                decided_at=now,
                inputs=row.inputs,
            ),
        )
        return row


applied_service = AppliedService()
