"""Compensation: pay imported from the HRIS (base salary, currency, range midpoint), the
merit matrix, and the two pay runs built on them: merit increases within a budget and a
bonus pool shared by weight."""

import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.applied.calc import (
    FOUR,
    HUNDRED,
    Budgeted,
    budget_from_percent,
    compa_band,
    compa_ratio,
    fit_to_budget,
    largest_remainder,
)
from strata_analytics.applied.exceptions import CompensationNotFound
from strata_analytics.applied.models import Compensation, MeritMatrix
from strata_analytics.applied.policy import DEFAULT_MATRIX
from strata_analytics.applied.population import population
from strata_analytics.applied.repository import AppliedRepository
from strata_analytics.applied.rules import (
    SIX,
    Member,
    check_completeness,
    compensation_read,
    completeness,
    require_someone,
)
from strata_analytics.applied.runs import Item, run_service
from strata_analytics.models import AuditRecord
from strata_analytics.results.repository import ResultRepository
from strata_analytics.results.service import result_service
from strata_contracts.analytics.applied import (
    BonusRunCreate,
    CompensationImport,
    CompensationImportResult,
    CompensationRead,
    ExcludedEmployee,
    IncludedIncomplete,
    MeritMatrixRead,
    MeritMatrixWrite,
    MeritRunCreate,
    RunRead,
    RunSummary,
)
from strata_contracts.analytics.results import ResultPolicyRead
from strata_contracts.pagination import Page
from strata_contracts.problem import FieldProblem
from strata_kit.audit import record_audit, snapshot
from strata_kit.errors import InvalidInput, field
from strata_kit.identity import TenantIdentity
from strata_kit.pagination import PageParams, paginate


def import_problems(data: CompensationImport, people: set[uuid.UUID]) -> list[FieldProblem]:
    """Every row names a known employee, once."""
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
    return problems


def matrix_problems(data: MeritMatrixWrite, policies: list[ResultPolicyRead]) -> list[FieldProblem]:
    """Compa-ratio bands ascending with only the last one open; a row per rating band of the
    default policy, an increase per compa-ratio band."""
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
    return problems


def matrix_read(row: MeritMatrix) -> MeritMatrixRead:
    return MeritMatrixRead.model_validate(
        {
            "compa_ratio_bands": row.compa_ratio_bands,
            "rows": row.rows,
            "built_in": False,
            "updated_at": row.updated_at,
        }
    )


def pay_exclusion(
    comp: Compensation | None, currency: str, band: str | None, bands: Any
) -> str | None:
    """Why a person gets no pay recommendation, or None when they can have one."""
    if comp is None:
        return "no_compensation"
    if comp.currency != currency:
        return "other_currency"
    if band not in bands:
        return "band_not_configured"
    return None


@dataclass
class Eligible:
    """A pay run's population so far: complete results (unless incomplete ones are included
    on purpose), who was excluded and why, and everyone's pay."""

    members: list[Member]
    excluded: list[ExcludedEmployee]
    incomplete: list[IncludedIncomplete]
    pay: dict[uuid.UUID, Compensation]

    def summary(self, data: MeritRunCreate | BonusRunCreate, **figures: Any) -> RunSummary:
        return RunSummary(
            **figures,
            excluded=self.excluded,
            included_incomplete=self.incomplete,
            include_incomplete_reason=data.include_incomplete_reason,
        )


@dataclass
class MeritLine:
    """One person in a merit run with the matrix cell they fall in."""

    member: Member
    comp: Compensation
    ratio: Decimal
    index: int
    percent: Decimal


@dataclass
class BonusLine:
    """One person in a bonus run with their weight in the pool."""

    member: Member
    comp: Compensation
    multiplier: Decimal
    weight: Decimal


def merit_notes(fit: Budgeted, currency: str, budget: Decimal) -> list[str]:
    cost = fit.matrix_spend.quantize(Decimal("0.01"))
    if fit.scaled:
        return [
            f"The matrix would cost {cost} {currency}, more than the budget of {budget}: every "
            f"increase is scaled by {fit.scale_factor} (budget / matrix cost)."
        ]
    return [f"The matrix costs {cost} {currency}, within the budget of {budget}: no scaling."]


def merit_item(
    line: MeritLine,
    amount: Decimal,
    matrix: MeritMatrixRead,
    currency: str,
    budget: Decimal,
    fit: Budgeted,
) -> Item:
    comp, code = line.comp, matrix.compa_ratio_bands[line.index].code
    inputs = {
        **line.member.band_inputs(),
        "base_salary": str(comp.base_salary),
        "currency": comp.currency,
        "range_midpoint": str(comp.range_midpoint),
        "compa_ratio": str(line.ratio),
        "compa_ratio_band": code,
        "matrix_cell": {
            "band": line.member.final.band,
            "compa_ratio_band": code,
            "percent": str(line.percent),
        },
        "matrix_amount": str(comp.base_salary * line.percent / HUNDRED),
        "budget": str(budget),
        "budget_scale_factor": str(fit.scale_factor),
        "recommended_percent": str(
            (amount * HUNDRED / comp.base_salary).quantize(FOUR, ROUND_HALF_UP)
        ),
    }
    return (line.member.employee_id, currency, amount, inputs)


def bonus_item(line: BonusLine, amount: Decimal, data: BonusRunCreate, total: Decimal) -> Item:
    exact = Fraction(data.pool_amount) * Fraction(line.weight) / Fraction(total)
    inputs = {
        **line.member.band_inputs(),
        "base_salary": str(line.comp.base_salary),
        "currency": line.comp.currency,
        "multiplier": str(line.multiplier),
        "weight": str(line.weight),
        "total_weight": str(total),
        "share": str((line.weight / total).quantize(SIX, ROUND_HALF_UP)),
        "exact_amount": str(
            (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(FOUR, ROUND_HALF_UP)
        ),
        "pool": str(data.pool_amount),
        "rounding": "largest remainder to the cent",
    }
    return (line.member.employee_id, data.currency, amount, inputs)


def bonus_multipliers(data: BonusRunCreate) -> dict[str, Decimal]:
    problems = []
    multipliers: dict[str, Decimal] = {}
    for index, m in enumerate(data.multipliers):
        if m.band in multipliers:
            problems.append(field(f"multipliers/{index}/band", "duplicate band"))
        multipliers[m.band] = m.multiplier
    if problems:
        raise InvalidInput("The multipliers are not valid.", errors=problems)
    return multipliers


class CompensationService:
    # --- pay --------------------------------------------------------------------------

    async def import_compensation(
        self, session: AsyncSession, identity: TenantIdentity, data: CompensationImport
    ) -> CompensationImportResult:
        """All rows or none: every problem is reported with its row, nothing is stored."""
        ids = [r.employee_id for r in data.rows]
        people = await ResultRepository(session).employees(set(ids))
        problems = import_problems(data, set(people))
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
        await self._audit_import(session, identity, changed)
        final = await repo.compensation(set(ids))
        return CompensationImportResult(
            created=created,
            updated=updated,
            items=[compensation_read(final[i], people.get(i)) for i in dict.fromkeys(ids)],
        )

    async def _audit_import(
        self,
        session: AsyncSession,
        identity: TenantIdentity,
        changed: list[tuple[Compensation, dict[str, Any] | None]],
    ) -> None:
        for row, before in changed:
            await record_audit(
                session,
                AuditRecord,
                identity=identity,
                entity_type="compensation",
                entity_id=row.id,
                action="imported" if before is None else "updated",
                before=before,
                after=snapshot(row),
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
        return matrix_read(row)

    async def set_matrix(
        self, session: AsyncSession, identity: TenantIdentity, data: MeritMatrixWrite
    ) -> MeritMatrixRead:
        """Validated against the tenant's rating bands, audited."""
        problems = matrix_problems(data, await result_service.policies(session))
        if problems:
            raise InvalidInput("The merit matrix is not valid.", errors=problems)
        repo = AppliedRepository(session)
        row = await repo.matrix()
        before = None if row is None else matrix_read(row).model_dump(mode="json")
        if row is None:
            row = MeritMatrix(tenant_id=identity.tenant_id, scope="default")
        payload = data.model_dump(mode="json")
        row.compa_ratio_bands, row.rows = payload["compa_ratio_bands"], payload["rows"]
        session.add(row)
        await session.flush()
        after = matrix_read(row)
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

    # --- pay runs ---------------------------------------------------------------------

    async def _eligible(
        self, session: AsyncSession, data: MeritRunCreate | BonusRunCreate
    ) -> Eligible:
        check_completeness(data)
        members, excluded = await population(
            session, data.cycle_id, data.org_unit_id, data.employee_ids
        )
        members, incomplete = completeness(members, excluded, data.include_incomplete)
        pay = await AppliedRepository(session).compensation({m.employee_id for m in members})
        return Eligible(members, excluded, incomplete, pay)

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
        eligible = await self._eligible(session, data)
        matrix = await self.matrix(session)
        rows = {r.band: r.increases for r in matrix.rows}
        bounds = [b.below for b in matrix.compa_ratio_bands]
        included: list[MeritLine] = []
        for member in eligible.members:
            comp = eligible.pay.get(member.employee_id)
            reason = pay_exclusion(comp, data.currency, member.final.band, rows)
            if reason is not None or comp is None:
                eligible.excluded.append(
                    ExcludedEmployee(employee_id=member.employee_id, reason=reason)
                )
                continue
            ratio = compa_ratio(comp.base_salary, comp.range_midpoint)
            index = compa_band(ratio, bounds)
            assert member.final.band is not None
            included.append(MeritLine(member, comp, ratio, index, rows[member.final.band][index]))
        require_someone(included)
        payroll = sum((line.comp.base_salary for line in included), Decimal(0))
        if data.budget_amount is not None:
            budget = data.budget_amount
        else:
            assert data.budget_percent is not None
            budget = budget_from_percent(payroll, data.budget_percent)
        fit = fit_to_budget(
            [line.comp.base_salary for line in included],
            [line.percent for line in included],
            budget,
        )
        items = [
            merit_item(line, amount, matrix, data.currency, budget, fit)
            for line, amount in zip(included, fit.amounts, strict=True)
        ]
        summary = eligible.summary(
            data,
            population=len(included),
            currency=data.currency,
            payroll=payroll,
            budget=budget,
            matrix_spend=fit.matrix_spend.quantize(FOUR, ROUND_HALF_UP),
            scale_factor=fit.scale_factor,
            scaled=fit.scaled,
            spend=fit.spend,
            remaining=budget - fit.spend,
            notes=merit_notes(fit, data.currency, budget),
        )
        return await run_service.store(
            session, identity, "merit", data.cycle_id, data.model_dump(mode="json"), summary, items
        )

    async def bonus_run(
        self, session: AsyncSession, identity: TenantIdentity, data: BonusRunCreate
    ) -> RunRead:
        """The pool shared by weight = base salary * band multiplier, to the cent, summing
        to the pool exactly (largest remainder)."""
        multipliers = bonus_multipliers(data)
        eligible = await self._eligible(session, data)
        included: list[BonusLine] = []
        for member in eligible.members:
            comp = eligible.pay.get(member.employee_id)
            reason = pay_exclusion(comp, data.currency, member.final.band, multipliers)
            if reason is not None or comp is None:
                eligible.excluded.append(
                    ExcludedEmployee(employee_id=member.employee_id, reason=reason)
                )
                continue
            assert member.final.band is not None
            multiplier = multipliers[member.final.band]
            included.append(BonusLine(member, comp, multiplier, comp.base_salary * multiplier))
        require_someone(included)
        total = sum((line.weight for line in included), Decimal(0))
        if total <= 0:
            raise InvalidInput(
                "Every eligible person has a zero weight: nothing to share the pool by.",
                errors=[field("multipliers", "at least one eligible band needs a multiplier > 0")],
            )
        amounts = largest_remainder(data.pool_amount, [line.weight for line in included])
        items = [
            bonus_item(line, amount, data, total)
            for line, amount in zip(included, amounts, strict=True)
        ]
        spend = sum(amounts, Decimal(0))
        summary = eligible.summary(
            data,
            population=len(included),
            currency=data.currency,
            payroll=sum((line.comp.base_salary for line in included), Decimal(0)),
            pool=data.pool_amount,
            total_weight=total,
            spend=spend,
            remaining=data.pool_amount - spend,
            notes=[
                "Weight = base salary * band multiplier; share = weight / Σ weight; amounts "
                "rounded down to the cent, the cents left over given to the largest remainders."
            ],
        )
        return await run_service.store(
            session, identity, "bonus", data.cycle_id, data.model_dump(mode="json"), summary, items
        )


compensation_service = CompensationService()
