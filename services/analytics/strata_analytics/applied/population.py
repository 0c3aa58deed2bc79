"""Who a recommendation run is about: everyone with a result in the cycle (in an org unit's
subtree, or listed), and the 360 competency means a run's rules read."""

import uuid
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.applied.rules import Member, final_result, under
from strata_analytics.ratings.scores import competency_score
from strata_analytics.results.repository import ResultRepository
from strata_contracts.analytics.applied import ExcludedEmployee


async def population(
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
            and under(units, p.org_unit_id, org_unit_id)
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
            excluded.append(ExcludedEmployee(employee_id=member.employee_id, reason="no_result"))
    return [m for m in members if m.final.band is not None], excluded


async def competency_means(
    session: AsyncSession, tenant: uuid.UUID, employee_id: uuid.UUID, cycle_id: uuid.UUID
) -> dict[str, tuple[str, Decimal]] | None:
    """key → (name, mean) of the publishable 360 ratings in the cycle (None: no 360)."""
    _, facts = await ResultRepository(session).ratee_campaign_facts(tenant, employee_id, cycle_id)
    score = competency_score(facts)
    if score is None or not score.competencies:
        return None
    return {c.key: (c.name, c.mean) for c in score.competencies}
