"""Promotion: candidates are the people who hold every rule (a band streak over the last
cycles, competency minimums in the current 360); everyone evaluated keeps their evidence."""

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.applied.calc import streak
from strata_analytics.applied.population import competency_means, population
from strata_analytics.applied.repository import AppliedRepository
from strata_analytics.applied.rules import (
    Final,
    Member,
    check_completeness,
    completeness,
    final_result,
)
from strata_analytics.applied.runs import Item, run_service
from strata_analytics.results.service import missing_parts, result_service
from strata_contracts.analytics.applied import (
    CompetencyMinimum,
    PromotionEvaluation,
    PromotionRunCreate,
    RuleEvidence,
    RunRead,
    RunSummary,
)
from strata_contracts.problem import FieldProblem
from strata_kit.errors import InvalidInput, field
from strata_kit.identity import TenantIdentity


def promotion_problems(data: PromotionRunCreate, order: list[str]) -> list[FieldProblem]:
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
            problems.append(field(f"competency_minimums/{index}/competency_key", "listed twice"))
    return problems


@dataclass(frozen=True)
class History:
    """Everyone's final results over the run's cycles, and which of them are incomplete."""

    data: PromotionRunCreate
    order: list[str]
    finals: dict[tuple[uuid.UUID, uuid.UUID], Final]
    incomplete: set[tuple[uuid.UUID, uuid.UUID]]

    def band_streak(self, employee_id: uuid.UUID) -> RuleEvidence:
        """The band rule: the minimum band or above in each of the last cycles."""
        data = self.data
        minimum = self.order.index(data.min_band)
        window = data.cycle_ids[-data.consecutive_cycles :]
        history = [self.finals.get((employee_id, c)) for c in data.cycle_ids]
        counted = [
            f
            if f is not None
            and (data.include_incomplete or (employee_id, c) not in self.incomplete)
            else None
            for c, f in zip(data.cycle_ids, history, strict=True)
        ]
        ranks = [
            self.order.index(f.band) if f is not None and f.band in self.order else None
            for f in counted
        ]
        run_length = streak(ranks, minimum)
        return RuleEvidence(
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
                        "complete": None if f is None else (employee_id, c) not in self.incomplete,
                        "in_window": c in window,
                        "meets": rank is not None and rank >= minimum,
                    }
                    for c, f, rank in zip(data.cycle_ids, history, ranks, strict=True)
                ]
            },
        )


def competency_evidence(
    means: dict[str, tuple[str, Decimal]] | None, rule: CompetencyMinimum
) -> RuleEvidence:
    found = (means or {}).get(rule.competency_key)
    return RuleEvidence(
        rule=f"competency_minimum:{rule.competency_key}",
        required=f"360 mean at least {rule.minimum}",
        found=str(found[1]) if found else "not rated (or withheld) in the current cycle",
        passed=found is not None and found[1] >= rule.minimum,
        detail={
            "competency_key": rule.competency_key,
            "competency_name": found[0] if found else None,
            "mean": str(found[1]) if found else None,
            "minimum": str(rule.minimum),
        },
    )


def promotion_note(data: PromotionRunCreate, candidates: int, evaluated: int) -> str:
    return (
        f"{candidates} candidate(s) of {evaluated} evaluated: band "
        f"{data.min_band} or above for {data.consecutive_cycles} consecutive cycle(s)"
        + (
            ", and "
            + ", ".join(f"{m.competency_key} ≥ {m.minimum}" for m in data.competency_minimums)
            if data.competency_minimums
            else ""
        )
        + "."
    )


class PromotionService:
    async def _evaluate(
        self,
        session: AsyncSession,
        identity: TenantIdentity,
        history: History,
        member: Member,
    ) -> PromotionEvaluation:
        data = history.data
        evidence = [history.band_streak(member.employee_id)]
        if data.competency_minimums:
            means = await competency_means(
                session, identity.tenant_id, member.employee_id, data.cycle_ids[-1]
            )
            evidence.extend(competency_evidence(means, rule) for rule in data.competency_minimums)
        return PromotionEvaluation(
            employee_id=member.employee_id,
            employee_name=member.name,
            candidate=all(e.passed for e in evidence),
            evidence=evidence,
        )

    async def promotion_run(
        self, session: AsyncSession, identity: TenantIdentity, data: PromotionRunCreate
    ) -> RunRead:
        """Candidates hold every rule; every person evaluated keeps their evidence."""
        policy = await result_service.policy_for(session, identity.tenant_id, None)
        order = [b.code for b in policy.bands]
        problems = promotion_problems(data, order)
        if problems:
            raise InvalidInput("The promotion rules are not valid.", errors=problems)
        check_completeness(data)
        current = data.cycle_ids[-1]
        members, excluded = await population(session, current, data.org_unit_id, data.employee_ids)
        members, incomplete = completeness(members, excluded, data.include_incomplete)
        results = await AppliedRepository(session).results(data.cycle_ids)
        history = History(
            data,
            order,
            {(r.employee_id, r.cycle_id): final_result(r) for r in results},
            {(r.employee_id, r.cycle_id) for r in results if missing_parts(r)},
        )
        evaluations = []
        items: list[Item] = []
        for member in members:
            evaluation = await self._evaluate(session, identity, history, member)
            evaluations.append(evaluation)
            if evaluation.candidate:
                inputs = {
                    "band": member.final.band,
                    "band_source": member.final.source,
                    "rules": [e.model_dump(mode="json") for e in evaluation.evidence],
                }
                items.append((member.employee_id, "promote", Decimal(1), inputs))
        summary = RunSummary(
            population=len(evaluations),
            notes=[promotion_note(data, len(items), len(evaluations))],
            excluded=excluded,
            evaluations=evaluations,
            included_incomplete=incomplete,
            include_incomplete_reason=data.include_incomplete_reason,
        )
        return await run_service.store(
            session, identity, "promotion", current, data.model_dump(mode="json"), summary, items
        )


promotion_service = PromotionService()
