"""Training: the required level per competency (below it is a need), programmes and
enrolments, and each programme's effectiveness from results before and after it.

Effectiveness compares the change between two cycles of the people who completed the
programme with that of their untrained peers (results in both cycles, not enrolled). A group
smaller than the anonymity threshold publishes no figure, so no one's change can be read."""

import math
import uuid
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from strata_analytics.applied.calc import cohens_d_paired, hedges_g, mean, sample_sd
from strata_analytics.applied.exceptions import ProgrammeNotFound
from strata_analytics.applied.models import (
    CompetencyRequirement,
    TrainingEnrolment,
    TrainingProgramme,
)
from strata_analytics.applied.population import competency_means
from strata_analytics.applied.repository import AppliedRepository
from strata_analytics.applied.rules import final_result
from strata_analytics.models import AuditRecord
from strata_analytics.results.repository import ResultRepository
from strata_contracts.analytics.applied import (
    CompetencyRequirement as RequirementWire,
)
from strata_contracts.analytics.applied import (
    CompetencyRequirementsRead,
    CompetencyRequirementsWrite,
    EnrolmentList,
    EnrolmentRead,
    EnrolmentsWrite,
    GroupChange,
    TrainingEffectiveness,
    TrainingProgrammeCreate,
    TrainingProgrammeRead,
)
from strata_contracts.pagination import Page
from strata_contracts.problem import FieldProblem
from strata_kit.audit import record_audit, snapshot
from strata_kit.errors import InvalidInput, field
from strata_kit.identity import TenantIdentity
from strata_kit.pagination import PageParams, paginate

DEFAULT_ANONYMITY_THRESHOLD = 3
"""The reviews default k: the threshold is the highest k of the two cycles' campaigns, never
below this."""


def _group(before: list[float], after: list[float], k: int) -> GroupChange:
    n = len(before)
    if n < k or n == 0:
        return GroupChange(
            n=n,
            suppressed=n < k,
            mean_before=None,
            mean_after=None,
            mean_change=None,
            sd_change=None,
        )
    changes = [a - b for a, b in zip(after, before, strict=True)]
    return GroupChange(
        n=n,
        suppressed=False,
        mean_before=_stat(mean(before)),
        mean_after=_stat(mean(after)),
        mean_change=_stat(mean(changes)),
        sd_change=_stat(sample_sd(changes)),
    )


FOUR = Decimal("0.0001")


def _stat(value: float | None) -> Decimal | None:
    """A computed figure published as analytics publishes figures: 4 decimal places."""
    if value is None or math.isnan(value) or math.isinf(value):
        return None
    return Decimal(repr(value)).quantize(FOUR, ROUND_HALF_UP)


def _two_cycles(
    before_cycle_id: uuid.UUID | None, after_cycle_id: uuid.UUID | None
) -> tuple[uuid.UUID, uuid.UUID]:
    """Both cycles named, and different."""
    missing = [
        FieldProblem(pointer=f"/query/{name}", detail="required")
        for name, value in (
            ("before_cycle_id", before_cycle_id),
            ("after_cycle_id", after_cycle_id),
        )
        if value is None
    ]
    if missing:
        raise InvalidInput("Name the cycles before and after the training.", errors=missing)
    assert before_cycle_id is not None
    assert after_cycle_id is not None
    if before_cycle_id == after_cycle_id:
        raise InvalidInput(
            "Compare two different cycles.",
            errors=[
                FieldProblem(pointer="/query/after_cycle_id", detail="the same as before_cycle_id")
            ],
        )
    return before_cycle_id, after_cycle_id


class TrainingService:
    # --- requirements -----------------------------------------------------------------

    async def requirements(self, session: AsyncSession) -> CompetencyRequirementsRead:
        rows = await AppliedRepository(session).requirements()
        return CompetencyRequirementsRead(
            requirements=[
                RequirementWire(competency_key=r.competency_key, required_level=r.required_level)
                for r in rows
            ]
        )

    async def set_requirements(
        self, session: AsyncSession, identity: TenantIdentity, data: CompetencyRequirementsWrite
    ) -> CompetencyRequirementsRead:
        """Replace the tenant's requirements (audited)."""
        keys = [r.competency_key for r in data.requirements]
        problems = [
            field(f"requirements/{i}/competency_key", "listed twice")
            for i, key in enumerate(keys)
            if key in keys[:i]
        ]
        repo = AppliedRepository(session)
        scales = await repo.competency_scales()
        for i, requirement in enumerate(data.requirements):
            scale = scales.get(requirement.competency_key)
            if scale is None:
                known = ", ".join(sorted(scales)) or "none yet: no closed 360 rated any"
                problems.append(
                    field(
                        f"requirements/{i}/competency_key",
                        f"not a competency of the tenant's 360 campaigns (known: {known})",
                    )
                )
            elif not scale[0] <= requirement.required_level <= scale[1]:
                problems.append(
                    field(
                        f"requirements/{i}/required_level",
                        f"outside the competency's rating scale {scale[0]} to {scale[1]}",
                    )
                )
        if problems:
            raise InvalidInput(
                "The requirements are not valid; the stored ones are unchanged.", errors=problems
            )
        held = {r.competency_key: r for r in await repo.requirements()}
        before = await self.requirements(session)
        for key, row in held.items():
            if key not in keys:
                await session.delete(row)
        for requirement in data.requirements:
            row = held.get(requirement.competency_key) or CompetencyRequirement(
                tenant_id=identity.tenant_id,
                competency_key=requirement.competency_key,
                required_level=requirement.required_level,
            )
            row.required_level = requirement.required_level
            session.add(row)
        await session.flush()
        after = await self.requirements(session)
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="competency_requirements",
            entity_id=identity.tenant_id or uuid.UUID(int=0),
            action="set",
            before=before.model_dump(mode="json"),
            after=after.model_dump(mode="json"),
        )
        return after

    # --- programmes -------------------------------------------------------------------

    async def _read(self, session: AsyncSession, row: TrainingProgramme) -> TrainingProgrammeRead:
        counts = await AppliedRepository(session).enrolment_counts([row.id])
        total, completed = counts.get(row.id, (0, 0))
        return self._programme_read(row, total, completed)

    def _programme_read(
        self, row: TrainingProgramme, total: int, completed: int
    ) -> TrainingProgrammeRead:
        return TrainingProgrammeRead(
            id=row.id,
            name=row.name,
            competency_key=row.competency_key,
            description=row.description,
            enrolments=total,
            completed=completed,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def create_programme(
        self, session: AsyncSession, identity: TenantIdentity, data: TrainingProgrammeCreate
    ) -> TrainingProgrammeRead:
        row = TrainingProgramme(tenant_id=identity.tenant_id, **data.model_dump())
        session.add(row)
        await session.flush()
        await record_audit(
            session,
            AuditRecord,
            identity=identity,
            entity_type="training_programme",
            entity_id=row.id,
            action="created",
            after=snapshot(row),
        )
        return self._programme_read(row, 0, 0)

    async def programme_row(
        self, session: AsyncSession, programme_id: uuid.UUID
    ) -> TrainingProgramme:
        row = await AppliedRepository(session).programme(programme_id)
        if row is None:
            raise ProgrammeNotFound(f"No training programme {programme_id}.")
        return row

    async def programme(
        self, session: AsyncSession, programme_id: uuid.UUID
    ) -> TrainingProgrammeRead:
        return await self._read(session, await self.programme_row(session, programme_id))

    async def programmes(
        self, session: AsyncSession, params: PageParams
    ) -> Page[TrainingProgrammeRead]:
        repo = AppliedRepository(session)
        page = await paginate(
            session,
            repo.programmes_statement(),
            sort=col(TrainingProgramme.updated_at),
            id_column=col(TrainingProgramme.id),
            params=params,
            to_item=lambda row: row,
            updated_column=col(TrainingProgramme.updated_at),
        )
        counts = await repo.enrolment_counts([p.id for p in page.items])
        return Page[TrainingProgrammeRead](
            items=[self._programme_read(p, *counts.get(p.id, (0, 0))) for p in page.items],
            next_cursor=page.next_cursor,
        )

    # --- enrolments -------------------------------------------------------------------

    async def enrolments(self, session: AsyncSession, programme_id: uuid.UUID) -> EnrolmentList:
        programme = await self.programme_row(session, programme_id)
        rows = await AppliedRepository(session).enrolments(programme.id)
        people = await ResultRepository(session).employees({r.employee_id for r in rows})
        return EnrolmentList(
            items=[
                EnrolmentRead(
                    programme_id=r.programme_id,
                    employee_id=r.employee_id,
                    employee_name=people[r.employee_id].name if r.employee_id in people else None,
                    completed_on=r.completed_on,
                    updated_at=r.updated_at,
                )
                for r in rows
            ]
        )

    async def set_enrolments(
        self,
        session: AsyncSession,
        identity: TenantIdentity,
        programme_id: uuid.UUID,
        data: EnrolmentsWrite,
    ) -> EnrolmentList:
        """All rows or none; a listed employee's enrolment is replaced (audited)."""
        programme = await self.programme_row(session, programme_id)
        ids = [e.employee_id for e in data.enrolments]
        people = await ResultRepository(session).employees(set(ids))
        problems = []
        for index, enrolment in enumerate(data.enrolments):
            if enrolment.employee_id in ids[:index]:
                problems.append(field(f"enrolments/{index}/employee_id", "listed twice"))
            if enrolment.employee_id not in people:
                problems.append(field(f"enrolments/{index}/employee_id", "no such employee"))
        if problems:
            raise InvalidInput(
                f"{len(problems)} problem(s) in the enrolments; nothing was stored.",
                errors=problems,
            )
        held = {e.employee_id: e for e in await AppliedRepository(session).enrolments(programme.id)}
        for enrolment in data.enrolments:
            row = held.get(enrolment.employee_id)
            before = snapshot(row)
            if row is None:
                row = TrainingEnrolment(
                    tenant_id=identity.tenant_id,
                    programme_id=programme.id,
                    employee_id=enrolment.employee_id,
                )
            elif row.completed_on == enrolment.completed_on:
                continue
            row.completed_on = enrolment.completed_on
            session.add(row)
            await session.flush()
            await record_audit(
                session,
                AuditRecord,
                identity=identity,
                entity_type="training_enrolment",
                entity_id=row.id,
                action="enrolled" if before is None else "updated",
                before=before,
                after=snapshot(row),
            )
        return await self.enrolments(session, programme.id)

    # --- effectiveness ----------------------------------------------------------------

    async def _threshold(self, session: AsyncSession, cycles: list[uuid.UUID]) -> int:
        found = await AppliedRepository(session).anonymity_thresholds(cycles)
        return max([*found, DEFAULT_ANONYMITY_THRESHOLD])

    async def _measures(
        self,
        session: AsyncSession,
        tenant: uuid.UUID,
        cycle_id: uuid.UUID,
        competency_key: str | None,
    ) -> dict[uuid.UUID, Decimal]:
        """employee → final overall (or the competency's 360 mean) in the cycle."""
        out: dict[uuid.UUID, Decimal] = {}
        for result in await ResultRepository(session).cycle_results(cycle_id):
            if competency_key is None:
                value = final_result(result).overall
            else:
                means = await competency_means(session, tenant, result.employee_id, cycle_id)
                value = (means or {}).get(competency_key, (None, None))[1]
            if value is not None:
                out[result.employee_id] = value
        return out

    async def effectiveness(
        self,
        session: AsyncSession,
        identity: TenantIdentity,
        programme_id: uuid.UUID,
        before_cycle_id: uuid.UUID | None,
        after_cycle_id: uuid.UUID | None,
        competency_key: str | None,
    ) -> TrainingEffectiveness:
        programme = await self.programme_row(session, programme_id)
        before_cycle_id, after_cycle_id = _two_cycles(before_cycle_id, after_cycle_id)
        enrolments = await AppliedRepository(session).enrolments(programme.id)
        completed = {e.employee_id for e in enrolments if e.completed_on is not None}
        enrolled = {e.employee_id for e in enrolments}
        before = await self._measures(session, identity.tenant_id, before_cycle_id, competency_key)
        after = await self._measures(session, identity.tenant_id, after_cycle_id, competency_key)
        both = sorted(set(before) & set(after), key=str)
        trained = [e for e in both if e in completed]
        untrained = [e for e in both if e not in enrolled]
        k = await self._threshold(session, [before_cycle_id, after_cycle_id])

        def values(people: list[uuid.UUID], side: dict[uuid.UUID, Decimal]) -> list[float]:
            return [float(side[p]) for p in people]

        t_before, t_after = values(trained, before), values(trained, after)
        u_before, u_after = values(untrained, before), values(untrained, after)
        trained_group = _group(t_before, t_after, k)
        untrained_group = _group(u_before, u_after, k)
        t_changes = [a - b for a, b in zip(t_after, t_before, strict=True)]
        u_changes = [a - b for a, b in zip(u_after, u_before, strict=True)]
        notes = []
        d = did = g = None
        if trained_group.suppressed:
            notes.append(
                f"Fewer than {k} trained people have results in both cycles: no figure is "
                "published for them, nor any comparison."
            )
        else:
            d = cohens_d_paired(t_changes)
            if untrained_group.suppressed:
                notes.append(
                    f"Fewer than {k} untrained peers have results in both cycles: no "
                    "comparison is published."
                )
            elif t_changes and u_changes:
                did = mean(t_changes) - mean(u_changes)
                g = hedges_g(t_changes, u_changes)
        incomplete = len(enrolled - completed)
        if incomplete:
            notes.append(f"{incomplete} enrolment(s) not completed: in neither group.")
        return TrainingEffectiveness(
            programme_id=programme.id,
            before_cycle_id=before_cycle_id,
            after_cycle_id=after_cycle_id,
            measure=f"competency:{competency_key}" if competency_key else "overall",
            anonymity_threshold=k,
            trained=trained_group,
            untrained=untrained_group,
            cohens_d_paired=_stat(d),
            difference_in_differences=_stat(did),
            hedges_g=_stat(g),
            notes=notes,
        )


training_service = TrainingService()
