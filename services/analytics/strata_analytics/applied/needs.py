"""Training needs: one recommendation per competency whose 360 mean is below the level
required, ranked by gap per person, with the programmes that develop that competency. The
requirements and programmes themselves are `training.py`'s."""

from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.applied.exceptions import NoRequirements
from strata_analytics.applied.models import CompetencyRequirement, TrainingProgramme
from strata_analytics.applied.population import competency_means, population
from strata_analytics.applied.repository import AppliedRepository
from strata_analytics.applied.rules import Member, require_someone
from strata_analytics.applied.runs import Item, run_service
from strata_contracts.analytics.applied import (
    ExcludedEmployee,
    RunRead,
    RunSummary,
    TrainingRunCreate,
)
from strata_kit.identity import TenantIdentity


def usable_requirements(
    requirements: list[CompetencyRequirement], scales: dict[str, tuple[int, int]]
) -> tuple[list[CompetencyRequirement], list[str]]:
    """The requirements on their competency's rating scale, and a note for each other one."""
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
    return usable, notes


def need_items(
    member: Member,
    means: dict[str, tuple[str, Decimal]],
    requirements: list[CompetencyRequirement],
    programmes: list[TrainingProgramme],
) -> list[Item]:
    """The person's needs, the largest gap first."""
    gaps = []
    for requirement in requirements:
        found = means.get(requirement.competency_key)
        if found is not None and found[1] < requirement.required_level:
            gaps.append((requirement.required_level - found[1], requirement, found))
    gaps.sort(key=lambda g: (-g[0], g[1].competency_key))
    items: list[Item] = []
    for rank, (gap, requirement, (name, mean)) in enumerate(gaps, start=1):
        inputs = {
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
        }
        items.append((member.employee_id, "levels", gap, inputs))
    return items


class TrainingNeedsService:
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
        requirements, notes = usable_requirements(requirements, await repo.competency_scales())
        members, excluded = await population(
            session, data.cycle_id, data.org_unit_id, data.employee_ids
        )
        items: list[Item] = []
        assessed = 0
        for member in members:
            means = await competency_means(
                session, identity.tenant_id, member.employee_id, data.cycle_id
            )
            if means is None:
                excluded.append(ExcludedEmployee(employee_id=member.employee_id, reason="no_360"))
                continue
            assessed += 1
            items.extend(need_items(member, means, requirements, programmes))
        if not assessed:
            require_someone([])
        summary = RunSummary(
            population=assessed,
            notes=[f"{len(items)} training need(s) among {assessed} person(s) with a 360.", *notes],
            excluded=excluded,
        )
        return await run_service.store(
            session,
            identity,
            "training",
            data.cycle_id,
            data.model_dump(mode="json"),
            summary,
            items,
        )


training_needs_service = TrainingNeedsService()
