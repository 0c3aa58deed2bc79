"""Every query of results applied. The request's session is bound to the caller's tenant,
so these statements name no tenant: the tenant guard adds it."""

import uuid
from typing import Any

from sqlmodel import col, func, select

from strata_analytics.applied.models import (
    Compensation,
    CompetencyRequirement,
    MeritMatrix,
    Recommendation,
    RecommendationRun,
    TrainingEnrolment,
    TrainingProgramme,
)
from strata_analytics.projections.models import CampaignView, RatingFact
from strata_analytics.results.models import OverallResult
from strata_kit.repository import Repository


class AppliedRepository(Repository[RecommendationRun]):
    """The runs (the aggregate root: `get`, `get_many`, `add` from the base) and the rows
    they are computed from and propose."""

    model = RecommendationRun

    # --- compensation -----------------------------------------------------------------

    async def compensation(self, employee_ids: set[uuid.UUID]) -> dict[uuid.UUID, Compensation]:
        if not employee_ids:
            return {}
        statement = select(Compensation).where(col(Compensation.employee_id).in_(employee_ids))
        return {c.employee_id: c for c in (await self.session.exec(statement)).all()}

    async def compensation_of(self, employee_id: uuid.UUID) -> Compensation | None:
        statement = select(Compensation).where(col(Compensation.employee_id) == employee_id)
        return (await self.session.exec(statement)).first()

    def compensation_statement(self) -> Any:
        return select(Compensation)

    # --- merit matrix -----------------------------------------------------------------

    async def matrix(self) -> MeritMatrix | None:
        statement = select(MeritMatrix).where(col(MeritMatrix.scope) == "default")
        return (await self.session.exec(statement)).first()

    # --- results ----------------------------------------------------------------------

    async def results(self, cycle_ids: list[uuid.UUID]) -> list[OverallResult]:
        statement = select(OverallResult).where(col(OverallResult.cycle_id).in_(cycle_ids))
        return list((await self.session.exec(statement)).all())

    # --- runs and recommendations -----------------------------------------------------

    async def run(self, run_id: uuid.UUID) -> RecommendationRun | None:
        return await self.get(run_id)

    def runs_statement(self, kind: str | None, cycle_id: uuid.UUID | None) -> Any:
        statement = select(RecommendationRun)
        if kind is not None:
            statement = statement.where(col(RecommendationRun.kind) == kind)
        if cycle_id is not None:
            statement = statement.where(col(RecommendationRun.cycle_id) == cycle_id)
        return statement

    async def live_runs_for_cycle(self, cycle_id: uuid.UUID) -> list[RecommendationRun]:
        """Runs not yet superseded that may build on a result of the cycle: the cycle's own,
        and promotion runs (their streak reads earlier cycles; the caller checks which)."""
        statement = (
            select(RecommendationRun)
            .where(
                col(RecommendationRun.superseded_by).is_(None),
                (col(RecommendationRun.cycle_id) == cycle_id)
                | (col(RecommendationRun.kind) == "promotion"),
            )
            .order_by(col(RecommendationRun.created_at), col(RecommendationRun.id))
        )
        return list((await self.session.exec(statement)).all())

    async def run_recommendations(self, run_id: uuid.UUID) -> list[Recommendation]:
        statement = (
            select(Recommendation)
            .where(col(Recommendation.run_id) == run_id)
            .order_by(col(Recommendation.created_at), col(Recommendation.id))
        )
        return list((await self.session.exec(statement)).all())

    async def recommendation(self, recommendation_id: uuid.UUID) -> Recommendation | None:
        statement = select(Recommendation).where(col(Recommendation.id) == recommendation_id)
        return (await self.session.exec(statement)).first()

    def recommendations_statement(
        self,
        *,
        kind: str | None,
        status: str | None,
        run_id: uuid.UUID | None,
        cycle_id: uuid.UUID | None,
        employee_id: uuid.UUID | None,
    ) -> Any:
        statement = select(Recommendation)
        for column, value in (
            (Recommendation.kind, kind),
            (Recommendation.status, status),
            (Recommendation.run_id, run_id),
            (Recommendation.cycle_id, cycle_id),
            (Recommendation.employee_id, employee_id),
        ):
            if value is not None:
                statement = statement.where(col(column) == value)
        return statement

    # --- training ---------------------------------------------------------------------

    async def competency_scales(self) -> dict[str, tuple[int, int]]:
        """key → (lowest, highest) level valid on every scale the competency was rated on
        in the tenant's closed 360 campaigns."""
        statement = select(
            col(RatingFact.competency_key),
            func.max(col(RatingFact.scale_min)),
            func.min(col(RatingFact.scale_max)),
        ).group_by(col(RatingFact.competency_key))
        return {k: (int(lo), int(hi)) for k, lo, hi in (await self.session.exec(statement)).all()}

    async def requirements(self) -> list[CompetencyRequirement]:
        statement = select(CompetencyRequirement).order_by(
            col(CompetencyRequirement.competency_key)
        )
        return list((await self.session.exec(statement)).all())

    async def programme(self, programme_id: uuid.UUID) -> TrainingProgramme | None:
        statement = select(TrainingProgramme).where(col(TrainingProgramme.id) == programme_id)
        return (await self.session.exec(statement)).first()

    def programmes_statement(self) -> Any:
        return select(TrainingProgramme)

    async def programmes(self) -> list[TrainingProgramme]:
        statement = select(TrainingProgramme).order_by(
            col(TrainingProgramme.name), col(TrainingProgramme.id)
        )
        return list((await self.session.exec(statement)).all())

    async def enrolment_counts(
        self, programme_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[int, int]]:
        if not programme_ids:
            return {}
        statement = (
            select(
                TrainingEnrolment.programme_id,
                func.count(),
                func.count(col(TrainingEnrolment.completed_on)),
            )
            .where(col(TrainingEnrolment.programme_id).in_(programme_ids))
            .group_by(col(TrainingEnrolment.programme_id))
        )
        rows = (await self.session.exec(statement)).all()
        return {programme: (total, completed) for programme, total, completed in rows}

    async def enrolments(self, programme_id: uuid.UUID) -> list[TrainingEnrolment]:
        statement = (
            select(TrainingEnrolment)
            .where(col(TrainingEnrolment.programme_id) == programme_id)
            .order_by(col(TrainingEnrolment.created_at), col(TrainingEnrolment.id))
        )
        return list((await self.session.exec(statement)).all())

    async def anonymity_thresholds(self, cycle_ids: list[uuid.UUID]) -> list[int]:
        """The k of every closed 360 campaign of these cycles."""
        statement = select(CampaignView.anonymity_threshold).where(
            col(CampaignView.cycle_id).in_(cycle_ids)
        )
        return [k for k in (await self.session.exec(statement)).all() if k is not None]
